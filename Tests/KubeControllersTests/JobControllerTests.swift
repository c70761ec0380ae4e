import KubeClient
import KubeControllersCore
import KubeTypes
import Testing

/// The Job controller against a live API server, the test finishing pods as a kubelet would.
@Suite struct JobControllerTests {
    static func job(
        _ name: String, completions: Int64? = 1, parallelism: Int64 = 1, backoffLimit: Int64? = nil,
        deadline: Int64? = nil, ttl: Int64? = nil
    ) -> JSON {
        var spec: JSON = [
            "parallelism": .int(parallelism),
            "template": [
                "spec": ["restartPolicy": "Never", "containers": [["name": "main", "image": "busybox:1.36"]]]
            ],
        ]
        spec["completions"] = completions.map(JSON.int)
        spec["backoffLimit"] = backoffLimit.map(JSON.int)
        spec["activeDeadlineSeconds"] = deadline.map(JSON.int)
        spec["ttlSecondsAfterFinished"] = ttl.map(JSON.int)
        return ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": .string(name)], "spec": spec]
    }

    /// Finishes every running pod of the Job with `phase` until `done` holds for the Job.
    static func drive(
        _ cluster: ControllerCluster, job uid: String, name: String, phase: String,
        until done: @escaping @Sendable (JSON) -> Bool
    ) async throws -> JSON {
        try await eventually { [cluster] () -> JSON? in
            for pod in try await cluster.pods(ownedBy: uid)
            where !["Succeeded", "Failed"].contains(pod[path: ["status", "phase"]]?.stringValue ?? "") {
                try await cluster.markFinished(pod, phase: phase)
            }
            let job = try await cluster.get(.jobs, name)
            return done(job) ? Optional(job) : nil
        }
    }

    @Test func runsPodsUntilCompletionsSucceed() async throws {
        try await ControllerCluster.with { cluster in
            let created = try await cluster.client.create(
                .jobs, namespace: "default", Self.job("pi", completions: 3, parallelism: 2))
            let first = try await eventually { [cluster] in
                let pods = try await cluster.pods(ownedBy: created.uid)
                return pods.count == 2 ? pods : nil
            }
            #expect(first.allSatisfy { JobReconciler.hasTrackingFinalizer($0) })
            #expect(first.allSatisfy { $0.labels["batch.kubernetes.io/job-name"] == "pi" })
            let job = try await Self.drive(cluster, job: created.uid, name: "pi", phase: "Succeeded") {
                JobReconciler.isFinished($0)
            }
            #expect(job.condition("Complete")?["status"] == "True")
            #expect(job.status("succeeded") == 3)
            #expect(job[path: ["status", "completionTime"]] != nil)
            #expect(job[path: ["status", "startTime"]] != nil)
            let pods = try await cluster.list(.pods)
            #expect(pods.count == 3)
            #expect(pods.allSatisfy { !JobReconciler.hasTrackingFinalizer($0) })
            let reasons = try await cluster.eventReasons(about: "pi", including: ["SuccessfulCreate", "Completed"])
            #expect(reasons.filter { $0 == "SuccessfulCreate" }.count == 3)
        }
    }

    @Test func aLaggingJobCacheDoesNotMakeItCountWrongly() async throws {
        try await ControllerCluster.with { cluster in
            // Job events reach the controller late: right after it counted a pod and removed its
            // finalizer, the cached Job still shows the status from before.
            cluster.faults.watchDelays.withLock { $0["jobs"] = .milliseconds(500) }
            let log = PodLog()
            let watching = try await log.follow(cluster.client)
            let created = try await cluster.client.create(
                .jobs, namespace: "default", Self.job("lag", completions: 2, parallelism: 2))
            let pods = try await eventually { [cluster] in
                let pods = try await cluster.pods(ownedBy: created.uid)
                return pods.count == 2 ? pods : nil
            }
            try await cluster.markFinished(pods[0], phase: "Succeeded")
            try await expectEventually { [cluster] in
                let job = try await cluster.get(.jobs, "lag")
                let finalizerGone = try await !JobReconciler.hasTrackingFinalizer(cluster.get(.pods, pods[0].name))
                return job.status("succeeded") == 1 && finalizerGone
            }
            // One success is missing and one pod runs, so nothing new may start; a sync deciding
            // from the older status would start (and later delete) a third pod in this second.
            try await Task.sleep(for: .seconds(1))
            try await cluster.markFinished(pods[1], phase: "Succeeded")
            let job = try await eventually { [cluster] in
                let job = try await cluster.get(.jobs, "lag")
                return JobReconciler.isFinished(job) ? Optional(job) : nil
            }
            watching.cancel()
            #expect(job.status("succeeded") == 2)
            #expect(job.status("failed") == 0)
            #expect(log.entries.filter { $0.kind == .added }.count == 2)
        }
    }

    @Test func failsWhenFailedPodsExceedTheBackoffLimit() async throws {
        try await ControllerCluster.with { cluster in
            let created = try await cluster.client.create(
                .jobs, namespace: "default", Self.job("flaky", backoffLimit: 1))
            let job = try await Self.drive(cluster, job: created.uid, name: "flaky", phase: "Failed") {
                JobReconciler.isFinished($0)
            }
            let failed = try #require(job.condition("Failed"))
            #expect(failed["reason"] == "BackoffLimitExceeded")
            #expect(failed["message"] == "Job has reached the specified backoff limit")
            #expect(job.status("failed") == 2)
            #expect(job.condition("Complete") == nil)
            #expect(try await cluster.list(.pods).count == 2)
            let limit = try await cluster.events(about: "flaky") { events in
                events.contains { $0["reason"] == "BackoffLimitExceeded" }
            }.first { $0["reason"] == "BackoffLimitExceeded" }
            #expect(limit?["type"] == "Warning")
        }
    }

    @Test func theActiveDeadlineFailsARunningJob() async throws {
        try await ControllerCluster.with { cluster in
            _ = try await cluster.client.create(
                .jobs, namespace: "default", Self.job("slow", parallelism: 2, deadline: 1))
            let job = try await eventually { [cluster] in
                let job = try await cluster.get(.jobs, "slow")
                return JobReconciler.isFinished(job) ? Optional(job) : nil
            }
            #expect(job.condition("Failed")?["reason"] == "DeadlineExceeded")
            #expect(job.status("failed") == 1)
            #expect(job.status("active") == 0)
            // The running pod was stopped (and, unscheduled, is gone at once).
            try await expectEventually { [cluster] in try await cluster.list(.pods).isEmpty }
            _ = try await cluster.eventReasons(
                about: "slow", including: ["SuccessfulCreate", "SuccessfulDelete", "DeadlineExceeded"])
        }
    }

    @Test func aFinishedJobGoesAwayAfterItsTTL() async throws {
        try await ControllerCluster.with { cluster in
            let created = try await cluster.client.create(.jobs, namespace: "default", Self.job("brief", ttl: 1))
            _ = try await Self.drive(cluster, job: created.uid, name: "brief", phase: "Succeeded") {
                JobReconciler.isFinished($0)
            }
            try await expectEventually { [cluster] in
                let job = try? await cluster.get(.jobs, "brief")
                let pods = try await cluster.list(.pods)
                return job == nil && pods.isEmpty
            }
        }
    }

    @Test func deletingARunningJobLetsItsPodsGo() async throws {
        try await ControllerCluster.with { cluster in
            let created = try await cluster.client.create(
                .jobs, namespace: "default", Self.job("gone", completions: 2, parallelism: 2))
            try await expectEventually { [cluster] in try await cluster.pods(ownedBy: created.uid).count == 2 }
            try await cluster.client.delete(
                .jobs, namespace: "default", name: "gone", options: ["propagationPolicy": "Background"])
            // The garbage collector deletes the pods; their tracking finalizers must not hold them.
            try await expectEventually { [cluster] in try await cluster.list(.pods).isEmpty }
        }
    }
}

extension JSON {
    func condition(_ type: String) -> JSON? {
        (self[path: ["status", "conditions"]]?.arrayValue ?? []).first { $0["type"]?.stringValue == type }
    }
}
