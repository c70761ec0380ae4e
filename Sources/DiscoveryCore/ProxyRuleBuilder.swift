/// Accumulates the filter and nat rules for one snapshot; `ProxyRules.build` drives it in a sorted
/// order so that the same snapshot always renders the same text.
struct ProxyRuleBuilder {
    let node: ProxyNode
    private var filterChains: Set<String> = [
        ProxyChainName.services, ProxyChainName.externalServices, ProxyChainName.forward,
    ]
    private var natChains: Set<String> = [
        ProxyChainName.services, ProxyChainName.nodePorts, ProxyChainName.postrouting, ProxyChainName.markMasquerade,
    ]
    private var filterRules: [String] = []
    private var natRules: [String] = []

    init(node: ProxyNode) { self.node = node }

    /// One service port or Marathon service port, reduced to what the rules need.
    private struct Portal {
        var key: String
        var label: String
        var proto: TransportProtocol
        var backends: [(ip: String, port: Int)]
        var affinitySeconds: Int?
    }

    func ruleSet() -> ProxyRuleSet {
        ProxyRuleSet(
            filter: ProxyTable(name: "filter", chains: filterChains.sorted(), rules: filterRules),
            nat: ProxyTable(name: "nat", chains: natChains.sorted(), rules: natRules))
    }

    private var mark: String {
        let hex = "0x" + String(node.masqueradeBit, radix: 16)
        return "\(hex)/\(hex)"
    }

    mutating func addFixedRules() {
        let bit = "0x" + String(node.masqueradeBit, radix: 16)
        natRules += [
            "-A MK-POSTROUTING -m mark ! --mark \(mark) -j RETURN",
            // Cleared so a packet that is re-encapsulated or re-routed is not masqueraded twice.
            "-A MK-POSTROUTING -j MARK --xor-mark \(bit)",
            "-A MK-POSTROUTING -m comment --comment \"mesokube service traffic requiring SNAT\" -j MASQUERADE --random-fully",
            "-A MK-MARK-MASQ -j MARK --or-mark \(bit)",
        ]
        // Hosts whose FORWARD policy is DROP (Docker sets it) would otherwise drop proxied traffic.
        filterRules += [
            "-A MK-FORWARD -m comment --comment \"mesokube forwarding rules\" -m mark --mark \(mark) -j ACCEPT",
            "-A MK-FORWARD -m comment --comment \"mesokube forwarding conntrack rule\""
                + " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
        ]
    }

    /// NOTE from kube-proxy, which holds here too: this must be the last rule in MK-SERVICES, so
    /// that a ClusterIP or load balancer IP that happens to be local is matched as such first.
    mutating func addNodePortsJump() {
        let text = "\"mesokube service nodeports; NOTE: this must be the last rule in this chain\""
        for match in localDestinationMatches() {
            natRules.append("-A MK-SERVICES -m comment --comment \(text) \(match) -j MK-NODEPORTS")
        }
    }

    mutating func add(_ service: ServiceEntry) {
        guard service.kind != .externalName else { return }
        let clusterIPs = unique(service.clusterIPs.filter(IPv4Text.isAddress))
        // Headless Services (and IPv6-only ones, which ip6tables would carry) get no rules.
        guard !clusterIPs.isEmpty else { return }
        let exposesNodePort = service.kind == .nodePort || service.kind == .loadBalancer
        let loadBalancerIPs =
            service.kind == .loadBalancer ? unique(service.loadBalancerIPs.filter(IPv4Text.isAddress)) : []
        let ports = service.ports.sorted { ($0.name, $0.protocol.rawValue) < ($1.name, $1.protocol.rawValue) }
        for port in ports where IPv4Text.isPort(port.port) {
            let name = service.name + (port.name.isEmpty ? "" : ":\(port.name)")
            let label = "\(service.namespace)/\(name)"
            let ready = port.backends.filter(\.ready).map { (ip: $0.ip, port: $0.port) }
            let portal = Portal(
                key: "\(label)/\(port.protocol.rawValue)", label: label, proto: port.protocol,
                backends: validBackends(ready), affinitySeconds: service.clientIPAffinitySeconds.map(affinityTimeout))
            let nodePort = exposesNodePort ? port.nodePort.flatMap { IPv4Text.isPort($0) ? $0 : nil } : nil
            addServicePort(portal, port: port.port, clusterIPs: clusterIPs, nodePort: nodePort, lbIPs: loadBalancerIPs)
        }
    }

    mutating func add(_ entry: MarathonServiceEntry) {
        guard IPv4Text.isPort(entry.servicePort) else { return }
        let label = "marathon \(entry.appID):\(entry.servicePort)"
        let portal = Portal(
            key: "marathon|\(entry.appID)|\(entry.servicePort)/\(entry.protocol.rawValue)", label: label,
            proto: entry.protocol, backends: validBackends(entry.backends.map { (ip: $0.ip, port: $0.port) }),
            affinitySeconds: nil)
        guard !portal.backends.isEmpty else {
            rejectLocally(portal, port: entry.servicePort)
            return
        }
        let external = addExternalChain(portal)
        natRules.append(
            "-A MK-NODEPORTS \(portMatch(portal, entry.servicePort, comment: portal.label)) -j \(external)")
        addEndpoints(portal, into: ProxyChainName.service(portal.key))
    }

    private mutating func addServicePort(
        _ portal: Portal, port: Int, clusterIPs: [String], nodePort: Int?, lbIPs: [String]
    ) {
        guard !portal.backends.isEmpty else {
            guard node.rejectWithoutEndpoints else { return }
            let reason = "\(portal.label) has no endpoints"
            for ip in clusterIPs + lbIPs {
                let chain = clusterIPs.contains(ip) ? "MK-SERVICES" : "MK-EXTERNAL-SERVICES"
                filterRules.append("-A \(chain) -d \(ip)/32 \(portMatch(portal, port, comment: reason)) \(reject)")
            }
            if let nodePort { rejectLocally(portal, port: nodePort) }
            return
        }
        let service = ProxyChainName.service(portal.key)
        natChains.insert(service)
        for ip in clusterIPs {
            let match = "-d \(ip)/32 \(portMatch(portal, port, comment: "\(portal.label) cluster IP"))"
            natRules.append("-A MK-SERVICES \(match) -j \(service)")
            // Off-cluster clients must see replies come from the ClusterIP, so their traffic goes
            // back through this node: masquerade it (all of it with masqueradeAll).
            if node.masqueradeAll {
                natRules.append("-A \(service) \(match) -j MK-MARK-MASQ")
            } else if let cidr = node.clusterCIDR, IPv4Text.isCIDR(cidr) {
                natRules.append("-A \(service) ! -s \(cidr) \(match) -j MK-MARK-MASQ")
            }
        }
        if nodePort != nil || !lbIPs.isEmpty {
            let external = addExternalChain(portal)
            if let nodePort {
                natRules.append("-A MK-NODEPORTS \(portMatch(portal, nodePort, comment: portal.label)) -j \(external)")
            }
            for ip in lbIPs {
                let match = portMatch(portal, port, comment: "\(portal.label) loadbalancer IP")
                natRules.append("-A MK-SERVICES -d \(ip)/32 \(match) -j \(external)")
            }
        }
        addEndpoints(portal, into: service)
    }

    /// MK-EXT-*: traffic from outside the pod network (externalTrafficPolicy: Cluster) is always
    /// masqueraded, so an endpoint on another node replies through this one; then MK-SVC-*.
    private mutating func addExternalChain(_ portal: Portal) -> String {
        let external = ProxyChainName.external(portal.key)
        let service = ProxyChainName.service(portal.key)
        natChains.insert(external)
        natChains.insert(service)
        let text = quoted("masquerade traffic for \(portal.label) external destinations")
        natRules += ["-A \(external) -m comment --comment \(text) -j MK-MARK-MASQ", "-A \(external) -j \(service)"]
        return external
    }

    /// The spread over endpoints: with n endpoints the i-th rule (from 0) takes 1/(n-i) of what is
    /// left, the last takes the rest, so each gets 1/n of new connections. ClientIP affinity first
    /// sends a client seen within the timeout back to its endpoint (`recent --rcheck`).
    private mutating func addEndpoints(_ portal: Portal, into service: String) {
        let endpoints = portal.backends.map { ProxyChainName.endpoint(portal.key, ip: $0.ip, port: $0.port) }
        if let seconds = portal.affinitySeconds {
            for (index, endpoint) in endpoints.enumerated() {
                natRules.append(
                    "-A \(service) -m comment --comment \(quoted(arrow(portal, index)))"
                        + " -m recent --name \(endpoint) --rcheck --seconds \(seconds) --reap -j \(endpoint)")
            }
        }
        for (index, endpoint) in endpoints.enumerated() {
            let remaining = endpoints.count - index
            let spread =
                remaining > 1
                ? " -m statistic --mode random --probability \(ProxyChainName.probability(oneIn: remaining))" : ""
            natRules.append(
                "-A \(service) -m comment --comment \(quoted(arrow(portal, index)))\(spread) -j \(endpoint)")
        }
        for (backend, endpoint) in zip(portal.backends, endpoints) {
            natChains.insert(endpoint)
            let text = quoted(portal.label)
            let proto = portal.proto.rawValue
            let remember =
                portal.affinitySeconds == nil
                ? "" : " -m recent --set --name \(endpoint) --mask 255.255.255.255 --rsource"
            natRules += [
                // Hairpin: a pod reaching itself through its Service must see the reply come from the
                // Service, which only masquerading the request achieves.
                "-A \(endpoint) -m comment --comment \(text) -s \(backend.ip)/32 -j MK-MARK-MASQ",
                "-A \(endpoint) -m comment --comment \(text) -p \(proto)\(remember) -m \(proto)"
                    + " -j DNAT --to-destination \(backend.ip):\(backend.port)",
            ]
        }
    }

    private mutating func rejectLocally(_ portal: Portal, port: Int) {
        guard node.rejectWithoutEndpoints else { return }
        for match in localDestinationMatches() {
            let rule = portMatch(portal, port, comment: "\(portal.label) has no endpoints")
            filterRules.append("-A MK-EXTERNAL-SERVICES \(match) \(rule) \(reject)")
        }
    }

    private var reject: String { "-j REJECT --reject-with icmp-port-unreachable" }

    private func localDestinationMatches() -> [String] {
        let addresses = unique(node.nodePortAddresses.filter(IPv4Text.isAddress))
        if addresses.isEmpty { return ["-m addrtype --dst-type LOCAL"] }
        return addresses.map { "-d \($0)/32" }
    }

    private func portMatch(_ portal: Portal, _ port: Int, comment: String) -> String {
        let proto = portal.proto.rawValue
        return "-p \(proto) -m comment --comment \(quoted(comment)) -m \(proto) --dport \(port)"
    }

    private func arrow(_ portal: Portal, _ index: Int) -> String {
        let backend = portal.backends[index]
        return "\(portal.label) -> \(backend.ip):\(backend.port)"
    }

    private func validBackends(_ backends: [(ip: String, port: Int)]) -> [(ip: String, port: Int)] {
        var seen: Set<String> = []
        return
            backends
            .filter {
                IPv4Text.isAddress($0.ip) && IPv4Text.isPort($0.port) && seen.insert("\($0.ip):\($0.port)").inserted
            }
            .sorted { ($0.ip, $0.port) < ($1.ip, $1.port) }
    }

    /// Kubernetes allows 1...86400 seconds and defaults to 10800 (three hours).
    private func affinityTimeout(_ seconds: Int) -> Int { (1...86400).contains(seconds) ? seconds : 10800 }

    private func unique(_ values: [String]) -> [String] {
        var seen: Set<String> = []
        return values.filter { seen.insert($0).inserted }
    }

    /// A double-quoted comment for iptables-restore, which cannot escape quotes: they, backslashes
    /// and control characters become `_`; iptables limits comments to 256 bytes.
    private func quoted(_ text: String) -> String {
        let safe = String(text.map { $0 == "\"" || $0 == "\\" || ($0.asciiValue ?? 0) < 32 ? "_" : $0 }.prefix(250))
        return "\"\(safe)\""
    }
}
