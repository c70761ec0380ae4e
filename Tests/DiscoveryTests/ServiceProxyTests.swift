import DiscoveryCore
import Foundation
import Testing

@testable import Discovery

/// Real traffic through the rules: each test builds a `ProxyLab` (network namespaces), applies a
/// snapshot inside its node namespace and makes HTTP requests through the proxied addresses.
@Suite(.serialized, .enabled(if: ProxyLab.available, "needs root, iptables, ip, curl and busybox"))
struct ServiceProxyTests {
    static let clusterIP = "10.96.0.10"

    static func web(
        ready: [Bool] = [true, true, true], kind: ServiceEntry.Kind = .clusterIP, nodePort: Int? = nil,
        affinity: Int? = nil
    ) -> ServiceEntry {
        let backends = ready.enumerated().map { index, isReady in
            ServiceEntry.Backend(ip: ProxyLab.podIP(index + 1), port: 8080, ready: isReady)
        }
        return ServiceEntry(
            namespace: "default", name: "web", kind: kind, clusterIPs: [clusterIP],
            ports: [.init(name: "http", port: 80, nodePort: nodePort, backends: backends)],
            clientIPAffinitySeconds: affinity)
    }

    static func proxy(_ lab: ProxyLab) -> ServiceProxy {
        ServiceProxy(
            node: ProxyNode(clusterCIDR: ProxyLab.podCIDR), commandPrefix: ["ip", "netns", "exec", lab.node])
    }

    @Test func clusterIPSpreadsOverReadyBackendsOnly() async throws {
        try await ProxyLab.with { lab in
            let proxy = Self.proxy(lab)
            try await proxy.apply(DiscoverySnapshot(version: 1, services: [Self.web()]))
            let all = await lab.spread(from: lab.node, "http://\(Self.clusterIP)/", count: 45)
            #expect(all.keys.sorted() == ["b1", "b2", "b3"], "\(all)")
            // From outside the pod network: masqueraded, so the reply comes back through the node.
            let outside = await lab.spread(from: lab.client, "http://\(Self.clusterIP)/", count: 9)
            #expect(outside[""] == nil, "\(outside)")

            try await proxy.apply(DiscoverySnapshot(version: 2, services: [Self.web(ready: [true, true, false])]))
            let two = await lab.spread(from: lab.node, "http://\(Self.clusterIP)/", count: 30)
            #expect(two["b3"] == nil && two[""] == nil, "\(two)")
            #expect(two["b1"] != nil && two["b2"] != nil, "\(two)")
        }
    }

    @Test func servicesWithoutEndpointsAreRejectedAndRemovedOnesCleanedUp() async throws {
        try await ProxyLab.with { lab in
            let proxy = Self.proxy(lab)
            try await proxy.apply(DiscoverySnapshot(version: 1, services: [Self.web()]))
            let withService = try await lab.sh(["ip", "netns", "exec", lab.node, "iptables-save", "-t", "nat"])
            #expect(withService.contains(":MK-SVC-"))

            try await proxy.apply(DiscoverySnapshot(version: 2, services: [Self.web(ready: [false, false, false])]))
            let refused = try await ProxyCommand.run([
                "ip", "netns", "exec", lab.node, "curl", "-s", "--max-time", "5", "http://\(Self.clusterIP)/",
            ])
            #expect(refused.status == 7, "REJECT makes curl fail to connect at once (7), not time out (28)")
            let save = try await lab.sh(["ip", "netns", "exec", lab.node, "iptables-save"])
            #expect(!save.contains(":MK-SVC-") && !save.contains(":MK-SEP-"))
            #expect(save.contains("has no endpoints"))

            try await proxy.removeAll()
            let cleaned = try await lab.sh(["ip", "netns", "exec", lab.node, "iptables-save"])
            #expect(!cleaned.contains("MK-"), "\(cleaned)")
            // And it comes back from nothing.
            try await proxy.apply(DiscoverySnapshot(version: 3, services: [Self.web()]))
            #expect(await lab.get(from: lab.node, "http://\(Self.clusterIP)/")?.hasPrefix("b") == true)
        }
    }

    @Test func clientIPAffinityPinsAClientToOneBackend() async throws {
        try await ProxyLab.with { lab in
            try await Self.proxy(lab).apply(DiscoverySnapshot(services: [Self.web(affinity: 600)]))
            let pinned = await lab.spread(from: lab.client, "http://\(Self.clusterIP)/", count: 15)
            #expect(pinned.count == 1 && pinned[""] == nil, "\(pinned)")
        }
    }

    @Test func nodePortAndLoadBalancerIPAnswerAndHairpinWorks() async throws {
        try await ProxyLab.with { lab in
            var service = Self.web(kind: .loadBalancer, nodePort: 30080)
            service.loadBalancerIPs = ["203.0.113.5"]
            try await Self.proxy(lab).apply(DiscoverySnapshot(services: [service]))
            // The client routes everything through the node, as a load balancer would.
            let balanced = await lab.spread(from: lab.client, "http://203.0.113.5/", count: 9)
            #expect(balanced[""] == nil && !balanced.isEmpty, "\(balanced)")
            let remote = await lab.spread(from: lab.client, "http://\(ProxyLab.nodeAddress):30080/", count: 45)
            #expect(remote.keys.sorted() == ["b1", "b2", "b3"], "\(remote)")
            // route_localnet: NodePorts answer on the node's loopback too.
            #expect(await lab.get(from: lab.node, "http://127.0.0.1:30080/")?.hasPrefix("b") == true)
            // A pod reaching itself through its Service (hairpin) gets an answer.
            let hairpin = await lab.spread(from: lab.backend(1), "http://\(Self.clusterIP)/", count: 30)
            #expect(hairpin[""] == nil && hairpin["b1"] != nil, "\(hairpin)")
        }
    }

    @Test func marathonServicePortBalancesOnTheNode() async throws {
        try await ProxyLab.with { lab in
            let app = MarathonServiceEntry(
                appID: "/web", servicePort: 10001,
                backends: (1...3).map { .init(ip: ProxyLab.podIP($0), port: 8080) })
            try await Self.proxy(lab).apply(DiscoverySnapshot(marathonServices: [app]))
            let remote = await lab.spread(from: lab.client, "http://\(ProxyLab.nodeAddress):10001/", count: 45)
            #expect(remote.keys.sorted() == ["b1", "b2", "b3"], "\(remote)")
            #expect(await lab.get(from: lab.node, "http://127.0.0.1:10001/")?.hasPrefix("b") == true)
        }
    }

    @Test func anUnchangedSnapshotIsNotReapplied() async throws {
        try await ProxyLab.with(backends: 1) { lab in
            let proxy = Self.proxy(lab)
            let snapshot = DiscoverySnapshot(version: 1, services: [Self.web(ready: [true])])
            try await proxy.apply(snapshot)
            // Rules deleted behind the proxy's back stay deleted for the same snapshot …
            try await lab.sh(["ip", "netns", "exec", lab.node, "iptables", "-t", "nat", "-F", "MK-SERVICES"])
            var newer = snapshot
            newer.version = 2
            try await proxy.apply(newer)
            #expect(await lab.get(from: lab.node, "http://\(Self.clusterIP)/") == nil)
            // … until a forced resync.
            try await proxy.apply(newer, force: true)
            #expect(await lab.get(from: lab.node, "http://\(Self.clusterIP)/") == "b1")
        }
    }

    @Test func iptablesErrorsComeBackWithTheirStderr() async throws {
        let proxy = ServiceProxy(commandPrefix: ["ip", "netns", "exec", "mkp-missing-\(UUID().uuidString.prefix(6))"])
        await #expect {
            try await proxy.apply(DiscoverySnapshot(services: [Self.web()]))
        } throws: { error in
            guard case .commandFailed(_, let status, let stderr)? = error as? ServiceProxyError else { return false }
            return status != 0 && !stderr.isEmpty
        }
        #expect(await proxy.appliedRules == nil)
    }
}
