import Testing

@testable import DiscoveryCore

@Suite struct ProxyRulesTests {
    static let web = ServiceEntry(
        namespace: "default", name: "web", clusterIPs: ["10.96.0.20"],
        ports: [
            .init(
                name: "http", port: 80,
                backends: [
                    .init(ip: "10.244.1.7", port: 8080), .init(ip: "10.244.1.5", port: 8080),
                    .init(ip: "10.244.2.9", port: 8080),
                ])
        ])

    func render(
        _ services: [ServiceEntry], marathon: [MarathonServiceEntry] = [], node: ProxyNode = ProxyNode()
    )
        -> String
    {
        ProxyRules.render(DiscoverySnapshot(services: services, marathonServices: marathon), node: node)
    }

    func lines(_ text: String, containing part: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { $0.contains(part) }
    }

    @Test func spreadsOverReadyEndpointsWithDecreasingOdds() {
        let text = render([Self.web])
        let svc = ProxyChainName.service("default/web:http/tcp")
        #expect(
            lines(text, containing: "-A MK-SERVICES -d 10.96.0.20/32") == [
                "-A MK-SERVICES -d 10.96.0.20/32 -p tcp -m comment --comment \"default/web:http cluster IP\""
                    + " -m tcp --dport 80 -j \(svc)"
            ])
        let spread = lines(text, containing: "-A \(svc) ")
        #expect(spread.count == 3)
        #expect(
            spread[0].contains("10.244.1.5:8080\" -m statistic --mode random --probability 0.3333333333 -j MK-SEP-"))
        #expect(
            spread[1].contains("10.244.1.7:8080\" -m statistic --mode random --probability 0.5000000000 -j MK-SEP-"))
        #expect(
            spread[2].hasSuffix(
                "10.244.2.9:8080\" -j " + ProxyChainName.endpoint("default/web:http/tcp", ip: "10.244.2.9", port: 8080))
        )
        let sep = ProxyChainName.endpoint("default/web:http/tcp", ip: "10.244.1.5", port: 8080)
        #expect(
            lines(text, containing: "-A \(sep) ") == [
                "-A \(sep) -m comment --comment \"default/web:http\" -s 10.244.1.5/32 -j MK-MARK-MASQ",
                "-A \(sep) -m comment --comment \"default/web:http\" -p tcp -m tcp -j DNAT --to-destination 10.244.1.5:8080",
            ])
        #expect(text.contains(":\(sep) - [0:0]\n"))
    }

    @Test func probabilitiesAreOneOverRemaining() {
        #expect(ProxyChainName.probability(oneIn: 2) == "0.5000000000")
        #expect(ProxyChainName.probability(oneIn: 3) == "0.3333333333")
        #expect(ProxyChainName.probability(oneIn: 6) == "0.1666666667")
        #expect(ProxyChainName.probability(oneIn: 1000) == "0.0010000000")
    }

    @Test func notReadyEndpointsGetNoTraffic() {
        var service = Self.web
        service.ports[0].backends[1].ready = false  // 10.244.1.5
        let text = render([service])
        #expect(!text.contains("10.244.1.5"))
        let svc = ProxyChainName.service("default/web:http/tcp")
        let spread = lines(text, containing: "-A \(svc) ")
        #expect(spread.count == 2)
        #expect(spread[0].contains("--probability 0.5000000000"))
        #expect(!spread[1].contains("statistic"))
    }

    @Test func noReadyEndpointsRejectInTheFilterTable() {
        var service = Self.web
        service.kind = .nodePort
        service.ports[0].nodePort = 30080
        for index in service.ports[0].backends.indices { service.ports[0].backends[index].ready = false }
        let text = render([service])
        #expect(!text.contains("MK-SVC-"))
        #expect(!text.contains("MK-SEP-"))
        #expect(
            text.contains(
                "-A MK-SERVICES -d 10.96.0.20/32 -p tcp -m comment --comment \"default/web:http has no endpoints\""
                    + " -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable"))
        #expect(
            text.contains(
                "-A MK-EXTERNAL-SERVICES -m addrtype --dst-type LOCAL -p tcp -m comment --comment"
                    + " \"default/web:http has no endpoints\" -m tcp --dport 30080 -j REJECT"))
        let quiet = render([service], node: ProxyNode(rejectWithoutEndpoints: false))
        #expect(!quiet.contains("REJECT"))
    }

    @Test func clientIPAffinityChecksRecentBeforeTheSpreadAndSetsItOnDNAT() {
        var service = Self.web
        service.clientIPAffinitySeconds = 600
        let text = render([service])
        let svc = ProxyChainName.service("default/web:http/tcp")
        let rules = lines(text, containing: "-A \(svc) ")
        #expect(rules.count == 6)
        for rule in rules.prefix(3) {
            let sep = String(rule.split(separator: " ").last!)
            #expect(rule.contains("-m recent --name \(sep) --rcheck --seconds 600 --reap -j \(sep)"))
        }
        for rule in rules.suffix(3) { #expect(!rule.contains("recent")) }
        let sep = ProxyChainName.endpoint("default/web:http/tcp", ip: "10.244.2.9", port: 8080)
        #expect(
            text.contains(
                "-A \(sep) -m comment --comment \"default/web:http\" -p tcp -m recent --set --name \(sep)"
                    + " --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.244.2.9:8080"))
        service.clientIPAffinitySeconds = 0
        #expect(render([service]).contains("--seconds 10800 --reap"))
    }

    @Test func nodePortsGoThroughAMasqueradingExternalChain() {
        var service = Self.web
        service.kind = .nodePort
        service.ports[0].nodePort = 30080
        let text = render([service])
        let ext = ProxyChainName.external("default/web:http/tcp")
        let svc = ProxyChainName.service("default/web:http/tcp")
        #expect(
            text.contains(
                "-A MK-NODEPORTS -p tcp -m comment --comment \"default/web:http\" -m tcp --dport 30080 -j \(ext)\n"))
        #expect(
            lines(text, containing: "-A \(ext) ") == [
                "-A \(ext) -m comment --comment \"masquerade traffic for default/web:http external destinations\""
                    + " -j MK-MARK-MASQ",
                "-A \(ext) -j \(svc)",
            ])
        // The NodePort jump is the last rule of MK-SERVICES.
        let services = lines(text, containing: "-A MK-SERVICES ")
        #expect(services.last?.hasSuffix("-m addrtype --dst-type LOCAL -j MK-NODEPORTS") == true)
        // A ClusterIP Service has no NodePort even if the field is set.
        service.kind = .clusterIP
        #expect(!render([service]).contains("--dport 30080"))
    }

    @Test func nodePortAddressesReplaceTheLocalMatch() {
        var service = Self.web
        service.kind = .nodePort
        service.ports[0].nodePort = 30080
        let text = render([service], node: ProxyNode(nodePortAddresses: ["192.168.1.4", "bogus", "127.0.0.1"]))
        #expect(!text.contains("addrtype"))
        #expect(text.contains("-A MK-SERVICES -m comment --comment \"mesokube service nodeports; NOTE: this must be"))
        #expect(lines(text, containing: "-j MK-NODEPORTS").count == 2)
        #expect(lines(text, containing: "-d 192.168.1.4/32 -j MK-NODEPORTS").count == 1)
    }

    @Test func loadBalancerIngressIPsUseTheServicePort() {
        var service = Self.web
        service.kind = .loadBalancer
        service.ports[0].nodePort = 31000
        service.loadBalancerIPs = ["203.0.113.10", "2001:db8::1"]
        let text = render([service])
        let ext = ProxyChainName.external("default/web:http/tcp")
        #expect(
            text.contains(
                "-A MK-SERVICES -d 203.0.113.10/32 -p tcp -m comment --comment \"default/web:http loadbalancer IP\""
                    + " -m tcp --dport 80 -j \(ext)"))
        #expect(text.contains("--dport 31000 -j \(ext)"))
        #expect(!text.contains("2001:db8"))
    }

    @Test func clusterTrafficFromOutsideThePodNetworkIsMasqueraded() {
        let svc = ProxyChainName.service("default/web:http/tcp")
        let cidr = render([Self.web], node: ProxyNode(clusterCIDR: "10.244.0.0/16"))
        #expect(
            cidr.contains(
                "-A \(svc) ! -s 10.244.0.0/16 -d 10.96.0.20/32 -p tcp -m comment --comment"
                    + " \"default/web:http cluster IP\" -m tcp --dport 80 -j MK-MARK-MASQ"))
        let all = render([Self.web], node: ProxyNode(masqueradeAll: true))
        #expect(all.contains("-A \(svc) -d 10.96.0.20/32 -p tcp"))
        #expect(!render([Self.web]).contains("-A \(svc) -d 10.96.0.20/32"))
        // The masquerade rule comes before the spread, or it would never be reached.
        let rules = lines(cidr, containing: "-A \(svc) ")
        #expect(rules.first?.contains("MK-MARK-MASQ") == true)
    }

    @Test func marathonServicePortsBalanceOnEveryLocalAddress() {
        let app = MarathonServiceEntry(
            appID: "/shop/web", servicePort: 10001,
            backends: [.init(ip: "10.0.0.3", port: 31002), .init(ip: "10.0.0.2", port: 31001)])
        let dns = MarathonServiceEntry(appID: "/dns", servicePort: 10053, protocol: .udp, backends: [])
        let text = render([], marathon: [app, dns])
        let key = "marathon|/shop/web|10001/tcp"
        let ext = ProxyChainName.external(key)
        let svc = ProxyChainName.service(key)
        #expect(
            text.contains(
                "-A MK-NODEPORTS -p tcp -m comment --comment \"marathon /shop/web:10001\" -m tcp --dport 10001 -j \(ext)"
            ))
        let spread = lines(text, containing: "-A \(svc) ")
        #expect(spread.count == 2)
        #expect(spread[0].contains("10.0.0.2:31001\" -m statistic --mode random --probability 0.5000000000"))
        #expect(
            text.contains(
                "-A MK-EXTERNAL-SERVICES -m addrtype --dst-type LOCAL -p udp -m comment --comment"
                    + " \"marathon /dns:10053 has no endpoints\" -m udp --dport 10053 -j REJECT"))
        let udp = render(
            [],
            marathon: [
                MarathonServiceEntry(
                    appID: "/dns", servicePort: 53, protocol: .udp, backends: [.init(ip: "10.0.0.2", port: 31053)])
            ])
        #expect(udp.contains("-p udp -m udp -j DNAT --to-destination 10.0.0.2:31053"))
    }

    @Test func headlessExternalNameAndInvalidValuesGetNoRules() {
        let headless = ServiceEntry(
            namespace: "default", name: "db",
            ports: [.init(name: "", port: 5432, backends: [.init(ip: "10.244.1.2", port: 5432)])])
        let external = ServiceEntry(namespace: "default", name: "ext", kind: .externalName, externalName: "example.org")
        var broken = Self.web
        broken.clusterIPs = ["10.96.0.30", "10.96.0.300", "fd00::1"]
        broken.ports[0].backends = [
            .init(ip: "10.244.1.5\n-A X", port: 8080), .init(ip: "10.244.1.6", port: 0),
            .init(ip: "10.244.1.8", port: 8080),
            .init(ip: "10.244.1.8", port: 8080),
        ]
        let text = render([headless, external, broken])
        #expect(!text.contains("default/db"))
        #expect(!text.contains("default/ext"))
        #expect(!text.contains("10.96.0.300"))
        #expect(!text.contains("fd00"))
        #expect(!text.contains("-A X"))
        #expect(lines(text, containing: "-j DNAT").count == 1)
        #expect(lines(text, containing: "-d 10.96.0.30/32").count == 1)
    }

    @Test func chainNamesAreStableShortAndDistinct() {
        let name = ProxyChainName.service("default/web:http/tcp")
        #expect(name == ProxyChainName.service("default/web:http/tcp"))
        #expect(name.count == 23)
        #expect(name.count <= 28)
        // A fixed value: changing the hash would rename every chain on upgrade.
        #expect(ProxyChainName.hash("") == "V3FFGWJM3KD455FV")
        #expect(name.dropFirst(7).allSatisfy { "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".contains($0) })
        #expect(ProxyChainName.service("default/web:http/udp") != name)
        #expect(ProxyChainName.service("default/web:https/tcp") != name)
        #expect(
            ProxyChainName.endpoint("k", ip: "10.0.0.1", port: 80)
                != ProxyChainName.endpoint("k", ip: "10.0.0.1", port: 81))
    }

    @Test func outputIsSortedAndIndependentOfInputOrder() {
        let other = ServiceEntry(
            namespace: "apps", name: "api", clusterIPs: ["10.96.0.9"],
            ports: [
                .init(name: "grpc", port: 9090, backends: [.init(ip: "10.244.3.1", port: 9090)]),
                .init(name: "dns", protocol: .udp, port: 53, backends: [.init(ip: "10.244.3.1", port: 53)]),
            ])
        var reversed = Self.web
        reversed.ports[0].backends.reverse()
        let first = render([Self.web, other])
        #expect(first == render([other, reversed]))
        for table in first.split(separator: "COMMIT\n") {
            let chains = table.split(separator: "\n").filter { $0.hasPrefix(":") }
            #expect(chains == chains.sorted())
        }
        let services = lines(first, containing: "-A MK-SERVICES -d")
        #expect(services.map { $0.contains("apps/api") } == [true, true, false])
    }

    @Test func staleChainsAreFlushedThenDeletedAndForeignOnesLeftAlone() {
        let rules = ProxyRules.build(DiscoverySnapshot(services: [Self.web]), node: ProxyNode())
        let save = """
            # Generated by iptables-save
            *nat
            :PREROUTING ACCEPT [0:0]
            :KUBE-SERVICES - [0:0]
            :MK-SERVICES - [0:0]
            :MK-SVC-OLDOLDOLDOLDOLD - [0:0]
            -A PREROUTING -j MK-SERVICES
            COMMIT
            *filter
            :MK-FORWARD - [0:0]
            COMMIT
            """
        let owned = ProxyRules.ownedChains(inSave: save)
        #expect(owned == ["nat": ["MK-SERVICES", "MK-SVC-OLDOLDOLDOLDOLD"], "filter": ["MK-FORWARD"]])
        let input = rules.restoreInput(stale: owned)
        #expect(input.contains(":MK-SVC-OLDOLDOLDOLDOLD - [0:0]\n"))
        #expect(input.hasSuffix("-X MK-SVC-OLDOLDOLDOLDOLD\nCOMMIT\n"))
        #expect(!input.contains("KUBE-"))
        #expect(!input.contains("-X MK-SERVICES"))
        #expect(input.hasPrefix("*filter\n"))
    }

    @Test func fixedChainsMasqueradeMarkedTraffic() {
        let text = render([], node: ProxyNode(masqueradeBit: 0x8000))
        #expect(
            lines(text, containing: "-A MK-POSTROUTING") == [
                "-A MK-POSTROUTING -m mark ! --mark 0x8000/0x8000 -j RETURN",
                "-A MK-POSTROUTING -j MARK --xor-mark 0x8000",
                "-A MK-POSTROUTING -m comment --comment \"mesokube service traffic requiring SNAT\""
                    + " -j MASQUERADE --random-fully",
            ])
        #expect(text.contains("-A MK-MARK-MASQ -j MARK --or-mark 0x8000\n"))
        #expect(
            text.contains(
                "-A MK-FORWARD -m comment --comment \"mesokube forwarding rules\" -m mark --mark 0x8000/0x8000 -j ACCEPT"
            ))
        #expect(ProxyRules.jumps.filter { $0.table == "nat" }.map(\.chain) == ["PREROUTING", "OUTPUT", "POSTROUTING"])
    }

    @Test func commentsCannotBreakOutOfTheirQuotes() {
        let app = MarathonServiceEntry(
            appID: "/a\"b\n-A INPUT", servicePort: 10002, backends: [.init(ip: "10.0.0.2", port: 31000)])
        let text = render([], marathon: [app])
        #expect(text.contains("\"marathon /a_b_-A INPUT:10002\""))
        #expect(!text.contains("\n-A INPUT"))
    }
}
