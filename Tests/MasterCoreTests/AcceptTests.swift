import MasterCore
import MesosModel
import TestSupport
import Testing

@Suite("MasterCore: ACCEPT, DECLINE, SUPPRESS and REVIVE")
struct AcceptTests {
    @Test("A valid launch is sent to the agent, recorded as STAGING and charged once")
    func validLaunch() throws {
        var (harness, framework, stream, agent, session, offer) = MasterHarness.withOffer()
        let actions = harness.call(
            SchedulerCalls.accept(
                framework, offers: [offer.id], tasks: [makeTask("t1", agentID: agent, cpus: 1, mem: 128)]),
            stream: stream)
        let runs = actions.agentEvents(for: session).filter { $0.type == .runTask }
        try #require(runs.count == 1)
        #expect(runs[0].runTask?.task?.taskID == TaskID("t1"))
        #expect(runs[0].runTask?.frameworkInfo.id == framework)
        #expect(harness.core.frameworks[framework]?.tasks[TaskID("t1")]?.state == .staging)
        #expect(harness.core.offers.isEmpty)
        #expect(harness.core.allocatedScalar("cpus", on: agent) == 1)
        #expect(actions.updates(for: stream).isEmpty)
    }

    @Test("An unknown offer loses the tasks with REASON_INVALID_OFFERS")
    func unknownOffer() throws {
        var (harness, framework, stream, agent, session, _) = MasterHarness.withOffer()
        let actions = harness.call(
            SchedulerCalls.accept(
                framework, offers: [OfferID("no-such-offer")], tasks: [makeTask("t1", agentID: agent)]),
            stream: stream)
        let update = try #require(actions.updates(for: stream).first)
        #expect(update.taskID == TaskID("t1"))
        #expect(update.state == .lost)
        #expect(update.reason == TaskStatusReason.invalidOffers)
        #expect(update.source == .master)
        #expect(update.uuid == nil, "master-generated updates are not acknowledged")
        #expect(actions.agentEvents(for: session).isEmpty)
        #expect(harness.core.frameworks[framework]?.tasks.isEmpty == true)
    }

    @Test("Partition-aware frameworks get TASK_DROPPED for invalid offers")
    func unknownOfferPartitionAware() {
        var (harness, framework, stream, agent, _, _) = MasterHarness.withOffer(
            makeFrameworkInfo(capabilities: ["PARTITION_AWARE"]))
        let actions = harness.call(
            SchedulerCalls.accept(framework, offers: [OfferID("gone")], tasks: [makeTask("t1", agentID: agent)]),
            stream: stream)
        #expect(actions.updates(for: stream).map(\.state) == [.dropped])
    }

    @Test("Invalid tasks get TASK_ERROR and launch nothing", arguments: InvalidTask.allCases)
    func invalidTask(_ kind: InvalidTask) throws {
        var (harness, framework, stream, agent, session, offer) = MasterHarness.withOffer()
        let task = kind.task(agent: agent)
        let actions = harness.call(SchedulerCalls.accept(framework, offers: [offer.id], tasks: [task]), stream: stream)
        let update = try #require(actions.updates(for: stream).first)
        #expect(update.taskID == task.taskID)
        #expect(update.state == .error)
        #expect(update.reason == TaskStatusReason.taskInvalid)
        #expect(update.uuid == nil)
        #expect(update.message?.contains(kind.messageFragment) == true, "message: \(update.message ?? "")")
        #expect(actions.agentEvents(for: session).filter { $0.type == .runTask }.isEmpty)
        #expect(harness.core.frameworks[framework]?.tasks.isEmpty == true)
        #expect(harness.core.allocatedScalar("cpus", on: agent) == 0, "the whole offer goes back")
    }

    @Test("A duplicate task id is refused, in the same ACCEPT and against a live task")
    func duplicateTaskID() {
        var (harness, framework, stream, agent, session, offer) = MasterHarness.withOffer()
        let first = harness.call(
            SchedulerCalls.accept(
                framework, offers: [offer.id],
                tasks: [makeTask("t1", agentID: agent, cpus: 1), makeTask("t1", agentID: agent, cpus: 1)]),
            stream: stream)
        #expect(first.agentEvents(for: session).filter { $0.type == .runTask }.count == 1)
        #expect(first.updates(for: stream).map(\.state) == [.error])
        harness.advance(by: 10)
        let next = harness.offers(for: stream)
        let second = harness.call(
            SchedulerCalls.accept(framework, offers: next.map(\.id), tasks: [makeTask("t1", agentID: agent)]),
            stream: stream)
        #expect(second.updates(for: stream).map(\.state) == [.error])
        #expect(second.updates(for: stream).first?.message?.contains("duplicate") == true)
        #expect(harness.core.allocatedScalar("cpus", on: agent) == 1)
    }

    @Test("DECLINE with refuse_seconds keeps the resources away from the framework until the filter expires")
    func declineFilter() {
        var (harness, framework, stream, _, _, offer) = MasterHarness.withOffer()
        harness.call(SchedulerCalls.decline(framework, offers: [offer.id], refuseSeconds: 30), stream: stream)
        #expect(harness.core.offers.isEmpty)
        harness.advance(by: 1)
        #expect(harness.offers(for: stream).isEmpty)
        harness.advance(by: 28)
        #expect(harness.offers(for: stream).isEmpty)
        harness.advance(by: 2)
        let again = harness.offers(for: stream)
        #expect(again.count == 1)
        #expect(Resources(again.first?.resources ?? []).cpus == 4)
    }

    @Test("DECLINE without filters refuses for the default 5 seconds")
    func declineDefaultFilter() {
        var (harness, framework, stream, _, _, offer) = MasterHarness.withOffer()
        harness.call(SchedulerCalls.decline(framework, offers: [offer.id]), stream: stream)
        harness.advance(by: 4)
        #expect(harness.offers(for: stream).isEmpty)
        harness.advance(by: 2)
        #expect(harness.offers(for: stream).count == 1)
    }

    @Test("SUPPRESS stops offers; REVIVE resumes them and clears refuse filters")
    func suppressAndRevive() {
        var (harness, framework, stream, _, _, offer) = MasterHarness.withOffer()
        harness.call(SchedulerCalls.decline(framework, offers: [offer.id], refuseSeconds: 1000), stream: stream)
        harness.call(SchedulerCalls.suppress(framework), stream: stream)
        harness.advance(by: 2000)
        #expect(harness.offers(for: stream).isEmpty, "suppressed frameworks get no offers")
        let revive = harness.call(SchedulerCalls.revive(framework), stream: stream)
        #expect(revive.contains(.requestAllocation))
        #expect(harness.offers(for: stream).count == 1)
        let third = harness.core.offers.keys.first!
        harness.call(SchedulerCalls.decline(framework, offers: [third], refuseSeconds: 1000), stream: stream)
        harness.call(SchedulerCalls.revive(framework), stream: stream)
        #expect(harness.offers(for: stream).count == 1, "REVIVE removes refuse filters")
    }

    @Test("SUPPRESS of a role the framework does not have is refused")
    func suppressUnknownRole() {
        var harness = MasterHarness()
        let framework = harness.subscribe(makeFrameworkInfo())
        let result = harness.core.handleCall(
            SchedulerCalls.suppress(framework.id, roles: ["elsewhere"]), streamID: framework.stream, now: harness.now)
        #expect(result.failure?.status == 400)
    }
}

/// Kinds of task description the master must refuse with TASK_ERROR.
enum InvalidTask: String, CaseIterable, Sendable {
    case pathSeparatorInID
    case moreThanOffered
    case commandAndExecutor
    case neitherCommandNorExecutor
    case wrongAgent

    func task(agent: AgentID) -> TaskInfo {
        switch self {
        case .pathSeparatorInID:
            return makeTask("bad/id", agentID: agent)
        case .moreThanOffered:
            return makeTask("big", agentID: agent, cpus: 5)
        case .commandAndExecutor:
            var task = makeTask("both", agentID: agent)
            task.executor = ExecutorInfo(
                executorID: ExecutorID("e1"), frameworkID: nil, command: CommandInfo(value: "./exec"), resources: nil)
            return task
        case .neitherCommandNorExecutor:
            var task = makeTask("neither", agentID: agent)
            task.command = nil
            return task
        case .wrongAgent:
            return makeTask("elsewhere", agentID: AgentID("some-other-agent"))
        }
    }

    var messageFragment: String {
        switch self {
        case .pathSeparatorInID: return "path separator"
        case .moreThanOffered: return "more resources"
        case .commandAndExecutor, .neitherCommandNorExecutor: return "not both"
        case .wrongAgent: return "agent"
        }
    }
}
