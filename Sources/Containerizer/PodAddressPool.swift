// The pod network's pure core: addresses, subnets and the agent's pool of pod addresses.
// No Foundation, no clock, no randomness and no I/O: `PodNetwork` loads and stores the pool
// and acts on what it decides, so every rule here is testable as plain values.

/// An IPv4 address, stored as its 32-bit number and written as dotted quads.
public struct IPv4Address: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public let value: UInt32

    public init(_ value: UInt32) { self.value = value }

    /// Strict dotted quads: four decimal octets, no leading zeros (which some parsers read as octal).
    public init?(_ text: String) {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard !octet.isEmpty, octet.count <= 3, octet.allSatisfy({ ("0"..."9").contains($0) }),
                let number = UInt32(octet), number <= 255, octet.count == 1 || octet.first != "0"
            else { return nil }
            value = value << 8 | number
        }
        self.value = value
    }

    public var description: String { [24, 16, 8, 0].map { String(value >> UInt32($0) & 0xFF) }.joined(separator: ".") }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }

    // Persisted as text so that the agent's state file reads like `ip addr` output.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = IPv4Address(text) else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath, debugDescription: "'\(text)' is not an IPv4 address"))
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// An IPv4 network in CIDR notation, such as an agent's pod CIDR `10.244.1.0/24`.
public struct IPv4Subnet: Hashable, Sendable, CustomStringConvertible, Codable {
    public let network: IPv4Address
    public let prefixLength: Int

    /// Refuses host bits (`10.244.1.5/24`): a pod CIDR names a network, and accepting it
    /// would hide a typo in the agent's configuration.
    public init(_ text: String) throws(PodNetworkError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPv4Address(String(parts[0])), let length = Int(parts[1]),
            (0...32).contains(length)
        else { throw .invalidSubnet("'\(text)' is not an IPv4 CIDR such as 10.244.1.0/24") }
        let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << UInt32(32 - length)
        guard address.value & ~mask == 0 else {
            throw .invalidSubnet(
                "'\(text)' has host bits set; the network is \(IPv4Address(address.value & mask))/\(length)")
        }
        network = address
        prefixLength = length
    }

    public var description: String { "\(network)/\(prefixLength)" }

    /// Number of addresses, network and broadcast included.
    public var size: UInt64 { UInt64(1) << UInt64(32 - prefixLength) }

    public var broadcast: IPv4Address { IPv4Address(UInt32(UInt64(network.value) + size - 1)) }

    public func contains(_ address: IPv4Address) -> Bool {
        UInt64(address.value) >= UInt64(network.value) && UInt64(address.value) < UInt64(network.value) + size
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try IPv4Subnet(text) } catch {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "\(error)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Why the pod network refused or failed; `description` is meant for a pod's status message.
public enum PodNetworkError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidSubnet(String)
    case invalidPodID(String)
    case invalidConfiguration(String)
    /// Every address of the pod CIDR is held by a pod.
    case exhausted(String)
    /// The state file cannot be read or does not belong to this configuration.
    case stateUnusable(String)
    /// An `ip` command, a sysctl or a state write failed.
    case commandFailed(String)

    public var description: String {
        switch self {
        case .invalidSubnet(let message), .invalidPodID(let message), .invalidConfiguration(let message),
            .exhausted(let message), .stateUnusable(let message), .commandFailed(let message):
            return message
        }
    }
}

/// The addresses of one agent's pod CIDR and which pod holds each, as CNI's host-local IPAM
/// keeps them. The first address after the network is the bridge's (the pods' gateway); pods
/// get the others, the broadcast address excluded.
///
/// Allocation goes round-robin — the next free address after the last one handed out,
/// wrapping at the end — as host-local does, rather than the lowest free one: a released
/// address then stays unused for as long as possible, so a new pod does not inherit the
/// connections, ARP entries and endpoint records that still point at a pod that just died.
public struct PodAddressPool: Equatable, Sendable, Codable {
    public let subnet: IPv4Subnet
    /// Pod id → address.
    public private(set) var allocations: [String: IPv4Address]
    /// Where the round-robin search resumes (the search starts after it).
    public private(set) var lastAllocated: IPv4Address?

    /// Refuses subnets smaller than a /30, which have no room for a gateway and one pod.
    public init(subnet: IPv4Subnet) throws(PodNetworkError) {
        guard subnet.prefixLength <= 30 else {
            throw .invalidSubnet("pod CIDR \(subnet) is too small: at least a /30 is needed (gateway and one pod)")
        }
        self.subnet = subnet
        self.allocations = [:]
        self.lastAllocated = nil
    }

    /// The bridge's address and every pod's default route.
    public var gateway: IPv4Address { IPv4Address(subnet.network.value + 1) }

    /// The addresses pods can get.
    public var podRange: ClosedRange<UInt32> { (gateway.value + 1)...(subnet.broadcast.value - 1) }

    public var capacity: Int { podRange.count }

    public func address(of podID: String) -> IPv4Address? { allocations[podID] }

    /// The pod's address, handing one out if it has none yet. Idempotent for a pod that
    /// already holds one, so a set-up retried after a crash keeps the pod's address.
    public mutating func allocate(podID: String) throws(PodNetworkError) -> IPv4Address {
        if let held = allocations[podID] { return held }
        let taken = Set(allocations.values)
        guard taken.count < capacity else {
            throw .exhausted(
                "pod CIDR \(subnet) is exhausted: all \(capacity) pod addresses are in use"
                    + " (remove pods or give the agent a larger CIDR)")
        }
        let range = podRange
        var candidate = range.lowerBound
        if let last = lastAllocated?.value, range.contains(last), last < range.upperBound { candidate = last + 1 }
        // The guard above ensures a free address exists, so this ends within one lap.
        while taken.contains(IPv4Address(candidate)) {
            candidate = candidate == range.upperBound ? range.lowerBound : candidate + 1
        }
        let address = IPv4Address(candidate)
        allocations[podID] = address
        lastAllocated = address
        return address
    }

    /// Gives the pod's address back; nil if it held none (releasing twice is harmless).
    @discardableResult
    public mutating func release(podID: String) -> IPv4Address? {
        allocations.removeValue(forKey: podID)
    }

    // A state file edited by hand or written for another CIDR must not hand out duplicates or
    // addresses outside the range, so decoding checks what it reads.
    private enum CodingKeys: String, CodingKey {
        case subnet, allocations, lastAllocated
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let subnet = try container.decode(IPv4Subnet.self, forKey: .subnet)
        do { self = try PodAddressPool(subnet: subnet) } catch {
            throw DecodingError.dataCorruptedError(forKey: .subnet, in: container, debugDescription: "\(error)")
        }
        let allocations = try container.decode([String: IPv4Address].self, forKey: .allocations)
        for (podID, address) in allocations where !podRange.contains(address.value) {
            throw DecodingError.dataCorruptedError(
                forKey: .allocations, in: container,
                debugDescription: "pod \(podID) holds \(address), which is not a pod address of \(subnet)")
        }
        guard Set(allocations.values).count == allocations.count else {
            throw DecodingError.dataCorruptedError(
                forKey: .allocations, in: container, debugDescription: "two pods hold the same address")
        }
        self.allocations = allocations
        self.lastAllocated = try container.decodeIfPresent(IPv4Address.self, forKey: .lastAllocated)
    }
}
