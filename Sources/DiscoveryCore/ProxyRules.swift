/// What the service proxy needs to know about the node it programs, besides the snapshot.
public struct ProxyNode: Sendable, Equatable {
    /// Addresses on which NodePorts and Marathon service ports answer; empty means every local
    /// address (`-m addrtype --dst-type LOCAL`, 127.0.0.1 included), kube-proxy's default for
    /// `--nodeport-addresses`.
    public var nodePortAddresses: [String]
    /// The pod network (kube-proxy's `--cluster-cidr`): ClusterIP traffic from outside it is
    /// masqueraded so replies come back through this node. Nil: only hairpin and external traffic
    /// (NodePorts, load balancer IPs, Marathon service ports) is masqueraded.
    public var clusterCIDR: String?
    /// Masquerade all traffic sent to ClusterIPs (kube-proxy's `--masquerade-all`).
    public var masqueradeAll: Bool
    /// The packet mark bit that asks MK-POSTROUTING to masquerade (kube-proxy uses 0x4000 too).
    public var masqueradeBit: UInt32
    /// Reject traffic to service ports without ready endpoints ("has no endpoints") instead of
    /// letting it time out, as kube-proxy does.
    public var rejectWithoutEndpoints: Bool

    public init(
        nodePortAddresses: [String] = [], clusterCIDR: String? = nil, masqueradeAll: Bool = false,
        masqueradeBit: UInt32 = 0x4000, rejectWithoutEndpoints: Bool = true
    ) {
        self.nodePortAddresses = nodePortAddresses
        self.clusterCIDR = clusterCIDR
        self.masqueradeAll = masqueradeAll
        self.masqueradeBit = masqueradeBit
        self.rejectWithoutEndpoints = rejectWithoutEndpoints
    }
}

/// One table's part of the rules: the chains it declares (sorted) and its rules in order.
public struct ProxyTable: Sendable, Equatable {
    public var name: String
    public var chains: [String]
    public var rules: [String]

    public init(name: String, chains: [String] = [], rules: [String] = []) {
        self.name = name
        self.chains = chains
        self.rules = rules
    }
}

/// The whole rule set for one snapshot: the filter table (rejections, forwarding of proxied
/// traffic) and the nat table (the DNAT and masquerading itself).
public struct ProxyRuleSet: Sendable, Equatable {
    public var filter: ProxyTable
    public var nat: ProxyTable

    public init(filter: ProxyTable, nat: ProxyTable) {
        self.filter = filter
        self.nat = nat
    }

    /// `iptables-restore --noflush` input. Declaring a chain flushes it, so every MK- chain is
    /// rewritten whole; `stale` chains (MK- chains found in the kernel that this rule set no longer
    /// has, per table name) are declared, thereby flushed, and deleted in the same transaction.
    public func restoreInput(stale: [String: [String]] = [:]) -> String {
        var text = ""
        for table in [filter, nat] {
            let owned = Set(table.chains)
            let removed = (stale[table.name] ?? []).filter { ProxyRules.owns($0) && !owned.contains($0) }.sorted()
            text += "*\(table.name)\n"
            for chain in table.chains + removed { text += ":\(chain) - [0:0]\n" }
            for rule in table.rules { text += rule + "\n" }
            for chain in removed { text += "-X \(chain)\n" }
            text += "COMMIT\n"
        }
        return text
    }
}

/// A rule in a built-in chain that sends traffic into ours; the shell makes sure each exists once.
public struct ProxyJump: Sendable, Equatable {
    public var table: String
    public var chain: String
    /// The rule without `-A <chain>`, as separate `iptables` arguments.
    public var rule: [String]
}

/// Renders a discovery snapshot into iptables rules, kube-proxy's iptables mode: MK-SERVICES
/// (jumped to from PREROUTING and OUTPUT) matches ClusterIPs and load balancer IPs, MK-NODEPORTS
/// (last in MK-SERVICES, local destinations only) matches NodePorts and Marathon service ports,
/// MK-SVC-* spreads new connections over ready endpoints with `statistic` rules, MK-SEP-* DNATs to
/// one endpoint, and MK-MARK-MASQ + MK-POSTROUTING masquerade what must come back through this node.
public enum ProxyRules {
    /// True for chain names this proxy owns (every one of them starts with `MK-`).
    public static func owns(_ chain: String) -> Bool { chain.hasPrefix(ProxyChainName.prefix) }

    public static func render(_ snapshot: DiscoverySnapshot, node: ProxyNode) -> String {
        build(snapshot, node: node).restoreInput()
    }

    public static func build(_ snapshot: DiscoverySnapshot, node: ProxyNode) -> ProxyRuleSet {
        var builder = ProxyRuleBuilder(node: node)
        builder.addFixedRules()
        let services = snapshot.services.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
        for service in services { builder.add(service) }
        let marathon = snapshot.marathonServices.sorted {
            ($0.appID, $0.servicePort, $0.protocol.rawValue) < ($1.appID, $1.servicePort, $1.protocol.rawValue)
        }
        for entry in marathon { builder.add(entry) }
        builder.addNodePortsJump()
        return builder.ruleSet()
    }

    /// The rules in built-in chains that lead into ours, as kube-proxy installs them.
    public static let jumps: [ProxyJump] = [
        ProxyJump(table: "nat", chain: "PREROUTING", rule: comment("mesokube service portals", jump: "MK-SERVICES")),
        ProxyJump(table: "nat", chain: "OUTPUT", rule: comment("mesokube service portals", jump: "MK-SERVICES")),
        ProxyJump(
            table: "nat", chain: "POSTROUTING", rule: comment("mesokube postrouting rules", jump: "MK-POSTROUTING")),
        ProxyJump(
            table: "filter", chain: "INPUT",
            rule: newConnections + comment("mesokube externally-visible service portals", jump: "MK-EXTERNAL-SERVICES")
        ),
        ProxyJump(
            table: "filter", chain: "FORWARD",
            rule: newConnections + comment("mesokube externally-visible service portals", jump: "MK-EXTERNAL-SERVICES")
        ),
        ProxyJump(
            table: "filter", chain: "FORWARD",
            rule: newConnections + comment("mesokube service portals", jump: "MK-SERVICES")),
        ProxyJump(
            table: "filter", chain: "FORWARD", rule: comment("mesokube forwarding rules", jump: "MK-FORWARD")),
        ProxyJump(
            table: "filter", chain: "OUTPUT",
            rule: newConnections + comment("mesokube service portals", jump: "MK-SERVICES")),
    ]

    /// MK- chains declared in `iptables-save` output, per table (`*nat` → `["MK-SERVICES", …]`).
    public static func ownedChains(inSave text: String) -> [String: [String]] {
        var table = ""
        var chains: [String: [String]] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("*") {
                table = String(line.dropFirst())
            } else if line.hasPrefix(":") {
                let name = String(line.dropFirst().prefix { $0 != " " })
                if owns(name) { chains[table, default: []].append(name) }
            }
        }
        return chains
    }

    private static let newConnections = ["-m", "conntrack", "--ctstate", "NEW"]

    private static func comment(_ text: String, jump: String) -> [String] {
        ["-m", "comment", "--comment", text, "-j", jump]
    }
}
