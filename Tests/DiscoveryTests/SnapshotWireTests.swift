import DiscoveryCore
import Foundation
import Testing

@testable import Discovery

@Suite struct SnapshotWireTests {
    @Test func aSnapshotSurvivesTheWire() throws {
        let snapshot = DiscoverySnapshot(
            version: 7,
            agents: [AgentEntry(id: "a1", hostname: "node-1", ip: "10.0.0.2")],
            tasks: [
                TaskEntry(
                    id: "t1", name: "web", frameworkName: "marathon", agentID: "a1", ports: [.init(number: 31000)])
            ],
            services: [
                ServiceEntry(
                    namespace: "default", name: "web", clusterIPs: ["10.96.0.20"],
                    ports: [.init(name: "http", port: 80, backends: [.init(ip: "10.244.1.5", port: 8080)])],
                    clientIPAffinitySeconds: 10800)
            ],
            marathonServices: [
                MarathonServiceEntry(appID: "/web", servicePort: 10001, backends: [.init(ip: "10.0.0.2", port: 31000)])
            ])
        let decoded = try SnapshotWire.decode(SnapshotWire.encode(snapshot))
        #expect(decoded == snapshot)
        #expect(!decoded.services[0].isHeadless)
    }

    @Test func garbageIsAnError() {
        #expect(throws: (any Error).self) { try SnapshotWire.decode(Data("{\"version\":\"x\"}".utf8)) }
    }
}
