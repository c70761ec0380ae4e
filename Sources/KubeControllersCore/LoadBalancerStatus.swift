import KubeTypes

/// The built-in load balancer of a Mesokube cluster: every agent's service proxy answers a
/// LoadBalancer Service's port on the node's own addresses, so the Service's
/// `status.loadBalancer.ingress` lists the InternalIPs of the Ready nodes (as k3s' ServiceLB does).
public enum LoadBalancerStatus {
    /// The ingress a Service should show: node addresses for a LoadBalancer Service (sorted,
    /// `ipMode: VIP`), nothing for any other type.
    public static func desiredIngress(service: JSON, nodes: [JSON]) -> JSON {
        guard service[path: ["spec", "type"]]?.stringValue == "LoadBalancer" else { return .array([]) }
        var addresses: Set<String> = []
        for node in nodes where isReady(node) && !(node[path: ["spec", "unschedulable"]]?.boolValue ?? false) {
            for address in node[path: ["status", "addresses"]]?.arrayValue ?? []
            where address["type"]?.stringValue == "InternalIP" {
                if let ip = address["address"]?.stringValue, IPv4Network.parseAddress(ip) != nil {
                    addresses.insert(ip)
                }
            }
        }
        return .array(addresses.sorted().map { ["ip": .string($0), "ipMode": "VIP"] })
    }

    /// The Service with its status brought to `desiredIngress`, or nil when it already shows it.
    public static func update(service: JSON, nodes: [JSON]) -> JSON? {
        let desired = desiredIngress(service: service, nodes: nodes)
        let current = service[path: ["status", "loadBalancer", "ingress"]] ?? .array([])
        guard current != desired else { return nil }
        var updated = service
        var loadBalancer = JSON.emptyObject
        if desired.arrayValue?.isEmpty == false { loadBalancer["ingress"] = desired }
        updated[path: ["status", "loadBalancer"]] = loadBalancer
        return updated
    }

    static func isReady(_ node: JSON) -> Bool {
        (node[path: ["status", "conditions"]]?.arrayValue ?? []).contains { condition in
            condition["type"]?.stringValue == "Ready" && condition["status"]?.stringValue == "True"
        }
    }
}
