import DiscoveryCore
import MesosModel
import TestSupport
import Testing

@testable import MasterCore

@Suite("MasterCore: what service discovery publishes (Mesos-DNS' view of /master/state)")
struct DiscoveryViewTests {
    @Test("Only running tasks are published, with the framework's name, the agent and the task's ports")
    func runningTasksOnly() throws {
        var (harness, framework, stream, agent, _, offer) = MasterHarness.withOffer(makeFrameworkInfo(name: "marathon"))
        var web = makeTask("web-1", agentID: agent, cpus: 0.5)
        web.name = "web.prod"
        harness.call(
            SchedulerCalls.accept(framework, offers: [offer.id], tasks: [web, makeTask("idle", agentID: agent)]),
            stream: stream)
        #expect(harness.core.discoveryTasks().isEmpty, "staging tasks get no records")
        harness.agentUpdate(TaskID("web-1"), .running, framework: framework, agent: agent, uuid: makeStatusUUID(1))
        let tasks = harness.core.discoveryTasks()
        let task = try #require(tasks.first)
        #expect(tasks.count == 1)
        #expect(task.name == "web.prod" && task.frameworkName == "marathon" && task.agentID == agent.value)
        #expect(task.ports.isEmpty && !task.portsFromDiscoveryInfo)
        let agents = harness.core.discoveryAgents()
        #expect(agents.map(\.id) == [agent.value])
        #expect(harness.core.discoveryMasters(isLeader: true).first?.isLeader == true)
    }

    @Test("DiscoveryInfo's name and ports replace the task's, container addresses come from the status")
    func discoveryInfoAndContainerAddresses() {
        var info = makeTask("db-1", agentID: AgentID("a1"))
        info.discovery = .object([
            "visibility": .string("FRAMEWORK"), "name": .string("postgres"),
            "ports": .object([
                "ports": .array([
                    .object(["number": .number(5432), "protocol": .string("tcp"), "name": .string("sql")]),
                    .object(["number": .number(0), "protocol": .string("udp")]),
                ])
            ]),
        ])
        var status = TaskStatus(taskID: TaskID("db-1"), state: .running, agentID: AgentID("a1"))
        status.containerStatus = .object([
            "network_infos": .array([
                .object(["ip_addresses": .array([.object(["ip_address": .string("10.244.1.7")])])])
            ])
        ])
        var record = TaskRecord(
            info: info, frameworkID: FrameworkID("f1"), agentID: AgentID("a1"), role: "*", resources: Resources(),
            state: .running, latestState: .running)
        record.statuses = [status]
        let entry = MasterCore.discoveryTask(record, frameworkName: "db")
        #expect(entry.name == "postgres")
        #expect(entry.ports == [TaskEntry.Port(number: 5432, protocol: .tcp, name: "sql")])
        #expect(entry.portsFromDiscoveryInfo)
        #expect(entry.containerIPs == ["10.244.1.7"])
        record.info.discovery = nil
        record.info.resources = [.ranges("ports", [31000...31001, 31005...31005])]
        let plain = MasterCore.discoveryTask(record, frameworkName: "db")
        #expect(plain.name == info.name && plain.ports.map(\.number) == [31000, 31001, 31005])
        #expect(!plain.portsFromDiscoveryInfo)
    }
}
