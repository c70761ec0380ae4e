import Foundation
import Testing

@testable import Containerizer

/// The pod network's pure core: addresses, the pool, names and the restart inventory.
struct PodAddressPoolTests {
    func pool(_ cidr: String = "10.244.1.0/24") throws -> PodAddressPool {
        try PodAddressPool(subnet: try IPv4Subnet(cidr))
    }

    func address(_ text: String) -> IPv4Address { IPv4Address(text)! }

    @Test func parsesAddressesAndSubnetsStrictly() throws {
        #expect(IPv4Address("10.244.1.7")?.value == 0x0AF4_0107)
        #expect(IPv4Address("10.244.1.7")?.description == "10.244.1.7")
        for bad in ["10.244.1", "10.244.1.256", "10.244.01.1", "a.b.c.d", "", "1.2.3.4.5"] {
            #expect(IPv4Address(bad) == nil, "\(bad)")
        }
        let subnet = try IPv4Subnet("10.244.1.0/24")
        #expect(subnet.broadcast == address("10.244.1.255"))
        #expect(subnet.contains(address("10.244.1.9")) && !subnet.contains(address("10.244.2.0")))
        #expect(
            throws: PodNetworkError.invalidSubnet("'10.244.1.5/24' has host bits set; the network is 10.244.1.0/24")
        ) {
            _ = try IPv4Subnet("10.244.1.5/24")
        }
        for bad in ["10.244.1.0", "10.244.1.0/33", "10.244.1.0/x", "/24"] {
            #expect(throws: PodNetworkError.self, "\(bad)") { _ = try IPv4Subnet(bad) }
        }
        #expect(throws: PodNetworkError.self) { _ = try pool("10.244.1.0/31") }
        #expect(try pool("10.244.1.0/30").capacity == 1)
    }

    @Test func theGatewayIsTheFirstAddressAndPodsFollowInOrder() throws {
        var pool = try pool()
        #expect(pool.gateway == address("10.244.1.1"))
        #expect(pool.capacity == 253)
        #expect(try pool.allocate(podID: "a") == address("10.244.1.2"))
        #expect(try pool.allocate(podID: "b") == address("10.244.1.3"))
        // Asking again for a pod that holds an address returns the same one.
        #expect(try pool.allocate(podID: "a") == address("10.244.1.2"))
        #expect(pool.address(of: "b") == address("10.244.1.3"))
        #expect(pool.release(podID: "b") == address("10.244.1.3"))
        #expect(pool.release(podID: "b") == nil)
        #expect(pool.address(of: "b") == nil)
    }

    @Test func aReleasedAddressIsReusedOnlyAfterTheRestOfTheRange() throws {
        // A /29: gateway .1, pods .2 to .6, broadcast .7.
        var pool = try pool("10.244.1.0/29")
        for pod in ["a", "b", "c"] { _ = try pool.allocate(podID: pod) }
        pool.release(podID: "b")
        #expect(try pool.allocate(podID: "d") == address("10.244.1.5"))
        #expect(try pool.allocate(podID: "e") == address("10.244.1.6"))
        // The search wraps around to the gap b left.
        #expect(try pool.allocate(podID: "f") == address("10.244.1.3"))
        #expect(
            throws: PodNetworkError.exhausted(
                "pod CIDR 10.244.1.0/29 is exhausted: all 5 pod addresses are in use"
                    + " (remove pods or give the agent a larger CIDR)")
        ) { _ = try pool.allocate(podID: "g") }
        pool.release(podID: "a")
        #expect(try pool.allocate(podID: "g") == address("10.244.1.2"))
        #expect(Set(pool.allocations.values).count == 5)
    }

    @Test func thePoolRoundTripsThroughJSONAndRefusesBadState() throws {
        var pool = try pool()
        _ = try pool.allocate(podID: "a")
        _ = try pool.allocate(podID: "b")
        pool.release(podID: "a")
        let data = try JSONEncoder().encode(pool)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"10.244.1.3\"") && text.contains("\"10.244.1.0\\/24\""))
        var decoded = try JSONDecoder().decode(PodAddressPool.self, from: data)
        #expect(decoded == pool)
        // The round-robin position survives too.
        #expect(try decoded.allocate(podID: "c") == address("10.244.1.4"))

        let outside = #"{"subnet":"10.244.1.0/24","allocations":{"x":"10.244.2.9"}}"#
        let gateway = #"{"subnet":"10.244.1.0/24","allocations":{"x":"10.244.1.1"}}"#
        let twice = #"{"subnet":"10.244.1.0/24","allocations":{"x":"10.244.1.9","y":"10.244.1.9"}}"#
        let tiny = #"{"subnet":"10.244.1.0/31","allocations":{}}"#
        for bad in [outside, gateway, twice, tiny] {
            #expect(throws: DecodingError.self, "\(bad)") {
                _ = try JSONDecoder().decode(PodAddressPool.self, from: Data(bad.utf8))
            }
        }
    }

    @Test func namesComeFromTheConfiguration() throws {
        let subnet = try IPv4Subnet("10.244.1.0/24")
        let first = PodNetworkConfiguration(subnet: subnet, stateFile: "/x", namespacePrefix: "mk-a1-")
        let second = PodNetworkConfiguration(subnet: subnet, stateFile: "/x", namespacePrefix: "mk-a2-")
        let podID = "0f8c2a7e-5b1d-4c3e-9a6f-2d4b8e1c7a90"
        #expect(try first.namespaceName(podID: podID) == "mk-a1-" + podID)
        #expect(try first.namespacePath(podID: podID) == "/var/run/netns/mk-a1-" + podID)
        let host = try first.hostInterface(podID: podID)
        #expect(host.utf8.count == 15 && host.hasPrefix("mkv"))
        #expect(try first.hostInterface(podID: podID) == host)
        #expect(try second.hostInterface(podID: podID) != host)
        #expect(try first.hostInterface(podID: "other") != host)
        for bad in ["", "..", "a/b", "a b", "x;y", String(repeating: "a", count: 129)] {
            #expect(throws: PodNetworkError.self, "\(bad)") { _ = try first.namespaceName(podID: bad) }
        }
        #expect(first.podIDs(namespaceNames: ["mk-a1-p", "mk-a2-q", "mk-a1-", "other"]) == ["p"])
        try first.validate()
        for bad in [
            PodNetworkConfiguration(subnet: subnet, stateFile: "/x", bridgeName: "a-bridge-name-too-long"),
            PodNetworkConfiguration(subnet: subnet, stateFile: "/x", bridgeName: "br/0"),
            PodNetworkConfiguration(subnet: subnet, stateFile: "/x", namespacePrefix: ""),
            PodNetworkConfiguration(subnet: subnet, stateFile: "/x", mtu: 20),
            PodNetworkConfiguration(subnet: try IPv4Subnet("10.0.0.0/32"), stateFile: "/x"),
        ] {
            #expect(throws: PodNetworkError.self) { try bad.validate() }
        }
    }

    @Test func theInventorySortsPodsNamespacesAndAddresses() throws {
        let configuration = PodNetworkConfiguration(subnet: try IPv4Subnet("10.244.1.0/24"), stateFile: "/x")
        var pool = try pool()
        let a = try pool.allocate(podID: "a")
        let b = try pool.allocate(podID: "b")
        let inventory = PodNetworkInventory.reconcile(
            pool: pool, namespacePodIDs: ["a", "stray"], configuration: configuration)
        #expect(
            inventory.pods == [
                PodNetworkAttachment(
                    podID: "a", namespacePath: "/var/run/netns/mk-a", address: a, prefixLength: 24,
                    gateway: address("10.244.1.1"), hostInterface: try configuration.hostInterface(podID: "a"))
            ])
        #expect(inventory.podIDsWithoutAddress == ["stray"])
        #expect(inventory.addressesWithoutNamespace == ["b": b])
    }

    @Test func anOCIConfigJoinsThePodNetworkNamespaceOnlyWhenGiven() throws {
        func namespaces(_ networkNamespace: String?) throws -> [[String: String]] {
            let spec = OCIContainerSpec(
                containerID: "c1", rootfs: "/rootfs", image: ImageConfig(cmd: ["/bin/sh"]), sandbox: "/sandbox",
                networkNamespace: networkNamespace)
            let object = try JSONSerialization.jsonObject(with: try OCIBundle.configJSON(spec)) as? [String: Any]
            let linux = object?["linux"] as? [String: Any]
            return linux?["namespaces"] as? [[String: String]] ?? []
        }
        let joined = try namespaces("/var/run/netns/mk-pod")
        #expect(joined.contains(["type": "network", "path": "/var/run/netns/mk-pod"]))
        #expect(joined.filter { $0["type"] == "network" }.count == 1)
        #expect(Set(joined.compactMap { $0["type"] }) == ["pid", "mount", "ipc", "uts", "network"])
        // Without a path the container shares the host's network, as before.
        #expect(!(try namespaces(nil)).contains { $0["type"] == "network" })
    }

    @Test func anOCIConfigTakesThePodsHostnameAndElseTheContainerID() throws {
        func hostname(_ name: String?) throws -> String? {
            var spec = OCIContainerSpec(
                containerID: "c1", rootfs: "/rootfs", image: ImageConfig(cmd: ["/bin/sh"]), sandbox: "/sandbox")
            spec.hostname = name
            let object = try JSONSerialization.jsonObject(with: try OCIBundle.configJSON(spec)) as? [String: Any]
            return object?["hostname"] as? String
        }
        #expect(try hostname("web-0") == "web-0")
        #expect(try hostname(nil) == "c1")
    }
}
