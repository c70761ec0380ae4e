import MesosModel
import TestSupport
import Testing

@testable import MasterCore

@Suite("MasterCore: the task table's index by agent")
struct TaskTableTests {
    static func record(_ id: String, on agent: String) -> TaskRecord {
        TaskRecord(
            info: makeTask(id, agentID: AgentID(agent)), frameworkID: FrameworkID("f"), agentID: AgentID(agent),
            executorID: nil, role: "*", resources: Resources(), state: .running, latestState: .running)
    }

    @Test("Inserts, moves, updates and removals keep the agent index equal to a scan of the tasks")
    func indexFollowsEveryChange() {
        var table = TaskTable()
        table[TaskID("a")] = Self.record("a", on: "s1")
        table[TaskID("b")] = Self.record("b", on: "s1")
        table[TaskID("c")] = Self.record("c", on: "s2")
        #expect(table.on(AgentID("s1")).map(\.id) == [TaskID("a"), TaskID("b")])
        table[TaskID("b")]?.pendingUUID = "u"
        #expect(table.on(AgentID("s1")).map(\.pendingUUID) == [nil, "u"], "an update stays under its agent")
        table[TaskID("a")] = Self.record("a", on: "s2")
        #expect(table.on(AgentID("s1")).map(\.id) == [TaskID("b")])
        #expect(table.on(AgentID("s2")).map(\.id) == [TaskID("a"), TaskID("c")])
        table.removeValue(forKey: TaskID("b"))
        table[TaskID("c")] = nil
        #expect(!table.hasTasks(on: AgentID("s1")))
        #expect(Set(table.agentIDs) == [AgentID("s2")])
        #expect(table.count == 1)
        #expect(table.removeValue(forKey: TaskID("missing")) == nil)
    }

    @Test("Tables with the same tasks are equal however they were built")
    func equalityIgnoresHistory() {
        var built = TaskTable()
        built[TaskID("a")] = Self.record("a", on: "s9")
        built[TaskID("a")] = Self.record("a", on: "s1")
        let literal: TaskTable = [TaskID("a"): Self.record("a", on: "s1")]
        #expect(built == literal)
        #expect(built.hashValue == literal.hashValue)
    }
}
