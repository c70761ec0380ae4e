import Foundation
import KubeClient
import KubeControllers
import KubeControllersCore
import KubeTestSupport
import KubeTypes
import Logging
import Synchronization
import Testing

/// The CronJob controller against a live API server, its clock set ahead so schedule times
/// have passed without the test waiting for them.
@Suite struct CronJobControllerTests {
    static func cronJob(_ name: String, schedule: String = "*/5 * * * *", policy: String = "Allow") -> JSON {
        [
            "apiVersion": "batch/v1", "kind": "CronJob", "metadata": ["name": .string(name)],
            "spec": [
                "schedule": .string(schedule), "concurrencyPolicy": .string(policy),
                "jobTemplate": [
                    "spec": [
                        "template": [
                            "spec": [
                                "restartPolicy": "Never", "containers": [["name": "c", "image": "busybox"]],
                            ]
                        ]
                    ]
                ],
            ],
        ]
    }

    /// A CronJob controller alone on a live server whose clock runs `ahead` seconds fast (the
    /// test may move it on).
    static func withController(
        ahead: Int64, _ body: (LiveAPIServer, ClockOffset) async throws -> Void
    ) async throws {
        let live = try await LiveAPIServer.start()
        let factory = InformerFactory(client: live.client)
        let offset = ClockOffset(ahead)
        let controller = await CronJobController.make(
            factory: factory, logger: Logger(label: "cronjob-test"),
            now: { WallClock.seconds() + offset.seconds.withLock { $0 } })
        await factory.start()
        await factory.waitForSync()
        let running = Task { await controller.loop.run() }
        do {
            try await body(live, offset)
        } catch {
            controller.queue.shutdown()
            await running.value
            await factory.stop()
            await live.stop()
            throw error
        }
        controller.queue.shutdown()
        await running.value
        await factory.stop()
        await live.stop()
    }

    static func ownedJobs(_ client: KubeClient, _ cronJob: JSON) async throws -> [JSON] {
        try await client.listAll(.jobs, namespace: "default").items.filter { $0.controllerUID == cronJob.uid }
    }

    @Test func createsTheMissedJobAndTracksItToCompletion() async throws {
        try await Self.withController(ahead: 600) { live, _ in
            let client = live.client
            let cronJob = try await client.create(.cronJobs, namespace: "default", Self.cronJob("backup"))
            let job = try await eventually { () -> JSON? in try await Self.ownedJobs(client, cronJob).first }
            #expect(job.name.hasPrefix("backup-"))
            #expect(job.annotations[CronJobReconciler.scheduledTimestampAnnotation] != nil)
            let active = try await eventually { () -> JSON? in
                let current = try await client.get(.cronJobs, namespace: "default", name: "backup")
                return current[path: ["status", "active"]]?.arrayValue?.isEmpty == false ? Optional(current) : nil
            }
            #expect(active[path: ["status", "active"]]?.arrayValue?.first?["uid"]?.stringValue == job.uid)
            #expect(active[path: ["status", "lastScheduleTime"]] != nil)

            // The Job finishing takes it off the active list.
            var finished = try await client.get(.jobs, namespace: "default", name: job.name)
            let stamp = Timestamp.format(WallClock.seconds())
            finished["status"] = [
                "startTime": .string(stamp), "completionTime": .string(stamp), "succeeded": 1,
                "conditions": [
                    ["type": "SuccessCriteriaMet", "status": "True", "lastTransitionTime": .string(stamp)],
                    ["type": "Complete", "status": "True", "lastTransitionTime": .string(stamp)],
                ],
            ]
            _ = try await client.updateStatus(.jobs, finished)
            let done = try await eventually { () -> JSON? in
                let current = try await client.get(.cronJobs, namespace: "default", name: "backup")
                return current[path: ["status", "active"]] == nil ? Optional(current) : nil
            }
            #expect(done[path: ["status", "lastSuccessfulTime"]] == .string(stamp))
            let reasons = try await client.listAll(.events, namespace: "default").items
                .filter { $0[path: ["involvedObject", "name"]] == "backup" }.compactMap { $0["reason"]?.stringValue }
            #expect(reasons.contains("SuccessfulCreate"))
            #expect(reasons.contains("SawCompletedJob"))
            // Only one Job for one schedule time, however often it synced.
            #expect(try await Self.ownedJobs(client, cronJob).count == 1)
        }
    }

    @Test func forbidDoesNotStartASecondJob() async throws {
        try await Self.withController(ahead: 600) { live, offset in
            let client = live.client
            let cronJob = try await client.create(
                .cronJobs, namespace: "default", Self.cronJob("once", schedule: "* * * * *", policy: "Forbid"))
            _ = try await eventually { () -> JSON? in
                let current = try await client.get(.cronJobs, namespace: "default", name: "once")
                return current[path: ["status", "active"]]?.arrayValue?.isEmpty == false ? Optional(current) : nil
            }
            // Two minutes on, with the first Job still running, and a touch so the CronJob syncs.
            offset.seconds.withLock { $0 += 120 }
            _ = try await client.patch(
                .cronJobs, namespace: "default", name: "once", ["metadata": ["labels": ["touched": "yes"]]])
            try await expectEventually {
                let events = try await client.listAll(.events, namespace: "default").items
                return events.contains { $0["reason"] == "JobAlreadyActive" }
            }
            #expect(try await Self.ownedJobs(client, cronJob).count == 1)
        }
    }

    @Test func anInvalidScheduleIsRefusedAtCreate() async throws {
        let live = try await LiveAPIServer.start()
        do {
            _ = try await live.client.create(
                .cronJobs, namespace: "default", Self.cronJob("bad", schedule: "61 * * * *"))
            Issue.record("the API server accepted an invalid schedule")
        } catch let error as KubeAPIError {
            #expect(error.code == 422)
            #expect(error.message.contains("spec.schedule: Invalid value: \"61 * * * *\""))
        }
        await live.stop()
    }
}

/// How far ahead of the wall clock the controller's clock runs.
final class ClockOffset: Sendable {
    let seconds: Mutex<Int64>

    init(_ seconds: Int64) { self.seconds = Mutex(seconds) }
}
