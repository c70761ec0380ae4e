// What one agent's pod network is called on the host, and how it reconciles what it finds
// there after a restart. Pure: `PodNetwork` does the I/O.

/// One agent's pod network. Several agents share a host in tests (and may in production), so
/// every host-wide name — bridge, namespaces, veths — comes from here, never from a constant.
public struct PodNetworkConfiguration: Sendable, Equatable {
    /// Where iproute2 keeps named network namespaces (compiled into `ip`, not configurable).
    public static let namespaceDirectory = "/var/run/netns"
    /// The pod's end of its veth pair, as CNI's bridge plugin names it.
    public static let podInterface = "eth0"

    /// The Linux bridge the pods' veths are attached to; it holds the gateway address.
    public var bridgeName: String
    /// This agent's pod CIDR.
    public var subnet: IPv4Subnet
    /// Pod namespaces are `<prefix><pod id>`. Prefixes of agents on one host must differ and
    /// neither may start with the other's, or `recover()` would list the other agent's pods.
    public var namespacePrefix: String
    /// The pool's JSON state, in the agent's work directory.
    public var stateFile: String
    /// The bridge's MTU; nil leaves the kernel's (1500, or what the bridge already has).
    /// The veths always take the bridge's.
    public var mtu: Int?
    /// The `ip` binary (iproute2).
    public var ipCommand: String

    public init(
        subnet: IPv4Subnet, stateFile: String, bridgeName: String = "mk0", namespacePrefix: String = "mk-",
        mtu: Int? = nil, ipCommand: String = "ip"
    ) {
        self.subnet = subnet
        self.stateFile = stateFile
        self.bridgeName = bridgeName
        self.namespacePrefix = namespacePrefix
        self.mtu = mtu
        self.ipCommand = ipCommand
    }

    /// Interface names are at most 15 bytes (IFNAMSIZ) and must not contain '/', ':' or blanks.
    public func validate() throws(PodNetworkError) {
        guard Self.isInterfaceName(bridgeName) else {
            throw .invalidConfiguration(
                "bridge name '\(bridgeName)' must be 1 to 15 letters, digits, '-', '_' or '.'")
        }
        guard !namespacePrefix.isEmpty, namespacePrefix.utf8.count <= 64, Self.isSafeName(namespacePrefix) else {
            throw .invalidConfiguration(
                "network namespace prefix '\(namespacePrefix)' must be 1 to 64 letters, digits, '-', '_' or '.'")
        }
        if let mtu, !(68...65535).contains(mtu) {
            throw .invalidConfiguration("MTU \(mtu) is outside 68...65535")
        }
        _ = try PodAddressPool(subnet: subnet)
    }

    /// The pod's named network namespace: `ip netns` name and path.
    public func namespaceName(podID: String) throws(PodNetworkError) -> String {
        // Pod ids become file names under /var/run/netns; Kubernetes pod UIDs always pass.
        guard !podID.isEmpty, podID.utf8.count <= 128, podID != ".", podID != "..", Self.isSafeName(podID) else {
            throw .invalidPodID("pod id '\(podID)' must be 1 to 128 letters, digits, '-', '_' or '.'")
        }
        return namespacePrefix + podID
    }

    public func namespacePath(podID: String) throws(PodNetworkError) -> String {
        let name = try namespaceName(podID: podID)
        return Self.namespaceDirectory + "/" + name
    }

    /// The pod pair's host end. A pod id does not fit in 15 bytes, so the name is a hash of
    /// the namespace name (which carries the agent's prefix): deterministic, so a tear-down
    /// after a crash finds the veth of a half-created pod without any record of it.
    public func hostInterface(podID: String) throws(PodNetworkError) -> String {
        let name = try namespaceName(podID: podID)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a, 64 bits
        for byte in name.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let hex = String(hash >> 16, radix: 16)  // 48 bits: 12 hex digits after "mkv"
        return "mkv" + String(repeating: "0", count: 12 - hex.count) + hex
    }

    /// The pod ids of the given namespace names that carry this agent's prefix.
    public func podIDs(namespaceNames: [String]) -> Set<String> {
        Set(
            namespaceNames.compactMap { name in
                guard name.hasPrefix(namespacePrefix), name.count > namespacePrefix.count else { return nil }
                return String(name.dropFirst(namespacePrefix.count))
            })
    }

    static func isSafeName(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII
                && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                    || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_" || scalar == ".")
        }
    }

    static func isInterfaceName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 15 && text != "." && text != ".." && isSafeName(text)
    }
}

/// A pod's place on the network: what the kubelet passes to its containers and reports in
/// the pod's status.
public struct PodNetworkAttachment: Sendable, Equatable, Codable {
    public var podID: String
    /// `/var/run/netns/<prefix><pod id>`: every container of the pod joins this namespace.
    public var namespacePath: String
    /// The pod IP (`status.podIP`).
    public var address: IPv4Address
    public var prefixLength: Int
    public var gateway: IPv4Address
    /// The veth's host end, a port of the bridge.
    public var hostInterface: String

    public init(
        podID: String, namespacePath: String, address: IPv4Address, prefixLength: Int, gateway: IPv4Address,
        hostInterface: String
    ) {
        self.podID = podID
        self.namespacePath = namespacePath
        self.address = address
        self.prefixLength = prefixLength
        self.gateway = gateway
        self.hostInterface = hostInterface
    }
}

/// What an agent's pod network holds after a restart, for the agent to reconcile with the
/// pods it knows: keep the ones it still runs, tear down the rest.
public struct PodNetworkInventory: Sendable, Equatable {
    /// Pods with both a namespace and an address.
    public var pods: [PodNetworkAttachment]
    /// Pods with a namespace (of this agent's prefix) but no address in the pool: the state
    /// file was lost or replaced. Tear-down removes them.
    public var podIDsWithoutAddress: [String]
    /// Pods holding an address without a namespace (the host rebooted, or a tear-down stopped
    /// between deleting the namespace and releasing the address). Tear-down releases them.
    public var addressesWithoutNamespace: [String: IPv4Address]

    /// Sorts the pool's pods and the namespaces found on the host into the three groups.
    public static func reconcile(
        pool: PodAddressPool, namespacePodIDs: Set<String>, configuration: PodNetworkConfiguration
    ) -> PodNetworkInventory {
        var inventory = PodNetworkInventory(pods: [], podIDsWithoutAddress: [], addressesWithoutNamespace: [:])
        for (podID, address) in pool.allocations.sorted(by: { $0.key < $1.key }) {
            guard namespacePodIDs.contains(podID), let path = try? configuration.namespacePath(podID: podID),
                let host = try? configuration.hostInterface(podID: podID)
            else {
                inventory.addressesWithoutNamespace[podID] = address
                continue
            }
            inventory.pods.append(
                PodNetworkAttachment(
                    podID: podID, namespacePath: path, address: address, prefixLength: pool.subnet.prefixLength,
                    gateway: pool.gateway, hostInterface: host))
        }
        inventory.podIDsWithoutAddress = namespacePodIDs.filter { pool.address(of: $0) == nil }.sorted()
        return inventory
    }
}
