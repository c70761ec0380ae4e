import DiscoveryCore
import Foundation
import Testing

@testable import MarathonCore

@Suite struct ServiceBalancingTests {
    static func app(healthChecked: Bool = false) -> AppDefinition {
        var app = AppDefinition(id: PathId("/shop/web"))
        app.portDefinitions = [
            PortDefinition(port: 10001), PortDefinition(port: 0), PortDefinition(port: 10003, protocol: "udp"),
        ]
        if healthChecked { app.healthChecks = [MarathonCore.HealthCheck(protocol: .http)] }
        return app
    }

    @Test func runningTasksBackEveryServicePort() {
        let instances = [
            ServiceBalancing.Instance(agentID: "a2", hostPorts: [31002, 31003, 31004], isRunning: true),
            ServiceBalancing.Instance(agentID: "a1", hostPorts: [31000, 31001, 31002], isRunning: true),
            ServiceBalancing.Instance(agentID: "a1", hostPorts: [31010, 31011, 31012], isRunning: false),
            ServiceBalancing.Instance(
                agentID: "a1", hostPorts: [31020, 31021, 31022], isRunning: true, isKilling: true),
            ServiceBalancing.Instance(
                agentID: "a2", hostPorts: [31030, 31031, 31032], isRunning: true, isUnreachable: true),
            ServiceBalancing.Instance(agentID: "gone", hostPorts: [31040, 31041, 31042], isRunning: true),
        ]
        let entries = ServiceBalancing.entries(
            app: Self.app(), instances: instances, agentIPs: ["a1": "10.0.0.1", "a2": "10.0.0.2"])
        #expect(entries.map(\.servicePort) == [10001, 10003], "port 0 has no service port yet")
        #expect(entries[0].appID == "/shop/web" && entries[0].protocol == .tcp && entries[1].protocol == .udp)
        #expect(entries[0].backends == [.init(ip: "10.0.0.1", port: 31000), .init(ip: "10.0.0.2", port: 31002)])
        #expect(entries[1].backends.map(\.port) == [31002, 31004])
    }

    @Test func healthCheckedAppsBalanceOnlyToHealthyTasks() {
        let instances = [
            ServiceBalancing.Instance(
                agentID: "a1", hostPorts: [31000, 31001, 31002], isRunning: true, isHealthy: false),
            ServiceBalancing.Instance(
                agentID: "a1", hostPorts: [31005, 31006, 31007], isRunning: true, isHealthy: true),
        ]
        let entries = ServiceBalancing.entries(
            app: Self.app(healthChecked: true), instances: instances, agentIPs: ["a1": "10.0.0.1"])
        #expect(entries[0].backends == [.init(ip: "10.0.0.1", port: 31005)])
        let unchecked = ServiceBalancing.entries(app: Self.app(), instances: instances, agentIPs: ["a1": "10.0.0.1"])
        #expect(unchecked[0].backends.count == 2, "without health checks every running task counts")
    }
}
