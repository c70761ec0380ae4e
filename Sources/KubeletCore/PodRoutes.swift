import KubeTypes

/// A route on this host to another node's pod network: packets for `destination` (that node's pod
/// CIDR) go to `gateway` (that node's InternalIP), whose forwarding hands them to its pod bridge.
/// This is the "host gateway" scheme: no encapsulation, so every node must reach every other
/// node's InternalIP directly (one L2 segment, or routers that carry the pod CIDRs).
public struct PodRoute: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var destination: String
    public var gateway: String

    public init(destination: String, gateway: String) {
        self.destination = destination
        self.gateway = gateway
    }

    public static func < (lhs: PodRoute, rhs: PodRoute) -> Bool {
        (lhs.destination, lhs.gateway) < (rhs.destination, rhs.gateway)
    }

    public var description: String { "\(destination) via \(gateway)" }
}

/// Which routes to other nodes' pod networks this node needs, from the Node objects alone.
public enum PodRoutes {
    public struct Plan: Equatable, Sendable {
        public var routes: [PodRoute]
        /// Nodes left out because their pod CIDR overlaps this node's or an earlier node's (by
        /// name): routing such a CIDR anywhere would send some pods' packets to the wrong node.
        public var conflicts: [String]
    }

    /// One route per other node that has an IPv4 `spec.podCIDR` and an `InternalIP` address.
    /// Nodes on this very host (their InternalIP is one of `localAddresses`: agents sharing a
    /// machine, as in `mesokube dev`) are left out: their bridges are here, and the kernel's
    /// connected routes already reach them.
    public static func plan(nodes: [JSON], nodeName: String, localAddresses: Set<String>) -> Plan {
        var plan = Plan(routes: [], conflicts: [])
        var claimed: [IPv4Network] = []
        let sorted = nodes.sorted { $0.name < $1.name }
        if let own = sorted.first(where: { $0.name == nodeName }).flatMap(podCIDR) { claimed.append(own) }
        for node in sorted where node.name != nodeName {
            guard let cidr = podCIDR(node), let address = internalIP(node), !localAddresses.contains(address)
            else { continue }
            if claimed.contains(where: { overlaps($0, cidr) }) {
                plan.conflicts.append(node.name)
                continue
            }
            claimed.append(cidr)
            plan.routes.append(PodRoute(destination: cidr.description, gateway: address))
        }
        plan.routes.sort()
        return plan
    }

    /// What to change so that `installed` (the routes this kubelet put in the table earlier)
    /// becomes `desired`: routes to add or move to another gateway, and routes to remove.
    public static func changes(
        desired: [PodRoute], installed: [PodRoute]
    ) -> (
        replace: [PodRoute], remove: [PodRoute]
    ) {
        let wanted = Set(desired)
        let destinations = Set(desired.map(\.destination))
        let replace = desired.filter { !installed.contains($0) }.sorted()
        // A route whose destination is still wanted is overwritten by `replace`, not removed.
        let remove = installed.filter { !wanted.contains($0) && !destinations.contains($0.destination) }.sorted()
        return (replace, remove)
    }

    static func podCIDR(_ node: JSON) -> IPv4Network? {
        node[path: ["spec", "podCIDR"]]?.stringValue.flatMap(IPv4Network.init)
    }

    static func internalIP(_ node: JSON) -> String? {
        let addresses = node[path: ["status", "addresses"]]?.arrayValue ?? []
        let address = addresses.first { $0["type"]?.stringValue == "InternalIP" }?["address"]?.stringValue
        return address.flatMap { IPv4Network.parseAddress($0) != nil ? $0 : nil }
    }

    static func overlaps(_ lhs: IPv4Network, _ rhs: IPv4Network) -> Bool {
        lhs.contains(rhs.base) || rhs.contains(lhs.base)
    }
}
