import ClusterTestSupport
import Foundation
import FrameworkKit
import MesosModel
import Testing

/// Runs `body` with a fresh cluster and a framework subscribed through HTTP; always cleans up.
func withFramework(
    settings: SchedulerDriver.Settings = RunningFramework.fastSettings(),
    _ body: (TestCluster, RunningFramework) async throws -> Void
) async throws {
    let cluster = try await TestCluster.start()
    let framework = RunningFramework.start(master: await cluster.masterAddress, settings: settings)
    do {
        try await body(cluster, framework)
    } catch {
        await framework.stop()
        await cluster.shutdown()
        throw error
    }
    await framework.stop()
    await cluster.shutdown()
}

/// The `/master/frameworks` entry (active or completed) with `id`.
func frameworkEntry(_ json: JSONValue, _ list: String, _ id: FrameworkID) -> JSONValue? {
    guard case .array(let entries) = json[list] else { return nil }
    return entries.first { $0["id"]?.stringValue == id.value }
}

func taskIDs(_ framework: JSONValue?, _ list: String) -> Set<String> {
    guard case .array(let tasks) = framework?[list] else { return [] }
    return Set(tasks.compactMap { $0["id"]?.stringValue })
}

@Suite("SchedulerDriver against a real master and agent", .serialized)
struct SchedulerDriverIntegrationTests {
    @Test("subscribe, receive offers, run tasks to FINISHED and FAILED with implicit acknowledgements")
    func commandTasks() async throws {
        try await withFramework { cluster, framework in
            let id = try await framework.subscribed()
            let subscription = try #require(await framework.log.subscriptions.first)
            #expect(subscription.frameworkID == id)
            #expect(!subscription.isResubscription)
            #expect(subscription.heartbeatIntervalSeconds > 0)

            let offer = try await framework.nextOffer()
            #expect(offer.frameworkID == id)
            #expect(Resources(offer.resources).cpus == 2)
            #expect(Resources(offer.resources).mem == 1024)

            try await framework.driver.launch(
                offerID: offer.id,
                tasks: [try commandTask("hi", "echo hi", on: offer), try commandTask("three", "exit 3", on: offer)],
                filters: Filters(refuseSeconds: 0))
            let hi = try await framework.waitForState(.finished, of: TaskID("hi"))
            #expect(hi == [.starting, .running, .finished])
            let three = try await framework.waitForState(.failed, of: TaskID("three"))
            #expect(three.last == .failed)
            #expect(!three.contains(.finished))

            // Each update carrying a uuid reached the master as a valid ACKNOWLEDGE, and the
            // master retires a task only once its terminal update is acknowledged.
            let acknowledgeable = await framework.log.updates.filter { $0.uuid != nil }.count
            #expect(acknowledgeable >= 4)
            let metrics = try await eventually("all acknowledgements") { () -> JSONValue? in
                let metrics = try await cluster.masterJSON("/metrics/snapshot")
                let valid = metrics["master/valid_status_update_acknowledgements"]?.doubleValue ?? 0
                return valid >= Double(acknowledgeable) ? metrics : nil
            }
            #expect(metrics["master/valid_status_update_acknowledgements"]?.doubleValue == Double(acknowledgeable))
            #expect(metrics["master/invalid_status_update_acknowledgements"]?.doubleValue == 0)
            let completed = try await eventually("tasks retired") { () -> Set<String>? in
                let entry = frameworkEntry(try await cluster.masterJSON("/master/frameworks"), "frameworks", id)
                let done = taskIDs(entry, "completed_tasks")
                return done.isSuperset(of: ["hi", "three"]) && taskIDs(entry, "tasks").isEmpty ? done : nil
            }
            #expect(completed.isSuperset(of: ["hi", "three"]))
        }
    }

    @Test("reconcile answers with REASON_RECONCILIATION; kill ends a task as KILLED")
    func reconcileAndKill() async throws {
        try await withFramework { _, framework in
            _ = try await framework.subscribed()
            let offer = try await framework.nextOffer()
            let sleeper = TaskID("sleeper")
            try await framework.driver.launch(
                offerID: offer.id, tasks: [try commandTask(sleeper.value, "sleep 30", on: offer)])
            _ = try await framework.waitForState(.running, of: sleeper)

            try await framework.driver.reconcile(tasks: [.init(taskID: sleeper, agentID: offer.agentID)])
            let explicit = try await eventually("explicit reconciliation") {
                await framework.log.updates.first { $0.reason == TaskStatusReason.reconciliation }
            }
            #expect(explicit.taskID == sleeper)
            #expect(explicit.state == .running)
            #expect(explicit.uuid == nil)

            try await framework.driver.reconcile()
            _ = try await eventually("implicit reconciliation") { () -> Bool? in
                let answers = await framework.log.updates.filter { $0.reason == TaskStatusReason.reconciliation }
                return answers.count >= 2 ? true : nil
            }

            try await framework.driver.kill(taskID: sleeper, agentID: offer.agentID)
            let states = try await framework.waitForState(.killed, of: sleeper)
            #expect(states.last == .killed)
            #expect(!states.contains(.finished))
        }
    }

    @Test("a decline filter holds the agent back until REVIVE")
    func declineWithFilters() async throws {
        try await withFramework { _, framework in
            _ = try await framework.subscribed()
            // Positive control: declined with no filter, the resources come straight back.
            let first = try await framework.nextOffer()
            try await framework.driver.decline(offerIDs: [first.id], filters: Filters(refuseSeconds: 0))
            let second = try await framework.nextOffer()
            #expect(second.id != first.id)
            #expect(second.agentID == first.agentID)

            try await framework.driver.decline(offerIDs: [second.id], filters: Filters(refuseSeconds: 3600))
            let countAfterDecline = await framework.log.offerCount
            // Ten allocation cycles: a filter that did not hold would produce an offer here.
            try await Task.sleep(for: .seconds(1))
            #expect(await framework.log.offerCount == countAfterDecline)

            try await framework.driver.revive()
            let revived = try await framework.nextOffer()
            #expect(revived.agentID == second.agentID)
        }
    }

    @Test("after a dropped stream the driver re-subscribes with the same framework id")
    func resubscribesAfterDroppedStream() async throws {
        try await withFramework { cluster, framework in
            let id = try await framework.subscribed()
            let offer = try await framework.nextOffer()
            let sleeper = TaskID("survivor")
            try await framework.driver.launch(
                offerID: offer.id, tasks: [try commandTask(sleeper.value, "sleep 30", on: offer)])
            _ = try await framework.waitForState(.running, of: sleeper)

            await framework.driver.reconnect()
            let again = try await eventually("re-subscription") {
                await framework.log.subscriptions.count >= 2 ? await framework.log.subscriptions[1] : nil
            }
            #expect(again.frameworkID == id)
            #expect(again.isResubscription)
            #expect(await framework.log.disconnects.count == 1)
            #expect(await framework.driver.frameworkID == id)

            let frameworks = try await cluster.masterJSON("/master/frameworks")
            guard case .array(let active) = frameworks["frameworks"] else { throw TimedOut(what: "frameworks list") }
            #expect(active.count == 1)
            #expect(frameworkEntry(frameworks, "frameworks", id)?["active"] == .bool(true))
            #expect(taskIDs(frameworkEntry(frameworks, "frameworks", id), "tasks") == [sleeper.value])

            // Calls go out on the new stream.
            try await framework.driver.kill(taskID: sleeper, agentID: offer.agentID)
            _ = try await framework.waitForState(.killed, of: sleeper)
        }
    }

    @Test("UPDATE_FRAMEWORK and SUPPRESS carry over into the re-subscription")
    func updateAndSuppressSurviveResubscription() async throws {
        try await withFramework { cluster, framework in
            let id = try await framework.subscribed()
            _ = try await framework.nextOffer()
            var info = await framework.driver.frameworkInfo
            info.name = "renamed"
            try await framework.driver.updateFramework(info)
            let renamed = frameworkEntry(try await cluster.masterJSON("/master/frameworks"), "frameworks", id)
            #expect(renamed?["name"]?.stringValue == "renamed")

            try await framework.driver.suppress()
            await framework.driver.reconnect()
            _ = try await eventually("re-subscription") {
                await framework.log.subscriptions.count >= 2 ? true : nil
            }
            let after = frameworkEntry(try await cluster.masterJSON("/master/frameworks"), "frameworks", id)
            #expect(after?["name"]?.stringValue == "renamed")
            // The disconnect returned the held offer; a suppression lost in the re-subscription
            // would bring it straight back within these ten allocation cycles.
            let offersBefore = await framework.log.offerCount
            try await Task.sleep(for: .seconds(1))
            #expect(await framework.log.offerCount == offersBefore)

            try await framework.driver.revive()
            _ = try await framework.nextOffer()
        }
    }

    @Test("wantOffers suppresses and revives only on a change, and a revive brings offers back")
    func wantOffersTogglesSuppression() async throws {
        try await withFramework { _, framework in
            _ = try await framework.subscribed()
            let offer = try await framework.nextOffer()
            let roles = Array(await framework.driver.frameworkInfo.effectiveRoles)
            try await framework.driver.decline(offerIDs: [offer.id], filters: Filters(refuseSeconds: 3600))
            try await framework.driver.wantOffers(false, roles: roles)
            #expect(await framework.driver.suppressedRoleNames == Set(roles))
            try await framework.driver.wantOffers(false, roles: roles)
            #expect(await framework.driver.suppressedRoleNames == Set(roles))
            try await framework.driver.wantOffers(true, roles: roles)
            #expect(await framework.driver.suppressedRoleNames.isEmpty)
            // The revive cleared the hour-long refuse filter, so the agent is offered again.
            _ = try await framework.nextOffer()
        }
    }

    @Test("after a master failover on the same address the framework keeps its id and runs tasks")
    func survivesMasterRestart() async throws {
        try await withFramework { cluster, framework in
            let id = try await framework.subscribed()
            _ = try await framework.nextOffer()

            try await cluster.restartMaster()
            let again = try await eventually("re-subscription to the new master") {
                await framework.log.subscriptions.count >= 2 ? await framework.log.subscriptions[1] : nil
            }
            #expect(again.frameworkID == id)
            #expect(again.isResubscription)
            // Offers of the old master were voided by the disconnect, before the re-subscription.
            #expect(await framework.log.disconnects.count == 1)

            let offer = try await framework.nextOffer()
            try await framework.driver.launch(offerID: offer.id, tasks: [try commandTask("after", "true", on: offer)])
            _ = try await framework.waitForState(.finished, of: TaskID("after"))
            let frameworks = try await cluster.masterJSON("/master/frameworks")
            #expect(frameworkEntry(frameworks, "frameworks", id)?["active"] == .bool(true))
        }
    }

    @Test("teardown removes the framework and ends run")
    func teardown() async throws {
        try await withFramework { cluster, framework in
            let id = try await framework.subscribed()
            let offer = try await framework.nextOffer()
            try await framework.driver.launch(
                offerID: offer.id, tasks: [try commandTask("doomed", "sleep 30", on: offer)])
            _ = try await framework.waitForState(.running, of: TaskID("doomed"))

            try await framework.driver.teardown()
            _ = try await eventually("run to end") { await framework.ended.value ? true : nil }
            #expect(await framework.driver.isSubscribed == false)
            await #expect(throws: SchedulerDriverError.notSubscribed) {
                try await framework.driver.revive()
            }

            let frameworks = try await cluster.masterJSON("/master/frameworks")
            #expect(frameworkEntry(frameworks, "frameworks", id) == nil)
            let completed = try #require(frameworkEntry(frameworks, "completed_frameworks", id))
            #expect(taskIDs(completed, "completed_tasks").contains("doomed"))
        }
    }
}
