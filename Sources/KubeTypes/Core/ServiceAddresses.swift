/// An IPv4 network in CIDR notation, such as the service range `10.96.0.0/12`.
public struct IPv4Network: Sendable, Equatable, CustomStringConvertible {
    public let base: UInt32
    public let prefixLength: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = Self.parseAddress(String(parts[0])), let length = Int(parts[1]),
            (0...32).contains(length)
        else { return nil }
        let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << (32 - length)
        guard address & ~mask == 0 else { return nil }
        base = address
        prefixLength = length
    }

    public var description: String { "\(Self.format(base))/\(prefixLength)" }
    public var size: UInt64 { UInt64(1) << UInt64(32 - prefixLength) }

    public func contains(_ address: UInt32) -> Bool {
        UInt64(address) >= UInt64(base) && UInt64(address) < UInt64(base) + size
    }

    /// Addresses that can be handed out: all but the network and broadcast addresses (upstream
    /// keeps both out of every range larger than a /31).
    public var usable: ClosedRange<UInt32>? {
        guard size >= 4 else { return nil }
        return (base + 1)...(base + UInt32(size - 2))
    }

    public static func parseAddress(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var address: UInt32 = 0
        for octet in octets {
            guard !octet.isEmpty, octet.count <= 3, octet.allSatisfy(\.isASCIIDigit), let value = UInt32(octet),
                value <= 255, octet.count == 1 || octet.first != "0"
            else { return nil }
            address = address << 8 | value
        }
        return address
    }

    public static func format(_ address: UInt32) -> String {
        [24, 16, 8, 0].map { String(address >> UInt32($0) & 0xFF) }.joined(separator: ".")
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

/// Where services get their virtual addresses: `--service-cidr` and `--node-port-range`.
public struct ServiceNetwork: Sendable, Equatable {
    public var clusterIPRange: IPv4Network
    public var nodePortRange: ClosedRange<Int64>

    public init(clusterIPRange: IPv4Network, nodePortRange: ClosedRange<Int64>) {
        self.clusterIPRange = clusterIPRange
        self.nodePortRange = nodePortRange
    }

    /// kubeadm's service range and upstream's node port range.
    public static let standard = ServiceNetwork(
        clusterIPRange: IPv4Network("10.96.0.0/12")!, nodePortRange: 30000...32767)

    /// The first usable address, which upstream reserves for the `kubernetes` service.
    public var apiServerIP: String? { clusterIPRange.usable.map { IPv4Network.format($0.lowerBound) } }

    /// The tenth address, which kubeadm gives the cluster DNS service (`kube-dns`, 10.96.0.10).
    public var clusterDNSIP: String? {
        guard let usable = clusterIPRange.usable, usable.count > 10 else { return nil }
        return IPv4Network.format(usable.lowerBound + 9)
    }

    /// Parses `30000-32767`.
    public static func parsePortRange(_ text: String) -> ClosedRange<Int64>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let low = Int64(parts[0]), let high = Int64(parts[1]), 1 <= low, low <= high,
            high <= 65535
        else { return nil }
        return low...high
    }
}

/// The cluster IPs and node ports other services hold.
public struct ServiceAddressesInUse: Sendable {
    public var clusterIPs: Set<UInt32> = []
    public var nodePorts: Set<Int64> = []

    public init() {}

    /// What `services` hold, leaving out the service being written (its own old values stay its own).
    public init(services: [JSON], excluding: (namespace: String, name: String)?) {
        for service in services {
            if let excluding, service.namespace == excluding.namespace, service.name == excluding.name { continue }
            let spec = service["spec"] ?? .emptyObject
            for ip in ServiceAddresses.clusterIPs(spec) {
                if let address = IPv4Network.parseAddress(ip) { clusterIPs.insert(address) }
            }
            nodePorts.formUnion(ServiceAddresses.nodePorts(spec))
        }
    }
}

/// Why an address could not be allocated: an invalid request (422) or an exhausted range (500).
public enum ServiceAllocationError: Error, Equatable {
    case invalid([FieldError])
    case rangeFull(String)
}

/// Upstream's service allocation rules: a ClusterIP for every service but ExternalName and headless
/// ones, node ports for NodePort and LoadBalancer services, a health-check node port for
/// LoadBalancers with the Local traffic policy. `prepareForUpdate` (pure, before validation) carries
/// over what an update leaves out and releases what the new type no longer needs; `allocate` (after
/// validation, against what other services hold) fills the rest and checks what clients asked for.
public enum ServiceAddresses {
    /// Upstream's `patchAllocatedValues` and `dropTypeDependentFields`.
    public static func prepareForUpdate(_ new: inout JSON, old: JSON) {
        guard var spec = new["spec"], let oldSpec = old["spec"] else { return }
        let oldNeedsIP = oldSpec["type"]?.stringValue != "ExternalName"
        if oldNeedsIP && spec["type"]?.stringValue != "ExternalName" {
            for field in ["clusterIP", "clusterIPs"] where isEmpty(spec[field]) { spec[field] = oldSpec[field] }
        } else if oldNeedsIP, clusterIPs(spec) == clusterIPs(oldSpec) {
            spec["clusterIP"] = nil
            spec["clusterIPs"] = nil
        }
        let oldPorts = CoreSupport.elements(oldSpec, "ports")
        let keepNodePorts = needsNodePorts(oldSpec) && needsNodePorts(spec)
        let dropNodePorts = needsNodePorts(oldSpec) && !needsNodePorts(spec)
        CoreSupport.forEachElement(&spec, "ports") { port in
            let previous = oldPorts.first { samePort($0, port) }?["nodePort"]
            if keepNodePorts, isEmpty(port["nodePort"]) { port["nodePort"] = previous }
            if dropNodePorts, port["nodePort"] == previous { port["nodePort"] = nil }
        }
        let external: Set<String> = ["NodePort", "LoadBalancer"]
        if external.contains(oldSpec["type"]?.stringValue ?? ""), !external.contains(spec["type"]?.stringValue ?? ""),
            spec["externalTrafficPolicy"] == oldSpec["externalTrafficPolicy"]
        {
            spec["externalTrafficPolicy"] = nil
        }
        if oldSpec["type"] == "LoadBalancer", spec["type"] != "LoadBalancer",
            spec["allocateLoadBalancerNodePorts"] == oldSpec["allocateLoadBalancerNodePorts"]
        {
            spec["allocateLoadBalancerNodePorts"] = nil
        }
        if needsHealthCheckPort(oldSpec) {
            if needsHealthCheckPort(spec), isEmpty(spec["healthCheckNodePort"]) {
                spec["healthCheckNodePort"] = oldSpec["healthCheckNodePort"]
            } else if !needsHealthCheckPort(spec), spec["healthCheckNodePort"] == oldSpec["healthCheckNodePort"] {
                spec["healthCheckNodePort"] = nil
            }
        }
        new["spec"] = spec
    }

    /// Fills the addresses a (validated) service still lacks and checks the ones its client chose;
    /// `old` is the stored service on an update, whose own addresses need no check.
    public static func allocate(
        _ service: inout JSON, old: JSON?, inUse: ServiceAddressesInUse, network: ServiceNetwork,
        random: (UInt64) -> UInt64
    ) throws(ServiceAllocationError) {
        var spec = service["spec"] ?? .emptyObject
        let oldSpec = old?["spec"]
        try allocateClusterIP(&spec, oldSpec: oldSpec, inUse: inUse, network: network, random: random)
        var errors: [FieldError] = []
        let owned = oldSpec.map(nodePorts) ?? []
        var taken = inUse
        if needsNodePorts(spec) {
            var ports = CoreSupport.elements(spec, "ports")
            errors += claimRequestedNodePorts(ports, owned: owned, taken: &taken, network: network)
            // Ports left to the server come after the requested ones, so they never take those.
            for index in ports.indices where (ports[index]["nodePort"]?.intValue ?? 0) == 0 {
                let number = try freeNodePort(taken: taken, network: network, random: random)
                taken.nodePorts.insert(number)
                ports[index]["nodePort"] = .int(number)
            }
            spec["ports"] = .array(ports)
        }
        if needsHealthCheckPort(spec) {
            let number = spec["healthCheckNodePort"]?.intValue ?? 0
            if number == 0 {
                spec["healthCheckNodePort"] = .int(try freeNodePort(taken: taken, network: network, random: random))
            } else if !owned.contains(number), let problem = nodePortProblem(number, taken: taken, network: network) {
                errors.append(.invalid("spec.healthCheckNodePort", .int(number), problem))
            }
        }
        if !errors.isEmpty { throw .invalid(errors) }
        service["spec"] = spec
    }

    /// Checks the node ports a client chose; one node port may carry the TCP and the UDP side of
    /// the same service port, but not two ports of one protocol.
    private static func claimRequestedNodePorts(
        _ ports: [JSON], owned: Set<Int64>, taken: inout ServiceAddressesInUse, network: ServiceNetwork
    ) -> [FieldError] {
        var errors: [FieldError] = []
        var claimed: [Int64: Set<String>] = [:]
        for (index, port) in ports.enumerated() {
            let number = port["nodePort"]?.intValue ?? 0
            guard number != 0 else { continue }
            let path = "spec.ports[\(index)].nodePort"
            let proto = port["protocol"]?.stringValue ?? "TCP"
            if claimed[number]?.contains(proto) ?? false {
                errors.append(.duplicate(path, .int(number)))
            } else if claimed[number] == nil, !owned.contains(number),
                let problem = nodePortProblem(number, taken: taken, network: network)
            {
                errors.append(.invalid(path, .int(number), problem))
            }
            claimed[number, default: []].insert(proto)
        }
        taken.nodePorts.formUnion(claimed.keys)
        return errors
    }

    static func isEmpty(_ value: JSON?) -> Bool {
        value == nil || value == .null || value == .string("") || value == .int(0) || value == .array([])
    }

    static func clusterIPs(_ spec: JSON) -> [String] {
        if let list = spec["clusterIPs"]?.arrayValue, !list.isEmpty { return list.compactMap(\.stringValue) }
        return (spec["clusterIP"]?.stringValue).map { $0.isEmpty ? [] : [$0] } ?? []
    }

    static func nodePorts(_ spec: JSON) -> Set<Int64> {
        var ports = Set(CoreSupport.elements(spec, "ports").compactMap { $0["nodePort"]?.intValue }.filter { $0 > 0 })
        if let health = spec["healthCheckNodePort"]?.intValue, health > 0 { ports.insert(health) }
        return ports
    }

    static func needsNodePorts(_ spec: JSON) -> Bool {
        switch spec["type"]?.stringValue {
        case "NodePort": true
        case "LoadBalancer": spec["allocateLoadBalancerNodePorts"]?.boolValue ?? true
        default: false
        }
    }

    static func needsHealthCheckPort(_ spec: JSON) -> Bool {
        spec["type"]?.stringValue == "LoadBalancer" && spec["externalTrafficPolicy"]?.stringValue == "Local"
    }

    /// Ports match across an update by number and protocol, as upstream carries node ports over.
    static func samePort(_ left: JSON, _ right: JSON) -> Bool {
        left["port"] == right["port"] && (left["protocol"] ?? "TCP") == (right["protocol"] ?? "TCP")
    }

    // MARK: Cluster IPs

    private static func allocateClusterIP(
        _ spec: inout JSON, oldSpec: JSON?, inUse: ServiceAddressesInUse, network: ServiceNetwork,
        random: (UInt64) -> UInt64
    ) throws(ServiceAllocationError) {
        guard spec["type"]?.stringValue != "ExternalName" else {
            for field in ["clusterIPs", "ipFamilies", "ipFamilyPolicy"] { spec[field] = nil }
            return
        }
        let requested = clusterIPs(spec).first ?? ""
        if requested == "None" {
            spec["clusterIP"] = "None"
            spec["clusterIPs"] = ["None"]
            return
        }
        let address: UInt32
        if requested.isEmpty {
            address = try freeClusterIP(inUse: inUse, network: network, random: random)
        } else {
            guard let parsed = IPv4Network.parseAddress(requested) else {
                throw .invalid([
                    .invalid("spec.clusterIPs[0]", .string(requested), "must be a valid IP address, (e.g. 10.9.8.7)")
                ])
            }
            if requested != oldSpec.flatMap({ clusterIPs($0).first }) {
                try checkRequested(parsed, text: requested, inUse: inUse, network: network)
            }
            address = parsed
        }
        let text = JSON.string(IPv4Network.format(address))
        spec["clusterIP"] = text
        spec["clusterIPs"] = [text]
    }

    private static func checkRequested(
        _ address: UInt32, text: String, inUse: ServiceAddressesInUse, network: ServiceNetwork
    ) throws(ServiceAllocationError) {
        let range = network.clusterIPRange
        let problem: String
        if !(range.usable?.contains(address) ?? false) {
            problem = "the provided IP (\(text)) is not in the valid range. The range of valid IPs is \(range)"
        } else if inUse.clusterIPs.contains(address) {
            problem = "provided IP is already allocated"
        } else {
            return
        }
        throw .invalid([.invalid("spec.clusterIPs", [.string(text)], "failed to allocate IP \(text): \(problem)")])
    }

    /// A random free address, scanning on from the random start so a nearly full range still finds
    /// a hole; random (as upstream) so that addresses are not reused in creation order.
    private static func freeClusterIP(
        inUse: ServiceAddressesInUse, network: ServiceNetwork, random: (UInt64) -> UInt64
    ) throws(ServiceAllocationError) -> UInt32 {
        let full = ServiceAllocationError.rangeFull("failed to allocate a serviceIP: range is full")
        guard let usable = network.clusterIPRange.usable else { throw full }
        // The first address belongs to the `kubernetes` service; it is only handed out on request.
        let low = UInt64(usable.lowerBound) + 1
        let count = UInt64(usable.upperBound) + 1 - low
        guard count > 0 else { throw full }
        let start = random(count)
        for step in 0..<count {
            let candidate = UInt32(low + (start + step) % count)
            if !inUse.clusterIPs.contains(candidate) { return candidate }
        }
        throw full
    }

    // MARK: Node ports

    private static func nodePortProblem(
        _ number: Int64, taken: ServiceAddressesInUse, network: ServiceNetwork
    )
        -> String?
    {
        let range = network.nodePortRange
        if !range.contains(number) {
            return
                "provided port is not in the valid range. The range of valid ports is \(range.lowerBound)-\(range.upperBound)"
        }
        return taken.nodePorts.contains(number) ? "provided port is already allocated" : nil
    }

    private static func freeNodePort(
        taken: ServiceAddressesInUse, network: ServiceNetwork, random: (UInt64) -> UInt64
    ) throws(ServiceAllocationError) -> Int64 {
        let range = network.nodePortRange
        let count = UInt64(range.upperBound - range.lowerBound + 1)
        let start = random(count)
        for step in 0..<count {
            let candidate = range.lowerBound + Int64((start + step) % count)
            if !taken.nodePorts.contains(candidate) { return candidate }
        }
        throw .rangeFull("failed to allocate a nodePort: range is full")
    }
}
