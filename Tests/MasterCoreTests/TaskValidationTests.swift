import Foundation
import MasterCore
import MesosModel
import TestSupport
import Testing

/// One task description: JSON fields deep-merged into a valid command task (or, with
/// `executor`, a custom-executor task), as a framework would send them.
struct TaskFieldsCase: Sendable, CustomTestStringConvertible {
    var name: String
    var fields: String
    var executor = false
    /// For refusals: a fragment of the TASK_ERROR message.
    var message = ""

    var testDescription: String { name }

    func task(agent: AgentID) throws -> TaskInfo {
        let base = executor ? makeExecutorTask("t1", agentID: agent, executorID: "e1") : makeTask("t1", agentID: agent)
        let extra = try JSONDecoder().decode(JSONValue.self, from: Data(fields.utf8))
        let merged = deepMerge(try JSONValueEncoder.encode(base), extra)
        return try JSONValueEncoder.decode(TaskInfo.self, from: merged)
    }
}

private func deepMerge(_ base: JSONValue, _ extra: JSONValue) -> JSONValue {
    guard case .object(var object) = base, case .object(let additions) = extra else { return extra }
    for (key, value) in additions { object[key] = object[key].map { deepMerge($0, value) } ?? value }
    return .object(object)
}

/// Runs one ACCEPT of `kind`'s task against a fresh offer (4 cpus, 4096 mem).
private func launch(_ kind: TaskFieldsCase) throws -> (updates: [TaskStatus], launched: [TaskInfo]) {
    var (harness, framework, stream, agent, session, offer) = MasterHarness.withOffer()
    let task = try kind.task(agent: agent)
    let actions = harness.call(SchedulerCalls.accept(framework, offers: [offer.id], tasks: [task]), stream: stream)
    let launched = actions.agentEvents(for: session).compactMap { $0.runTask?.task }
    return (actions.updates(for: stream), launched)
}

@Suite("MasterCore: validation of container, health_check, check, limits and uris")
struct TaskValidationTests {
    @Test("Supported task fields are accepted and reach the agent unchanged", arguments: acceptedCases)
    func accepted(_ kind: TaskFieldsCase) throws {
        let (updates, launched) = try launch(kind)
        #expect(updates.isEmpty, "updates: \(updates.map { $0.message ?? "" })")
        try #require(launched.count == 1)
        let sent = try kind.task(agent: launched[0].agentID)
        #expect(launched[0].container == sent.container)
        #expect(launched[0].healthCheck == sent.healthCheck)
        #expect(launched[0].check == sent.check)
        #expect(launched[0].limits == sent.limits)
        #expect(launched[0].command?.uris == sent.command?.uris)
    }

    @Test("Unsupported or invalid task fields get TASK_ERROR naming the problem", arguments: refusedCases)
    func refused(_ kind: TaskFieldsCase) throws {
        let (updates, launched) = try launch(kind)
        #expect(launched.isEmpty)
        let update = try #require(updates.first)
        #expect(update.state == .error)
        #expect(update.reason == TaskStatusReason.taskInvalid)
        #expect(update.message?.contains(kind.message) == true, "message: \(update.message ?? "")")
    }

    @Test("A typed ContainerInfo built in code launches")
    func typedContainerLaunches() {
        var (harness, framework, stream, agent, session, offer) = MasterHarness.withOffer()
        var task = makeTask("t1", agentID: agent)
        task.container = .dockerImage("busybox")
        task.healthCheck = CheckDefinition(HealthCheck(type: .tcp, tcp: TCPCheckDefinition(port: 8080)))
        task.limits = TaskLimits(["cpus": 1, "mem": .infinity])
        let actions = harness.call(SchedulerCalls.accept(framework, offers: [offer.id], tasks: [task]), stream: stream)
        #expect(actions.updates(for: stream).isEmpty)
        #expect(actions.agentEvents(for: session).compactMap { $0.runTask?.task?.container?.imageName } == ["busybox"])
    }
}
