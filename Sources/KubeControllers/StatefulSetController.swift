import Foundation
import KubeClient
import KubeControllersCore
import KubeTypes
import Logging

/// Runs each StatefulSet's ordinal pods (upstream `pkg/controller/statefulset`): reads sets, pods,
/// claims and ControllerRevisions from informers, lets `StatefulSetReconciler` decide, and makes
/// its writes. Pods have fixed names, so a create the cache has not caught up with fails with
/// AlreadyExists and counts as done; no expectations are needed.
public final class StatefulSetController: Sendable {
    public static let component = "statefulset-controller"

    public let queue: WorkQueue<String>
    let statefulSets: Informer
    let pods: Informer
    let claims: Informer
    let revisions: Informer
    let client: KubeClient
    let events: EventRecorder
    let logger: Logger
    let workers: Int
    let now: @Sendable () -> Int64

    public init(
        client: KubeClient, statefulSets: Informer, pods: Informer, claims: Informer, revisions: Informer,
        queue: WorkQueue<String> = WorkQueue(), workers: Int = 2, logger: Logger,
        now: @escaping @Sendable () -> Int64 = WallClock.seconds
    ) {
        self.client = client.managed(by: Self.component)
        self.statefulSets = statefulSets
        self.pods = pods
        self.claims = claims
        self.revisions = revisions
        self.queue = queue
        self.workers = workers
        self.logger = logger
        self.now = now
        self.events = EventRecorder(client: self.client, component: Self.component, logger: logger)
    }

    public static func make(
        factory: InformerFactory, queue: WorkQueue<String> = WorkQueue(), workers: Int = 2, logger: Logger
    ) async -> StatefulSetController {
        let controller = StatefulSetController(
            client: factory.client, statefulSets: await factory.informer(for: .statefulSets),
            pods: await factory.informer(for: .pods), claims: await factory.informer(for: .persistentVolumeClaims),
            revisions: await factory.informer(for: .controllerRevisions), queue: queue, workers: workers,
            logger: logger)
        await controller.registerHandlers()
        return controller
    }

    public var loop: ControllerLoop {
        ControllerLoop(name: "statefulset", queue: queue, workers: workers, logger: logger) { [self] key in
            try await sync(key)
        }
    }

    func registerHandlers() async {
        await statefulSets.addHandler { [self] event in queue.add(Informer.key(event.object)) }
        await pods.addHandler { [self] event in podChanged(event.object) }
    }

    /// Queues the pod's StatefulSet, or for an orphan every set of the namespace that selects it.
    func podChanged(_ pod: JSON) {
        if let key = ControllerShell.controllerKey(of: pod, kind: "StatefulSet") {
            queue.add(key)
            return
        }
        guard pod[path: ["metadata", "ownerReferences"]] == nil else { return }
        let (statefulSets, queue) = (self.statefulSets, self.queue)
        Task {
            for set in await statefulSets.list(namespace: pod.namespace) {
                guard let selector = set[path: ["spec", "selector"]], let parsed = try? LabelSelector(object: selector),
                    parsed.matches(pod.labels)
                else { continue }
                queue.add(Informer.key(set))
            }
        }
    }

    public func sync(_ key: String) async throws {
        guard let set = await statefulSets.get(key: key) else { return }
        let namespace = set.namespace
        let now = now()
        let plan = StatefulSetReconciler.reconcile(
            statefulSet: set, pods: await pods.list(namespace: namespace),
            claims: await claims.list(namespace: namespace), revisions: await revisions.list(namespace: namespace),
            now: now)
        let owner = ObjectReference(set)
        for action in plan.actions { try await execute(action, set: set, owner: owner) }
        if let seconds = plan.requeueAfter { queue.add(key, after: .seconds(seconds)) }
    }

    private func execute(_ action: StatefulSetAction, set: JSON, owner: ObjectReference) async throws {
        switch action {
        case .createRevision(let revision):
            try await createTolerated(.controllerRevisions, revision, namespace: set.namespace)
        case .deleteRevision(let revision):
            try await deleteTolerated(.controllerRevisions, revision)
        case .adoptPod(let pod, let patch), .releasePod(let pod, let patch):
            do {
                _ = try await client.patch(.pods, namespace: pod.namespace, name: pod.name, patch, type: .strategic)
            } catch let error where ControllerShell.isNotFound(error) {
                // Gone meanwhile.
            }
        case .createClaim(let claim):
            try await write(
                set, verb: "create", what: "Claim \(claim.name) Pod \(podName(ofClaim: claim, set: set))",
                okReason: "SuccessfulCreate", failReason: "FailedCreate", okWord: "success"
            ) { try await self.createTolerated(.persistentVolumeClaims, claim, namespace: set.namespace) }
        case .deleteClaim(let claim):
            try await deleteTolerated(.persistentVolumeClaims, claim)
        case .createPod(let pod):
            try await write(
                set, verb: "create", what: "Pod \(pod.name)", okReason: "SuccessfulCreate", failReason: "FailedCreate"
            ) { try await self.createTolerated(.pods, pod, namespace: set.namespace) }
        case .deletePod(let pod):
            try await write(
                set, verb: "delete", what: "Pod \(pod.name)", okReason: "SuccessfulDelete", failReason: "FailedDelete"
            ) { try await self.deleteTolerated(.pods, pod) }
        case .updateStatus(let updated):
            _ = try await client.updateStatus(.statefulSets, updated)
        }
    }

    /// One pod or claim write with upstream's event (`create Pod web-0 in StatefulSet web successful`).
    private func write(
        _ set: JSON, verb: String, what: String, okReason: String, failReason: String, okWord: String = "successful",
        _ body: @Sendable () async throws -> Bool
    ) async throws {
        let subject = EventRecorder.Subject(kind: .statefulSet, namespace: set.namespace, name: set.name, uid: set.uid)
        do {
            guard try await body() else { return }
            await events.record(
                .normal, reason: okReason, message: "\(verb) \(what) in StatefulSet \(set.name) \(okWord)",
                about: subject)
        } catch {
            await events.record(
                .warning, reason: failReason,
                message:
                    "\(verb) \(what) in StatefulSet \(set.name) failed error: \(ControllerShell.message(of: error))",
                about: subject)
            throw error
        }
    }

    private func podName(ofClaim claim: JSON, set: JSON) -> String {
        // `<template>-<set>-<ordinal>`: the pod's name is the part after the template's name.
        guard let range = claim.name.range(of: "-" + set.name + "-", options: .backwards) else { return "" }
        return String(claim.name[claim.name.index(after: range.lowerBound)...])
    }

    /// False when the object was there already: names are fixed, so it is what an earlier sync made.
    @discardableResult
    private func createTolerated(_ resource: KubeResource, _ object: JSON, namespace: String) async throws -> Bool {
        do {
            _ = try await client.create(resource, namespace: namespace, object)
            return true
        } catch let error as KubeAPIError where error.code == 409 {
            return false
        }
    }

    /// False when the object was gone already.
    @discardableResult
    private func deleteTolerated(_ resource: KubeResource, _ object: ObjectReference) async throws -> Bool {
        do {
            try await client.delete(
                resource, namespace: object.namespace, name: object.name,
                options: ControllerShell.deleteOptions(uid: object.uid))
            return true
        } catch let error where ControllerShell.isNotFound(error) {
            return false
        }
    }
}

extension EventRecorder.Kind {
    public static let statefulSet = EventRecorder.Kind(apiVersion: "apps/v1", kind: "StatefulSet")
}
