import Testing

@testable import DiscoveryCore

@Suite struct DNSRecordTableTests {
    static let snapshot = DiscoverySnapshot(
        version: 4,
        masters: [
            MasterEntry(ip: "10.0.0.1", port: 5050, isLeader: false),
            MasterEntry(ip: "10.0.0.2", port: 5050, isLeader: true),
        ],
        agents: [
            AgentEntry(id: "20260101-000000-S1", hostname: "node-1", ip: "10.0.1.1"),
            AgentEntry(id: "20260101-000000-S2", hostname: "node-2", ip: "10.0.1.2"),
        ],
        tasks: [
            TaskEntry(
                id: "prod_api.1111", name: "api.prod", frameworkName: "marathon", agentID: "20260101-000000-S1",
                ports: [.init(number: 31000), .init(number: 31001)]),
            TaskEntry(
                id: "web.2222", name: "web", frameworkName: "marathon", agentID: "20260101-000000-S2",
                containerIPs: ["172.17.0.5"], ports: [.init(number: 8080, protocol: .udp, name: "http")],
                portsFromDiscoveryInfo: true),
            TaskEntry(id: "lost.3333", name: "lost", frameworkName: "marathon", agentID: "gone"),
        ],
        services: [
            ServiceEntry(
                namespace: "default", name: "web", clusterIPs: ["10.96.0.20"],
                ports: [
                    .init(name: "http", port: 80, backends: [.init(ip: "10.244.1.5", port: 8080)]),
                    .init(name: "", port: 81),
                ]),
            ServiceEntry(
                namespace: "db", name: "pg", clusterIPs: [],
                ports: [
                    .init(
                        name: "sql", port: 5432,
                        backends: [
                            .init(ip: "10.244.1.7", port: 5433, hostname: "pg-0"),
                            .init(ip: "10.244.2.8", port: 5433),
                            .init(ip: "10.244.2.9", port: 5433, ready: false),
                        ])
                ]),
            ServiceEntry(namespace: "default", name: "ext", kind: .externalName, externalName: "example.com"),
        ],
        pods: [PodEntry(namespace: "default", name: "web-1", ip: "10.244.1.5")])

    let table = DNSRecordTable(snapshot: Self.snapshot, options: .init(nameserverIPs: ["10.0.0.53"]))

    private func addresses(_ name: String, rotation: Int = 0) -> [String] {
        guard case .records(let answers, _) = table.answer(name: DNSName(name), type: .a, rotation: rotation) else {
            return []
        }
        return answers.compactMap { if case .a(let ip) = $0.data { "\(ip)" } else { nil } }
    }

    private func services(_ name: String, type: DNSRecordType = .srv) -> [DNSService] {
        guard case .records(let answers, _) = table.answer(name: DNSName(name), type: type) else { return [] }
        return answers.compactMap { if case .srv(let service) = $0.data { service } else { nil } }
    }

    @Test func marathonTaskNamesAreMangledAndResolveToTheAgent() {
        #expect(addresses("api-prod.marathon.mesos.") == ["10.0.1.1"])
        #expect(addresses("API-Prod.Marathon.MESOS") == ["10.0.1.1"])
        #expect(addresses("api-prod.marathon.slave.mesos.") == ["10.0.1.1"])
    }

    @Test func aContainerIPWinsOverTheAgentButNotUnderSlave() {
        #expect(addresses("web.marathon.mesos.") == ["172.17.0.5"])
        #expect(addresses("web.marathon.slave.mesos.") == ["10.0.1.2"])
    }

    @Test func hostPortsGetSRVUnderBothProtocolsAndSubdomains() {
        let canonical = "api-prod-\(DNSLabels.taskIDHash("prod_api.1111"))-s1.marathon.slave.mesos."
        for name in [
            "_api-prod._tcp.marathon.mesos.", "_api-prod._udp.marathon.mesos.", "_api-prod._tcp.marathon.slave.mesos.",
        ] {
            let found = services(name)
            #expect(found.map(\.port).sorted() == [31000, 31001], "\(name)")
            #expect(found.allSatisfy { $0.target == DNSName(canonical) }, "\(name)")
        }
        #expect(addresses(canonical) == ["10.0.1.1"])
    }

    @Test func discoveryInfoPortsUseTheirProtocolNameAndTheNonSlaveTarget() {
        let canonical = DNSName("web-\(DNSLabels.taskIDHash("web.2222"))-s2.marathon.mesos.")
        #expect(services("_web._udp.marathon.mesos.").map(\.target) == [canonical])
        #expect(services("_http._web._udp.marathon.mesos.").map(\.port) == [8080])
        #expect(services("_web._tcp.marathon.mesos.").isEmpty)
        #expect(addresses(canonical.description) == ["172.17.0.5"])
    }

    @Test func srvAnswersCarryTheTargetsAddressAsGlue() {
        guard case .records(_, let glue) = table.answer(name: "_web._udp.marathon.mesos.", type: .srv) else {
            Issue.record("no records")
            return
        }
        #expect(glue.map(\.data) == [.a(IPv4Address(172, 17, 0, 5))])
    }

    @Test func tasksOnUnknownAgentsGetNoRecords() {
        #expect(table.answer(name: "lost.marathon.mesos.", type: .a, rotation: 0) != .notOurs)
        #expect(addresses("lost.marathon.mesos.").isEmpty)
    }

    @Test func mastersLeaderAndAgents() {
        #expect(addresses("leader.mesos.") == ["10.0.0.2"])
        #expect(addresses("master.mesos.") == ["10.0.0.1", "10.0.0.2"])
        #expect(addresses("master1.mesos.") == ["10.0.0.2"])
        #expect(addresses("slave.mesos.") == ["10.0.1.1", "10.0.1.2"])
        #expect(
            services("_leader._tcp.mesos.") == [DNSService(priority: 0, weight: 0, port: 5050, target: "leader.mesos.")]
        )
        #expect(services("_leader._udp.mesos.").count == 1)
        #expect(services("_master._tcp.mesos.").map(\.target) == ["master0.mesos.", "master1.mesos."])
        #expect(addresses("ns1.mesos.") == ["10.0.0.53"])
    }

    @Test func zoneApexHasSOAAndNS() {
        guard case .records(let answers, _) = table.answer(name: "mesos.", type: .soa),
            case .soa(let soa) = answers.first?.data
        else {
            Issue.record("no SOA")
            return
        }
        #expect(soa.primaryNameServer == "ns1.mesos.")
        #expect(soa.serial == 4)
        guard case .records(let ns, let glue) = table.answer(name: "cluster.local.", type: .ns) else {
            Issue.record("no NS")
            return
        }
        #expect(ns.map(\.data) == [.ns("ns.dns.cluster.local.")])
        #expect(glue.map(\.data) == [.a(IPv4Address(10, 0, 0, 53))])
    }

    @Test func rotationTurnsTheRecordSet() {
        #expect(addresses("master.mesos.", rotation: 1) == ["10.0.0.2", "10.0.0.1"])
        #expect(addresses("master.mesos.", rotation: 2) == ["10.0.0.1", "10.0.0.2"])
        #expect(addresses("master.mesos.", rotation: -1) == ["10.0.0.2", "10.0.0.1"])
    }

    @Test func noDataNXDomainAndNotOurs() {
        #expect(table.answer(name: "api-prod.marathon.mesos.", type: .aaaa) == .noData(soa: table.zones[1].soa))
        #expect(table.answer(name: "marathon.mesos.", type: .a) == .noData(soa: table.zones[1].soa))
        #expect(table.answer(name: "nope.marathon.mesos.", type: .a) == .nxDomain(soa: table.zones[1].soa))
        #expect(table.answer(name: "example.com.", type: .a) == .notOurs)
        #expect(table.answer(name: "mesos.example.com.", type: .a) == .notOurs)
    }

    @Test func clusterIPServices() {
        #expect(addresses("web.default.svc.cluster.local.") == ["10.96.0.20"])
        #expect(
            services("_http._tcp.web.default.svc.cluster.local.") == [
                DNSService(priority: 0, weight: 100, port: 80, target: "web.default.svc.cluster.local.")
            ])
        guard case .noData(let soa) = table.answer(name: "svc.cluster.local.", type: .a) else {
            Issue.record("svc.cluster.local should exist")
            return
        }
        #expect(soa.name == "cluster.local.")
        if case .nxDomain = table.answer(name: "nope.default.svc.cluster.local.", type: .a) {
        } else {
            Issue.record("an unknown service is NXDOMAIN")
        }
    }

    @Test func headlessServicesListReadyEndpoints() {
        #expect(addresses("pg.db.svc.cluster.local.") == ["10.244.1.7", "10.244.2.8"])
        #expect(addresses("pg-0.pg.db.svc.cluster.local.") == ["10.244.1.7"])
        #expect(addresses("10-244-2-8.pg.db.svc.cluster.local.") == ["10.244.2.8"])
        #expect(addresses("10-244-2-9.pg.db.svc.cluster.local.").isEmpty)
        let srv = services("_sql._tcp.pg.db.svc.cluster.local.")
        #expect(srv.map(\.target) == ["pg-0.pg.db.svc.cluster.local.", "10-244-2-8.pg.db.svc.cluster.local."])
        #expect(srv.allSatisfy { $0.port == 5433 })
    }

    @Test func externalNameIsACNAMEForEveryType() {
        for type in [DNSRecordType.a, .cname, .srv] {
            guard case .records(let answers, _) = table.answer(name: "ext.default.svc.cluster.local.", type: type)
            else {
                Issue.record("no CNAME for \(type)")
                continue
            }
            #expect(answers.map(\.data) == [.cname("example.com.")])
        }
    }

    @Test func podNamesAreVerified() {
        #expect(addresses("10-244-1-5.default.pod.cluster.local.") == ["10.244.1.5"])
        if case .nxDomain = table.answer(name: "10-244-1-6.default.pod.cluster.local.", type: .a) {
        } else {
            Issue.record("a pod that does not exist is NXDOMAIN")
        }
    }

    @Test func ttlsFollowTheZone() {
        guard case .records(let mesos, _) = table.answer(name: "leader.mesos.", type: .a),
            case .records(let cluster, _) = table.answer(name: "web.default.svc.cluster.local.", type: .a)
        else {
            Issue.record("no records")
            return
        }
        #expect(mesos.map(\.ttl) == [1])
        #expect(cluster.map(\.ttl) == [5])
    }

    @Test func customDomains() {
        let custom = DNSRecordTable(
            snapshot: DiscoverySnapshot(
                domain: "dc1.example", clusterDomain: "k8s.internal",
                masters: [
                    MasterEntry(ip: "10.0.0.9", port: 5050, isLeader: true)
                ]))
        guard case .records(let answers, _) = custom.answer(name: "leader.dc1.example.", type: .a) else {
            Issue.record("no leader")
            return
        }
        #expect(answers.count == 1)
        #expect(custom.answer(name: "leader.mesos.", type: .a) == .notOurs)
        if case .noData = custom.answer(name: "k8s.internal.", type: .a) {} else { Issue.record("apex exists") }
    }
}

@Suite struct DNSLabelsTests {
    @Test func labelsAreMangledAsMesosDNSDoes() {
        #expect(DNSLabels.rfc1123("api.prod") == "api-prod")
        #expect(DNSLabels.rfc1123("My_App") == "my-app")
        #expect(DNSLabels.rfc1123("--web!--") == "web")
        #expect(DNSLabels.rfc1123("ünï") == "n")
        #expect(DNSLabels.rfc1123(String(repeating: "a", count: 70)).count == 63)
        #expect(DNSLabels.domainFragment("my.Framework..x") == "my.framework.x")
    }

    @Test func sha1MatchesFIPSVectors() {
        func hex(_ bytes: [UInt8]) -> String {
            bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
                .joined()
        }
        #expect(hex(SHA1.digest(Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(hex(SHA1.digest([])) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        let long = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        #expect(hex(SHA1.digest(Array(long.utf8))) == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
    }

    @Test func zbase32AndTheTaskHash() {
        // 0xF0 = 11110|000(00) → "6y"; 0xD4 0x7A 0x04 → "4t7ye" (the specification's 24-bit example).
        #expect(DNSLabels.zbase32([0xF0]) == "6y")
        #expect(DNSLabels.zbase32([0xD4, 0x7A, 0x04]) == "4t7ye")
        #expect(DNSLabels.taskIDHash("x").count == 5)
        #expect(DNSLabels.taskIDHash("x") == DNSLabels.taskIDHash("x"))
        #expect(DNSLabels.agentIDTail("20260101-000000-S12") == "s12")
    }
}
