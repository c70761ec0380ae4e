import TestSupport
import Testing

@testable import Containerizer

@Suite(.timeLimit(.minutes(2))) struct RouteTableTests {
    @Test func parsesOnlyRoutesWithAGateway() {
        let output = """
            10.244.2.0/24 via 192.168.1.12 dev eth0 proto 77
            10.244.3.0/24 via 192.168.1.13 dev eth0 proto 77 onlink
            10.250.9.0/24 dev mk9 proto 77 scope link

            """
        #expect(
            RouteTable.parse(output) == [
                HostRoute(destination: "10.244.2.0/24", gateway: "192.168.1.12"),
                HostRoute(destination: "10.244.3.0/24", gateway: "192.168.1.13"),
            ])
    }

    /// Through a fixture bridge (its subnet is directly connected, so its addresses can be
    /// gateways), with a protocol number of this test's own: the host's other routes are never
    /// listed or touched.
    @Test func installsListsMovesAndRemovesItsOwnRoutes() async throws {
        let fixture = try PodNetworkFixture()
        defer { fixture.tearDown() }
        _ = try await runOffCooperativePool { Result { try fixture.network.ensureBridge() } }.get()
        let table = try RouteTable(protocolNumber: Int.random(in: 200...250))
        let base = fixture.configuration.subnet.network.value
        let gateway = IPv4Address(base + 7).description
        let moved = IPv4Address(base + 8).description
        let octet = (base >> 8) & 0xFF
        let destination = "10.251.\(octet).0/24"
        defer { try? table.remove(HostRoute(destination: destination, gateway: moved)) }
        #expect(try table.installed() == [])
        try table.replace(HostRoute(destination: destination, gateway: gateway))
        #expect(try table.installed() == [HostRoute(destination: destination, gateway: gateway)])
        try table.replace(HostRoute(destination: destination, gateway: moved))
        #expect(try table.installed() == [HostRoute(destination: destination, gateway: moved)])
        try table.remove(HostRoute(destination: destination, gateway: moved))
        #expect(try table.installed() == [])
        #expect(RouteTable.localIPv4Addresses().contains(IPv4Address(base + 1).description), "the bridge's address")
        #expect(RouteTable.localIPv4Addresses().contains("127.0.0.1"))
    }
}
