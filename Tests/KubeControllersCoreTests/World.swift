import KubeTypes
import Testing

@testable import KubeControllersCore

/// A tiny in-memory cluster for driving the cores through simulated time: it applies their
/// actions as the API server would (defaulting, validation, resourceVersion conflicts, generation
/// bumps, patches through KubeTypes' own patch code), and plays scheduler, node agent and garbage
/// collector: pods get a node at once, turn Ready `secondsToReady` after creation and vanish
/// `secondsToTerminate` after deletion.
struct World {
    var now: Int64 = Fixture.epoch
    var deployments: [String: JSON] = [:]
    var replicaSets: [String: JSON] = [:]
    var pods: [String: JSON] = [:]
    var events: [ControllerEvent] = []
    /// Writes the server refused (conflicts, invalid objects, name clashes), for tests to inspect.
    var rejected: [String] = []
    var secondsToReady: Int64 = 2
    var secondsToTerminate: Int64 = 2
    /// Pods running one of these images never pass their readiness check.
    var brokenImages: Set<String> = []
    /// When positive, every n-th write fails as a conflict would, to show that stopping at the
    /// first failure and syncing again converges.
    var failEveryNthWrite = 0
    private var writes = 0
    private var serial = 100

    // MARK: Driving

    /// One second of cluster life: every Deployment syncs, then every ReplicaSet, then the nodes.
    mutating func step() {
        for name in deployments.keys.sorted() {
            guard let deployment = deployments[name] else { continue }
            let plan = DeploymentReconciler.reconcile(
                deployment: deployment, replicaSets: Array(replicaSets.values), pods: Array(pods.values), now: now)
            apply(plan.actions)
        }
        for name in replicaSets.keys.sorted() {
            guard let replicaSet = replicaSets[name] else { continue }
            let plan = ReplicaSetReconciler.reconcile(
                replicaSet: replicaSet, pods: Array(pods.values), now: now,
                relatedReplicaSets: Array(replicaSets.values))
            apply(plan.actions)
        }
        runNodes()
        now += 1
    }

    /// Steps until `done` holds (checking `invariant` after every step); false if it never did.
    @discardableResult
    mutating func run(
        maxSteps: Int = 200, invariant: (World) -> Void = { _ in }, until done: (World) -> Bool
    ) -> Bool {
        for _ in 0..<maxSteps {
            step()
            invariant(self)
            if done(self) { return true }
        }
        return false
    }

    /// Steps until `kubectl rollout status` would report success for the Deployment.
    @discardableResult
    mutating func runUntilRolledOut(
        _ name: String, maxSteps: Int = 200, invariant: (World) -> Void = { _ in }
    )
        -> Bool
    {
        run(maxSteps: maxSteps, invariant: invariant) { world in
            if case .done = RolloutStatus.evaluate(world.deployments[name]!) { return true }
            return false
        }
    }

    /// `runUntilRolledOut`, recording a test issue at the caller when it never happens.
    mutating func expectRolledOut(
        _ name: String, maxSteps: Int = 200, invariant: (World) -> Void = { _ in },
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let done = runUntilRolledOut(name, maxSteps: maxSteps, invariant: invariant)
        #expect(
            done, "\(name) did not roll out: \(RolloutStatus.evaluate(deployments[name]!))",
            sourceLocation: sourceLocation)
    }

    mutating func expectEventually(
        maxSteps: Int = 200, sourceLocation: SourceLocation = #_sourceLocation, _ condition: (World) -> Bool
    ) {
        let done = run(maxSteps: maxSteps, until: condition)
        #expect(done, "condition never held", sourceLocation: sourceLocation)
    }

    // MARK: Users

    mutating func add(_ deployment: JSON) {
        var object = deployment
        object[path: ["metadata", "resourceVersion"]] = .string(nextVersion())
        deployments[deployment.name] = object
    }

    /// A user edit of the Deployment (kubectl edit, set image, scale, rollout undo...).
    mutating func edit(_ name: String, _ change: (inout JSON) -> Void) {
        guard var deployment = deployments[name] else { return }
        let before = deployment["spec"]
        change(&deployment)
        Fixture.resource("Deployment").strategy.applyDefaults(&deployment)
        if deployment["spec"] != before {
            deployment[path: ["metadata", "generation"]] = .int(deployment.generation + 1)
        }
        deployment[path: ["metadata", "resourceVersion"]] = .string(nextVersion())
        deployments[name] = deployment
    }

    mutating func setImage(_ name: String, _ image: String) {
        edit(name) {
            $0[path: ["spec", "template", "spec", "containers"]] = [["name": "main", "image": .string(image)]]
        }
    }

    mutating func scale(_ name: String, to replicas: Int64) {
        edit(name) { $0[path: ["spec", "replicas"]] = .int(replicas) }
    }

    // MARK: Queries

    /// ReplicaSets controlled by the Deployment, oldest first.
    func replicaSets(of name: String) -> [JSON] {
        guard let uid = deployments[name]?.uid else { return [] }
        return replicaSets.values.filter { $0.controllerUID == uid }.sorted(by: ReplicaSetOrder.byCreation)
    }

    /// Pods (not terminating) of the Deployment's ReplicaSets.
    func livePods(of name: String) -> [JSON] {
        let owners = Set(replicaSets(of: name).map(\.uid))
        return pods.values.filter { owners.contains($0.controllerUID ?? "") && !$0.isBeingDeleted }
    }

    func availablePods(of name: String, minReadySeconds: Int64 = 0) -> Int {
        livePods(of: name).filter { PodState.isAvailable($0, minReadySeconds: minReadySeconds, now: now) }.count
    }

    func image(of pod: JSON) -> String {
        pod[path: ["spec", "containers"]]?.arrayValue?.first?["image"]?.stringValue ?? ""
    }

    func condition(_ type: String, of name: String) -> JSON? {
        (deployments[name]?[path: ["status", "conditions"]]?.arrayValue ?? []).first { $0["type"]?.stringValue == type }
    }

    // MARK: Server side

    private mutating func nextVersion() -> String {
        serial += 1
        return String(serial)
    }

    mutating func apply(_ actions: [DeploymentAction]) {
        for action in actions {
            guard perform(action) else { return }
        }
    }

    mutating func apply(_ actions: [ReplicaSetAction]) {
        for action in actions {
            guard perform(action) else { return }
        }
    }

    /// Counts a write and says whether to fail it on purpose.
    private mutating func injectFailure() -> Bool {
        writes += 1
        return failEveryNthWrite > 0 && writes % failEveryNthWrite == 0
    }

    private mutating func perform(_ action: DeploymentAction) -> Bool {
        if case .recordEvent(_, let event) = action {
            events.append(event)
            return true
        }
        if injectFailure() { return reject("Injected") }
        switch action {
        case .adoptReplicaSet(let reference, let patch), .releaseReplicaSet(let reference, let patch):
            guard
                let patched = strategicPatch(replicaSets[reference.name], patch, type: "io.k8s.api.apps.v1.ReplicaSet")
            else { return reject("patch \(reference)") }
            replicaSets[reference.name] = patched
            return true
        case .createReplicaSet(let replicaSet):
            return createReplicaSet(replicaSet)
        case .updateReplicaSet(let replicaSet):
            return updateReplicaSet(replicaSet)
        case .deleteReplicaSet(let reference):
            guard replicaSets[reference.name]?.uid == reference.uid else { return reject("delete \(reference)") }
            replicaSets[reference.name] = nil
            collectGarbage()
            return true
        case .updateStatus(let deployment):
            guard let updated = withStatus(deployments[deployment.name], deployment) else {
                return reject("Conflict status \(deployment.name)")
            }
            deployments[deployment.name] = updated
            return true
        case .patchDeployment(let reference, let patch):
            guard let stored = deployments[reference.name] else { return reject("patch \(reference)") }
            var patched = MergePatch.apply(patch, to: stored)
            patched[path: ["metadata", "resourceVersion"]] = .string(nextVersion())
            deployments[reference.name] = patched
            return true
        case .recordEvent:
            return true
        }
    }

    private mutating func perform(_ action: ReplicaSetAction) -> Bool {
        if injectFailure() { return reject("Injected") }
        switch action {
        case .adoptPod(let reference, let patch), .releasePod(let reference, let patch):
            guard let patched = strategicPatch(pods[reference.name], patch, type: "io.k8s.api.core.v1.Pod") else {
                return reject("patch \(reference)")
            }
            pods[reference.name] = patched
            return true
        case .createPods(let count, let pod):
            for batch in ReplicaSetReconciler.slowStartBatches(count) {
                for _ in 0..<batch where !createPod(pod) { return false }
            }
            return true
        case .deletePods(let references):
            for reference in references {
                guard var pod = pods[reference.name], pod.uid == reference.uid else { return reject("delete pod") }
                if !pod.isBeingDeleted {
                    pod[path: ["metadata", "deletionTimestamp"]] = .string(Timestamp.format(now))
                }
                pods[reference.name] = pod
            }
            return true
        case .updateStatus(let replicaSet):
            guard let updated = withStatus(replicaSets[replicaSet.name], replicaSet) else {
                return reject("Conflict status \(replicaSet.name)")
            }
            replicaSets[replicaSet.name] = updated
            return true
        }
    }

    private mutating func reject(_ what: String) -> Bool {
        rejected.append(what)
        return false
    }

    private mutating func createReplicaSet(_ input: JSON) -> Bool {
        guard replicaSets[input.name] == nil else { return reject("AlreadyExists \(input.name)") }
        let resource = Fixture.resource("ReplicaSet")
        var object = input
        resource.strategy.applyDefaults(&object)
        resource.strategy.prepareForCreate(&object)
        let errors = resource.strategy.validateCreate(object) + MetadataValidation.validate(object, resource: resource)
        guard errors.isEmpty else { return reject("invalid ReplicaSet: \(errors)") }
        object[path: ["metadata", "uid"]] = .string("uid-rs-\(nextVersion())")
        object[path: ["metadata", "creationTimestamp"]] = .string(Timestamp.format(now))
        object[path: ["metadata", "generation"]] = 1
        object[path: ["metadata", "resourceVersion"]] = .string(nextVersion())
        replicaSets[object.name] = object
        return true
    }

    private mutating func updateReplicaSet(_ input: JSON) -> Bool {
        guard let stored = replicaSets[input.name], stored.uid == input.uid,
            stored[path: ["metadata", "resourceVersion"]] == input[path: ["metadata", "resourceVersion"]]
        else { return reject("Conflict \(input.name)") }
        let resource = Fixture.resource("ReplicaSet")
        var object = input
        object["status"] = stored["status"]
        resource.strategy.applyDefaults(&object)
        let errors = resource.strategy.validateUpdate(object, stored)
        guard errors.isEmpty else { return reject("invalid ReplicaSet update: \(errors)") }
        if object["spec"] != stored["spec"] { object[path: ["metadata", "generation"]] = .int(stored.generation + 1) }
        object[path: ["metadata", "resourceVersion"]] = .string(nextVersion())
        replicaSets[object.name] = object
        return true
    }

    /// A `/status` PUT: only the status is taken, and only at the stored resourceVersion.
    private mutating func withStatus(_ stored: JSON?, _ input: JSON) -> JSON? {
        guard var stored, stored.uid == input.uid,
            stored[path: ["metadata", "resourceVersion"]] == input[path: ["metadata", "resourceVersion"]]
        else { return nil }
        stored["status"] = input["status"]
        stored[path: ["metadata", "resourceVersion"]] = .string(nextVersion())
        return stored
    }

    /// A strategic merge patch; the uid in the patch is a precondition, so a replaced object is
    /// never patched.
    private mutating func strategicPatch(_ stored: JSON?, _ patch: JSON, type: String) -> JSON? {
        guard let stored, stored.uid == patch[path: ["metadata", "uid"]]?.stringValue,
            var patched = try? StrategicMergePatch.apply(patch, to: stored, type: type, catalog: Builtin.catalog)
        else { return nil }
        patched[path: ["metadata", "resourceVersion"]] = .string(nextVersion())
        return patched
    }

    private mutating func createPod(_ template: JSON) -> Bool {
        let resource = Fixture.resource("Pod")
        var pod = template
        let prefix = template[path: ["metadata", "generateName"]]?.stringValue ?? ""
        pod[path: ["metadata", "generateName"]] = nil
        pod[path: ["metadata", "name"]] = .string(prefix + PodTemplateHash.safeEncode(nextVersion()))
        resource.strategy.applyDefaults(&pod)
        resource.strategy.prepareForCreate(&pod)
        let errors = resource.strategy.validateCreate(pod) + MetadataValidation.validate(pod, resource: resource)
        guard errors.isEmpty else { return reject("invalid pod: \(errors)") }
        pod[path: ["metadata", "uid"]] = .string("uid-pod-\(nextVersion())")
        pod[path: ["metadata", "creationTimestamp"]] = .string(Timestamp.format(now))
        pod[path: ["metadata", "resourceVersion"]] = .string(nextVersion())
        pods[pod.name] = pod
        return true
    }

    /// Background cascading deletion: pods whose controlling ReplicaSet is gone start terminating.
    private mutating func collectGarbage() {
        let live = Set(replicaSets.values.map(\.uid))
        for (name, pod) in pods where !pod.isBeingDeleted {
            guard let owner = pod.controllerUID, !live.contains(owner) else { continue }
            pods[name]?[path: ["metadata", "deletionTimestamp"]] = .string(Timestamp.format(now))
        }
    }

    /// Scheduler and node agent: bind and start new pods, report readiness, finish deletions.
    private mutating func runNodes() {
        for (name, pod) in pods.sorted(by: { $0.key < $1.key }) {
            if pod.isBeingDeleted {
                let since = pod[path: ["metadata", "deletionTimestamp"]]?.stringValue.flatMap(Timestamp.parse) ?? now
                if now - since >= secondsToTerminate { pods[name] = nil }
                continue
            }
            var updated = pod
            if PodState.nodeName(pod).isEmpty {
                updated[path: ["spec", "nodeName"]] = .string("node-\(name.utf8.count % 3)")
                updated[path: ["status", "phase"]] = "Running"
            }
            let age = now - (pod.creationTime ?? now)
            if !PodState.isReady(pod) && age >= secondsToReady && !brokenImages.contains(image(of: pod)) {
                updated[path: ["status", "conditions"]] = [
                    ["type": "Ready", "status": "True", "lastTransitionTime": .string(Timestamp.format(now))]
                ]
            }
            if updated != pod {
                updated[path: ["metadata", "resourceVersion"]] = .string(nextVersion())
                pods[name] = updated
            }
        }
    }
}
