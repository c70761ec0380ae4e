import Testing

@testable import KubeTypes

/// A service of `type` with the given ports, defaulted as the API server would before allocating.
private func service(
    _ name: String, type: String = "ClusterIP", ports: [JSON] = [["port": 80]], spec extra: JSON = [:]
)
    -> JSON
{
    var spec: JSON = ["type": .string(type), "ports": .array(ports)]
    for (key, value) in extra.objectValue ?? [:] { spec[key] = value }
    return defaulted("services", ["metadata": ["name": .string(name), "namespace": "default"], "spec": spec])
}

/// A /29 and ten node ports, so exhaustion and collisions are easy to reach.
private let tiny = ServiceNetwork(clusterIPRange: IPv4Network("10.0.0.0/29")!, nodePortRange: 30000...30009)

private func allocated(
    _ object: JSON, old: JSON? = nil, others: [JSON] = [], network: ServiceNetwork = tiny, start: UInt64 = 0
) throws(ServiceAllocationError) -> JSON {
    var copy = object
    let inUse = ServiceAddressesInUse(services: others, excluding: old.map { ($0.namespace, $0.name) })
    try ServiceAddresses.allocate(&copy, old: old, inUse: inUse, network: network, random: { start % $0 })
    return copy
}

private func allocationErrors(_ body: () throws -> JSON) -> [String] {
    do {
        _ = try body()
        return []
    } catch ServiceAllocationError.invalid(let errors) {
        return errors.map { "\($0.field): \($0.detail)" }
    } catch ServiceAllocationError.rangeFull(let message) {
        return [message]
    } catch {
        return ["unexpected \(error)"]
    }
}

@Suite struct IPv4NetworkTests {
    @Test func parsesAndFormats() {
        let network = IPv4Network("10.96.0.0/12")!
        #expect(network.description == "10.96.0.0/12")
        #expect(network.size == 1 << 20)
        #expect(network.contains(IPv4Network.parseAddress("10.111.255.255")!))
        #expect(!network.contains(IPv4Network.parseAddress("10.112.0.0")!))
        #expect(ServiceNetwork.standard.apiServerIP == "10.96.0.1")
    }

    @Test func rejectsMalformedNetworks() {
        for text in ["10.96.0.1/12", "10.96.0.0", "10.96.0.0/33", "300.0.0.0/8", "10.096.0.0/16", "a.b.c.d/8", "/8"] {
            #expect(IPv4Network(text) == nil, "\(text)")
        }
        #expect(ServiceNetwork.parsePortRange("30000-32767") == 30000...32767)
        #expect(ServiceNetwork.parsePortRange("32767-30000") == nil)
        #expect(ServiceNetwork.parsePortRange("0-10") == nil)
    }
}

@Suite struct ServiceAddressesTests {
    @Test func clusterIPsComeFromTheRangeButNotItsFirstAddress() throws {
        // 10.0.0.0/29: .1 is the kubernetes service's, .2 to .6 are handed out, .7 is broadcast.
        var others: [JSON] = []
        var seen: [String] = []
        for index in 0..<5 {
            let next = try allocated(service("s\(index)"), others: others, start: 3)
            seen.append(next[path: ["spec", "clusterIP"]]?.stringValue ?? "")
            #expect(next[path: ["spec", "clusterIPs"]] == [.string(seen.last!)])
            others.append(next)
        }
        #expect(Set(seen) == ["10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"])
        #expect(seen.first == "10.0.0.5")
        #expect(
            allocationErrors { try allocated(service("full"), others: others) } == [
                "failed to allocate a serviceIP: range is full"
            ])
    }

    @Test func requestedClusterIPsAreChecked() throws {
        let taken = try allocated(service("a", spec: ["clusterIP": "10.0.0.4"]))
        #expect(taken[path: ["spec", "clusterIPs"]] == ["10.0.0.4"])
        #expect(
            allocationErrors { try allocated(service("b", spec: ["clusterIP": "10.0.0.4"]), others: [taken]) } == [
                "spec.clusterIPs: failed to allocate IP 10.0.0.4: provided IP is already allocated"
            ])
        #expect(
            allocationErrors { try allocated(service("b", spec: ["clusterIP": "10.0.1.4"])) } == [
                "spec.clusterIPs: failed to allocate IP 10.0.1.4: the provided IP (10.0.1.4) is not in the valid range. The range of valid IPs is 10.0.0.0/29"
            ])
        // The kubernetes service asks for the first address by name.
        #expect(
            try allocated(service("kubernetes", spec: ["clusterIP": "10.0.0.1"]))[path: ["spec", "clusterIP"]]
                == "10.0.0.1")
        let headless = try allocated(service("h", spec: ["clusterIP": "None"]), others: [taken])
        #expect(headless[path: ["spec", "clusterIPs"]] == ["None"])
    }

    @Test func nodePortsForNodePortAndLoadBalancerServices() throws {
        let ports: [JSON] = [
            ["name": "dns", "port": 53, "protocol": "UDP"],
            ["name": "dns-tcp", "port": 53, "protocol": "TCP", "nodePort": 30004],
        ]
        let first = try allocated(service("a", type: "NodePort", ports: ports), start: 4)
        let numbers = first[path: ["spec", "ports"]]?.arrayValue?.compactMap { $0["nodePort"]?.intValue }
        #expect(numbers == [30005, 30004])
        let clash = service("b", type: "NodePort", ports: [["port": 80, "nodePort": 30005]])
        #expect(
            allocationErrors { try allocated(clash, others: [first]) } == [
                "spec.ports[0].nodePort: provided port is already allocated"
            ])
        let outside = service("b", type: "NodePort", ports: [["port": 80, "nodePort": 31000]])
        #expect(
            allocationErrors { try allocated(outside) } == [
                "spec.ports[0].nodePort: provided port is not in the valid range. The range of valid ports is 30000-30009"
            ])
        // The same node port may carry the UDP and TCP sides of one service port, not two TCP ports.
        let shared = service(
            "c", type: "NodePort",
            ports: [
                ["name": "u", "port": 53, "protocol": "UDP", "nodePort": 30001],
                ["name": "t", "port": 53, "protocol": "TCP", "nodePort": 30001],
            ])
        #expect(allocationErrors { try allocated(shared) } == [])
        let twice = service(
            "d", type: "NodePort",
            ports: [
                ["name": "a", "port": 80, "nodePort": 30001], ["name": "b", "port": 81, "nodePort": 30001],
            ])
        #expect(allocationErrors { try allocated(twice) } == ["spec.ports[1].nodePort: "])
        let local = try allocated(service("lb", type: "LoadBalancer", spec: ["externalTrafficPolicy": "Local"]))
        #expect(local[path: ["spec", "healthCheckNodePort"]]?.intValue != nil)
        #expect(local[path: ["spec", "ports"]]?.arrayValue?.first?["nodePort"]?.intValue != nil)
    }

    @Test func updatesKeepWhatTheyLeaveOutAndReleaseWhatTheTypeNoLongerNeeds() throws {
        let stored = try allocated(service("a", type: "NodePort"), start: 2)
        #expect(stored[path: ["spec", "ports"]]?.arrayValue?.first?["nodePort"] == 30002)
        // An update that leaves out the cluster IP and node port (kubectl replace of the original file).
        var update = service("a", type: "NodePort")
        ServiceAddresses.prepareForUpdate(&update, old: stored)
        #expect(update[path: ["spec", "clusterIP"]] == stored[path: ["spec", "clusterIP"]])
        #expect(update[path: ["spec", "ports"]]?.arrayValue?.first?["nodePort"] == 30002)
        // Its own node port is not "already allocated" to itself.
        #expect(allocationErrors { try allocated(update, old: stored, others: [stored]) } == [])
        // Back to ClusterIP: the unchanged node port goes with the type.
        var downgrade = stored
        downgrade[path: ["spec", "type"]] = "ClusterIP"
        ServiceAddresses.prepareForUpdate(&downgrade, old: stored)
        #expect(downgrade[path: ["spec", "ports"]]?.arrayValue?.first?["nodePort"] == nil)
        #expect(CoreV1.validateService(downgrade).isEmpty)
        // To ExternalName: the unchanged cluster IP goes too.
        var external = stored
        external[path: ["spec", "type"]] = "ExternalName"
        external[path: ["spec", "externalName"]] = "example.com"
        ServiceAddresses.prepareForUpdate(&external, old: stored)
        #expect(external[path: ["spec", "clusterIP"]] == nil)
        #expect(CoreV1.validateService(defaulted("services", external)).isEmpty)
    }

    @Test func inUseLeavesOutTheServiceBeingWritten() {
        let a: JSON = [
            "metadata": ["name": "a", "namespace": "x"],
            "spec": ["clusterIP": "10.0.0.2", "ports": [["nodePort": 30001]]],
        ]
        let b: JSON = [
            "metadata": ["name": "a", "namespace": "y"],
            "spec": ["clusterIPs": ["10.0.0.3"], "healthCheckNodePort": 30002],
        ]
        let inUse = ServiceAddressesInUse(services: [a, b], excluding: ("x", "a"))
        #expect(inUse.clusterIPs == [IPv4Network.parseAddress("10.0.0.3")!])
        #expect(inUse.nodePorts == [30002])
    }

    @Test func validationOfClusterIPFields() {
        let headlessNodePort = service("a", type: "NodePort", spec: ["clusterIP": "None"])
        #expect(CoreV1.validateService(headlessNodePort).map(\.field).contains("spec.clusterIPs[0]"))
        let ipv6 = service("a", spec: ["ipFamilies": ["IPv6"]])
        #expect(
            CoreV1.validateService(ipv6).map(\.description) == [
                #"spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster"#
            ])
        let dual = service("a", spec: ["ipFamilyPolicy": "RequireDualStack", "ipFamilies": ["IPv4", "IPv6"]])
        #expect(CoreV1.validateService(dual).map(\.field) == ["spec.ipFamilies[1]", "spec.ipFamilyPolicy"])
        #expect(CoreV1.validateService(service("a", spec: ["ipFamilyPolicy": "PreferDualStack"])).isEmpty)
        let mismatch = service("a", spec: ["clusterIP": "10.0.0.2", "clusterIPs": ["10.0.0.3"]])
        #expect(CoreV1.validateService(mismatch).map(\.field) == ["spec.clusterIPs"])
    }
}
