import KubeTypes
import Testing

@testable import KubeControllersCore

/// A Job and its pods, driven through the core one simulated second at a time: actions are
/// applied as the API server would (a pod holding a finalizer only gets a deletionTimestamp),
/// and `kubelet` decides what becomes of running pods.
struct JobWorld {
    var now = Fixture.epoch
    var job: JSON
    var pods: [String: JSON] = [:]
    var events: [ControllerEvent] = []
    var created = 0
    var jobDeleted = false
    var options = JobOptions(podFailureBackoff: 0)
    /// The phase a pod reaches one second after it was created; nil leaves it running.
    var outcome: (_ index: Int) -> String? = { _ in "Succeeded" }
    private var births: [String: (index: Int, at: Int64)] = [:]

    init(_ job: JSON) { self.job = job }

    static func job(
        completions: Int64? = 3, parallelism: Int64 = 2, backoffLimit: Int64 = 6, deadline: Int64? = nil,
        ttl: Int64? = nil, suspend: Bool = false
    ) -> JSON {
        let labels: JSON = ["batch.kubernetes.io/controller-uid": "uid-job", "batch.kubernetes.io/job-name": "pi"]
        var spec: JSON = [
            "parallelism": .int(parallelism), "backoffLimit": .int(backoffLimit), "suspend": .bool(suspend),
            "completionMode": "NonIndexed",
            "selector": ["matchLabels": ["batch.kubernetes.io/controller-uid": "uid-job"]],
            "template": [
                "metadata": ["labels": labels],
                "spec": ["restartPolicy": "Never", "containers": [["name": "pi", "image": "perl:5.34"]]],
            ],
        ]
        spec["completions"] = completions.map(JSON.int)
        spec["activeDeadlineSeconds"] = deadline.map(JSON.int)
        spec["ttlSecondsAfterFinished"] = ttl.map(JSON.int)
        return [
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": [
                "name": "pi", "namespace": "default", "uid": "uid-job", "resourceVersion": "1",
                "creationTimestamp": .string(Fixture.time(0)),
            ],
            "spec": spec,
        ]
    }

    func plan() -> JobReconciliation {
        JobReconciler.reconcile(job: job, pods: Array(pods.values), now: now, options: options)
    }

    /// One second: the controller syncs, then the kubelet finishes pods that are due.
    @discardableResult
    mutating func step() -> JobReconciliation {
        let plan = plan()
        apply(plan.actions)
        for (name, birth) in births where pods[name] != nil && now >= birth.at + 1 {
            guard PodState.isActive(pods[name]!), let phase = outcome(birth.index) else { continue }
            pods[name]![path: ["status", "phase"]] = .string(phase)
        }
        now += 1
        return plan
    }

    mutating func run(maxSteps: Int = 60, until done: (JobWorld) -> Bool) -> Bool {
        for _ in 0..<maxSteps {
            step()
            if done(self) { return true }
        }
        return false
    }

    mutating func apply(_ actions: [JobAction]) {
        for action in actions {
            switch action {
            case .adoptPod(let pod, _):
                pods[pod.name]![path: ["metadata", "ownerReferences"]] = [OwnerKind.job.controllerReference(to: job)]
            case .releasePod(let pod, _):
                pods[pod.name]![path: ["metadata", "ownerReferences"]] = nil
            case .createPods(let count, let template):
                for _ in 0..<count { createPod(template) }
            case .deletePods(let victims):
                for victim in victims { deletePod(victim.name) }
            case .updateStatus(let updated):
                job = updated
            case .removeTrackingFinalizers(let tracked):
                for pod in tracked where pods[pod.name] != nil {
                    pods[pod.name]![path: ["metadata", "finalizers"]] = []
                    if pods[pod.name]!.isBeingDeleted { pods[pod.name] = nil }
                }
            case .recordEvent(let event):
                events.append(event)
            case .deleteJob:
                jobDeleted = true
            }
        }
    }

    mutating func createPod(_ template: JSON) {
        var pod = template
        let name = "pi-\(created)"
        pod[path: ["metadata", "name"]] = .string(name)
        pod[path: ["metadata", "uid"]] = .string("uid-\(name)")
        pod[path: ["metadata", "creationTimestamp"]] = .string(Timestamp.format(now))
        pod["status"] = ["phase": "Pending"]
        pods[name] = pod
        births[name] = (created, now)
        created += 1
    }

    /// A user's or the controller's delete: a pod with finalizers stays, marked.
    mutating func deletePod(_ name: String) {
        guard let pod = pods[name] else { return }
        if (pod[path: ["metadata", "finalizers"]]?.arrayValue ?? []).isEmpty {
            pods[name] = nil
        } else {
            pods[name]![path: ["metadata", "deletionTimestamp"]] = .string(Timestamp.format(now))
        }
    }

    func condition(_ type: String) -> JSON? {
        (job[path: ["status", "conditions"]]?.arrayValue ?? []).first { $0["type"]?.stringValue == type }
    }

    func status(_ field: String) -> Int64 { job[path: ["status", field]]?.intValue ?? 0 }
}

@Suite struct JobReconcilerTests {
    @Test func startsParallelismPodsCarryingTheTrackingFinalizer() throws {
        let world = JobWorld(JobWorld.job(completions: 5, parallelism: 2))
        let plan = world.plan()
        guard case .createPods(let count, let pod) = plan.actions.first else {
            Issue.record("expected pod creates first, got \(plan.actions)")
            return
        }
        #expect(count == 2)
        #expect(pod[path: ["metadata", "generateName"]] == "pi-")
        #expect(pod[path: ["metadata", "finalizers"]] == ["batch.kubernetes.io/job-tracking"])
        #expect(pod.labels["batch.kubernetes.io/controller-uid"] == "uid-job")
        let owner = try #require(pod[path: ["metadata", "ownerReferences"]]?.arrayValue?.first)
        #expect(owner["apiVersion"] == "batch/v1")
        #expect(owner["kind"] == "Job")
        #expect(owner["controller"] == true)
        #expect(plan.expectedCreations == 2)
        #expect(plan.job[path: ["status", "startTime"]] == .string(Fixture.time(0)))
        #expect(plan.job[path: ["status", "active"]] == 2)
        #expect(plan.job[path: ["status", "ready"]] == 0)
        #expect(plan.job[path: ["status", "uncountedTerminatedPods"]] == .emptyObject)
    }

    @Test func completesAfterCompletionsSucceededPods() {
        var world = JobWorld(JobWorld.job(completions: 3, parallelism: 2))
        let done = world.run { JobReconciler.isFinished($0.job) }
        #expect(done)
        #expect(world.created == 3)
        #expect(world.status("succeeded") == 3)
        #expect(world.status("failed") == 0)
        #expect(world.status("active") == 0)
        #expect(world.condition("SuccessCriteriaMet")?["reason"] == "CompletionsReached")
        let complete = world.condition("Complete")
        #expect(complete?["status"] == "True")
        #expect(complete?["message"] == "Reached expected number of succeeded pods")
        #expect(world.job[path: ["status", "completionTime"]] != nil)
        #expect(world.job[path: ["status", "uncountedTerminatedPods"]] == .emptyObject)
        #expect(world.events.contains(ControllerEvent(.normal, reason: "Completed", message: "Job completed")))
        // Every finalizer is gone, so the pods can be deleted.
        #expect(world.pods.values.allSatisfy { !JobReconciler.hasTrackingFinalizer($0) })
    }

    @Test func recordsAFinishedPodAsUncountedBeforeRemovingItsFinalizer() throws {
        var world = JobWorld(JobWorld.job(completions: 2, parallelism: 1))
        world.outcome = { _ in nil }
        world.step()
        let name = try #require(world.pods.keys.first)
        world.pods[name]![path: ["status", "phase"]] = "Succeeded"
        let plan = world.plan()
        let statusIndex = try #require(plan.actions.firstIndex { if case .updateStatus = $0 { true } else { false } })
        let finalizerIndex = try #require(
            plan.actions.firstIndex { if case .removeTrackingFinalizers = $0 { true } else { false } })
        #expect(statusIndex < finalizerIndex)
        #expect(plan.job[path: ["status", "uncountedTerminatedPods", "succeeded"]] == [.string("uid-\(name)")])
        #expect(plan.job[path: ["status", "succeeded"]] == nil)
        world.apply(plan.actions)
        // Next sync: the finalizer is gone, the pod moves into the counter.
        let next = world.plan()
        #expect(next.job[path: ["status", "succeeded"]] == 1)
        #expect(next.job[path: ["status", "uncountedTerminatedPods"]] == .emptyObject)
    }

    @Test func countsSurviveThePodsBeingDeleted() {
        var world = JobWorld(JobWorld.job(completions: 4, parallelism: 2))
        world.outcome = { index in index < 2 ? "Succeeded" : nil }
        #expect(world.run { $0.status("succeeded") == 2 && $0.status("active") == 2 })
        for (name, pod) in world.pods where PodState.phase(pod) == "Succeeded" { world.deletePod(name) }
        for _ in 0..<5 { world.step() }
        #expect(world.status("succeeded") == 2)
        #expect(world.created == 4)
    }

    @Test func failsOnceFailuresExceedTheBackoffLimit() {
        var world = JobWorld(JobWorld.job(completions: 1, parallelism: 1, backoffLimit: 2))
        world.outcome = { _ in "Failed" }
        #expect(world.run { JobReconciler.isFinished($0.job) })
        #expect(world.created == 3)
        #expect(world.status("failed") == 3)
        let failed = world.condition("Failed")
        #expect(failed?["reason"] == "BackoffLimitExceeded")
        #expect(failed?["message"] == "Job has reached the specified backoff limit")
        #expect(world.condition("FailureTarget")?["reason"] == "BackoffLimitExceeded")
        #expect(world.condition("Complete") == nil)
        #expect(world.job[path: ["status", "completionTime"]] == nil)
        #expect(
            world.events.contains(
                ControllerEvent(
                    .warning, reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit")
            ))
    }

    @Test func aReplacementWaitsOutThePodFailureBackoff() throws {
        var world = JobWorld(JobWorld.job(completions: 1, parallelism: 1))
        world.options = JobOptions(podFailureBackoff: 10, maxPodFailureBackoff: 360)
        world.outcome = { _ in "Failed" }
        world.step()
        world.step()
        world.step()  // The first pod failed at second 1 and is counted now.
        #expect(world.created == 1)
        let waiting = world.plan()
        #expect(!waiting.actions.contains { if case .createPods = $0 { true } else { false } })
        let wait = try #require(waiting.requeueAfter)
        #expect(wait > 0 && wait <= 10)
        world.now += wait
        #expect(world.plan().actions.contains { if case .createPods(1, _) = $0 { true } else { false } })
    }

    @Test func theActiveDeadlineFailsTheJobAndStopsItsPods() {
        var world = JobWorld(JobWorld.job(completions: 1, parallelism: 2, deadline: 5))
        world.outcome = { _ in nil }
        let first = world.step()
        #expect(first.requeueAfter == 5)
        #expect(world.run { JobReconciler.isFinished($0.job) })
        let failed = world.condition("Failed")
        #expect(failed?["reason"] == "DeadlineExceeded")
        #expect(failed?["message"] == "Job was active longer than specified deadline")
        #expect(world.pods.isEmpty)
        // Completions 1 never needs more than one pod, however parallel the Job may run.
        #expect(world.created == 1)
        #expect(world.status("failed") == 1)
        #expect(world.now - Fixture.epoch >= 5)
    }

    @Test func aFinishedJobIsDeletedAfterItsTTL() throws {
        var world = JobWorld(JobWorld.job(completions: 1, parallelism: 1, ttl: 30))
        #expect(world.run { JobReconciler.isFinished($0.job) })
        let finishedAt = try #require(world.condition("Complete")?["lastTransitionTime"]?.stringValue)
        let waiting = world.plan()
        #expect(!world.jobDeleted)
        #expect(waiting.requeueAfter == Timestamp.parse(finishedAt)! + 30 - world.now)
        world.now = Timestamp.parse(finishedAt)! + 30
        world.step()
        #expect(world.jobDeleted)
    }

    @Test func suspendingStopsThePodsAndResumingRestartsTheClock() {
        var world = JobWorld(JobWorld.job(completions: 2, parallelism: 2, suspend: true))
        world.outcome = { _ in nil }
        world.step()
        #expect(world.created == 0)
        #expect(world.condition("Suspended")?["status"] == "True")
        #expect(world.condition("Suspended")?["reason"] == "JobSuspended")
        #expect(world.job[path: ["status", "startTime"]] == nil)
        world.job[path: ["spec", "suspend"]] = false
        world.step()
        #expect(world.created == 2)
        #expect(world.condition("Suspended")?["status"] == "False")
        #expect(world.condition("Suspended")?["reason"] == "JobResumed")
        #expect(world.events.map(\.reason) == ["Suspended", "Resumed"])
        world.job[path: ["spec", "suspend"]] = true
        world.step()
        #expect(world.pods.values.allSatisfy { $0.isBeingDeleted })
        #expect(world.condition("Suspended")?["status"] == "True")
    }

    @Test func aWorkQueueJobFinishesWhenAllPodsStoppedAfterTheFirstSuccess() {
        var world = JobWorld(JobWorld.job(completions: nil, parallelism: 2))
        world.outcome = { index in index == 0 ? "Succeeded" : nil }
        #expect(world.run { $0.status("succeeded") == 1 })
        for _ in 0..<3 { world.step() }
        #expect(world.created == 2)
        #expect(!JobReconciler.isFinished(world.job))
        let running = world.pods.first { PodState.isActive($0.value) }!.key
        world.pods[running]![path: ["status", "phase"]] = "Succeeded"
        #expect(world.run { JobReconciler.isFinished($0.job) })
        #expect(world.condition("Complete") != nil)
        #expect(world.status("succeeded") == 2)
        #expect(world.created == 2)
    }

    @Test func adoptsAMatchingOrphanInsteadOfCreating() {
        var world = JobWorld(JobWorld.job(completions: 1, parallelism: 1))
        var orphan = Fixture.pod("stray", labels: ["batch.kubernetes.io/controller-uid": "uid-job"], node: nil)
        orphan[path: ["metadata", "ownerReferences"]] = nil
        world.pods["stray"] = orphan
        let plan = world.plan()
        #expect(plan.actions.contains { if case .adoptPod(let pod, _) = $0 { pod.name == "stray" } else { false } })
        #expect(!plan.actions.contains { if case .createPods = $0 { true } else { false } })
    }

    @Test func aJobBeingDeletedOnlyReleasesFinalizers() {
        var world = JobWorld(JobWorld.job(completions: 2, parallelism: 2))
        world.outcome = { _ in nil }
        world.step()
        world.job[path: ["metadata", "deletionTimestamp"]] = .string(Fixture.time(5))
        let plan = world.plan()
        guard case .removeTrackingFinalizers(let pods)? = plan.actions.first, plan.actions.count == 1 else {
            Issue.record("expected only finalizer removal, got \(plan.actions)")
            return
        }
        #expect(pods.count == 2)
    }

    @Test func podEventsQueueTheJobThatControlsThemOrMayAdoptThem() {
        let job = JobWorld.job()
        var owned = Fixture.pod("pi-0", labels: ["batch.kubernetes.io/controller-uid": "uid-job"])
        owned[path: ["metadata", "ownerReferences"]] = [OwnerKind.job.controllerReference(to: job)]
        #expect(WorkQueueKeys.jobs(forPod: owned, among: [job]).map(\.name) == ["pi"])
        let orphan = Fixture.pod("stray", labels: ["batch.kubernetes.io/controller-uid": "uid-job"])
        #expect(WorkQueueKeys.jobs(forPod: orphan, among: [job]).map(\.name) == ["pi"])
        let replicaSetPod = Fixture.pod("web-1", owner: Fixture.replicaSet())
        #expect(WorkQueueKeys.jobs(forPod: replicaSetPod, among: [job]).isEmpty)
    }
}
