import DiscoveryCore
import Foundation
import Testing

@testable import Discovery

/// The DNS server against the real `dig` (package dnsutils; scripts/install-test-deps installs it).
@Suite(.serialized) struct DNSServerTests {
    static let snapshot = DiscoverySnapshot(
        version: 1,
        masters: [MasterEntry(ip: "10.0.0.2", port: 5050, isLeader: true)],
        agents: [AgentEntry(id: "S1", hostname: "node-1", ip: "10.0.1.1")],
        tasks: [
            TaskEntry(
                id: "prod_api.1", name: "api.prod", frameworkName: "marathon", agentID: "S1",
                ports: [.init(number: 31000)])
        ],
        services: [
            ServiceEntry(
                namespace: "default", name: "web", clusterIPs: ["10.96.0.20"], ports: [.init(name: "http", port: 80)]),
            ServiceEntry(
                namespace: "db", name: "pg", clusterIPs: [],
                ports: [
                    .init(
                        name: "sql", port: 5432,
                        backends: [
                            .init(ip: "10.244.1.7", port: 5432, hostname: "pg-0"), .init(ip: "10.244.2.8", port: 5432),
                        ])
                ]),
            ServiceEntry(
                namespace: "default", name: "big", clusterIPs: [],
                ports: [
                    .init(name: "http", port: 80, backends: (1...100).map { .init(ip: "10.250.0.\($0)", port: 80) })
                ]),
        ])

    static func withServer(
        _ snapshot: DiscoverySnapshot = snapshot, upstreams: [String] = [],
        _ body: (DNSServer) async throws -> Void
    ) async throws {
        let server = try await DNSServer.start(
            host: "127.0.0.1", port: 0, snapshot: snapshot, upstreams: upstreams, forwardTimeout: .seconds(2))
        do {
            try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func aMesosTaskHasAAndSRV() async throws {
        try await Self.withServer { (server: DNSServer) async throws in
            #expect(try Dig.short(server, "api-prod.marathon.mesos", "A") == ["10.0.1.1"])
            let hash = DNSLabels.taskIDHash("prod_api.1")
            #expect(
                try Dig.short(server, "_api-prod._tcp.marathon.mesos", "SRV") == [
                    "0 0 31000 api-prod-\(hash)-s1.marathon.slave.mesos."
                ])
            #expect(try Dig.short(server, "leader.mesos", "A") == ["10.0.0.2"])
            // The SRV target's address rides along in the additional section (with dig's OPT).
            let full = try Dig.run(server, ["_api-prod._tcp.marathon.mesos", "SRV"])
            #expect(full.contains("flags: qr aa rd; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 2"))
            #expect(full.contains("api-prod-\(hash)-s1.marathon.slave.mesos."))
        }
    }

    @Test func recordSetsRotateFromQueryToQuery() async throws {
        var snapshot = Self.snapshot
        snapshot.agents.append(AgentEntry(id: "S2", hostname: "node-2", ip: "10.0.1.2"))
        try await Self.withServer(snapshot) { (server: DNSServer) async throws in
            let first = try Dig.short(server, "slave.mesos", "A")
            let second = try Dig.short(server, "slave.mesos", "A")
            #expect(first.sorted() == ["10.0.1.1", "10.0.1.2"])
            #expect(second == first.reversed())
        }
    }

    @Test func kubernetesServices() async throws {
        try await Self.withServer { (server: DNSServer) async throws in
            #expect(try Dig.short(server, "web.default.svc.cluster.local", "A") == ["10.96.0.20"])
            #expect(
                try Dig.short(server, "_http._tcp.web.default.svc.cluster.local", "SRV") == [
                    "0 100 80 web.default.svc.cluster.local."
                ])
            #expect(try Dig.short(server, "pg.db.svc.cluster.local", "A").sorted() == ["10.244.1.7", "10.244.2.8"])
            #expect(
                try Dig.short(server, "_sql._tcp.pg.db.svc.cluster.local", "SRV").sorted() == [
                    "0 50 5432 10-244-2-8.pg.db.svc.cluster.local.", "0 50 5432 pg-0.pg.db.svc.cluster.local.",
                ])
            #expect(try Dig.short(server, "pg-0.pg.db.svc.cluster.local", "A") == ["10.244.1.7"])
        }
    }

    @Test func unknownNamesAreNXDOMAINWithTheSOA() async throws {
        try await Self.withServer { (server: DNSServer) async throws in
            let output = try Dig.run(server, ["nope.default.svc.cluster.local", "A"])
            #expect(output.contains("status: NXDOMAIN"))
            #expect(output.contains("flags: qr aa rd"))
            #expect(output.contains("ns.dns.cluster.local. hostmaster.cluster.local."))
            let noData = try Dig.run(server, ["api-prod.marathon.mesos", "AAAA"])
            #expect(noData.contains("status: NOERROR"))
            #expect(noData.contains("ANSWER: 0"))
        }
    }

    @Test func updateChangesTheAnswers() async throws {
        try await Self.withServer { (server: DNSServer) async throws in
            #expect(try Dig.short(server, "web.default.svc.cluster.local", "A") == ["10.96.0.20"])
            var next = Self.snapshot
            next.version = 2
            next.services[0].clusterIPs = ["10.96.0.99"]
            next.tasks = []
            server.update(next)
            #expect(server.snapshotVersion == 2)
            #expect(try Dig.short(server, "web.default.svc.cluster.local", "A") == ["10.96.0.99"])
            #expect(try Dig.run(server, ["api-prod.marathon.mesos", "A"]).contains("status: NXDOMAIN"))
        }
    }

    @Test func tcpWorks() async throws {
        try await Self.withServer { (server: DNSServer) async throws in
            #expect(try Dig.short(server, "web.default.svc.cluster.local", "A", "+tcp") == ["10.96.0.20"])
            #expect(try Dig.short(server, "pg.db.svc.cluster.local", "A", "+tcp", "+noedns").count == 2)
        }
    }

    @Test func aBigAnswerIsTruncatedOverUDPAndDigRetriesOverTCP() async throws {
        try await Self.withServer { (server: DNSServer) async throws in
            let truncated = try Dig.run(server, ["big.default.svc.cluster.local", "A", "+noedns", "+ignore"])
            #expect(truncated.contains("flags: qr aa tc rd"))
            #expect(truncated.contains("ANSWER: 0"))
            let retried = try Dig.run(server, ["big.default.svc.cluster.local", "A", "+noedns"])
            #expect(retried.contains("Truncated, retrying in TCP mode"))
            #expect(retried.contains("ANSWER: 100"))
            // With EDNS (dig advertises 1232 bytes) the 100 addresses (~1.6 KB) still need TCP.
            #expect(try Dig.short(server, "big.default.svc.cluster.local", "A").count == 100)
        }
    }

    @Test func otherNamesAreForwardedToTheUpstream() async throws {
        let upstreamSnapshot = DiscoverySnapshot(
            domain: "corp.example", clusterDomain: "upstream.local",
            masters: [MasterEntry(ip: "192.0.2.7", port: 5050, isLeader: true)],
            services: [Self.snapshot.services[2]])
        try await Self.withServer(upstreamSnapshot) { (upstream: DNSServer) async throws in
            try await Self.withServer(upstreams: ["127.0.0.1:\(upstream.port)"]) { (server: DNSServer) async throws in
                #expect(try Dig.short(server, "leader.corp.example", "A") == ["192.0.2.7"])
                #expect(try Dig.short(server, "leader.corp.example", "A", "+tcp") == ["192.0.2.7"])
                let missing = try Dig.run(server, ["nope.corp.example", "A"])
                #expect(missing.contains("status: NXDOMAIN"))
                // Too big for UDP upstream too: the client's TCP retry is forwarded over TCP and arrives whole.
                #expect(try Dig.short(server, "big.default.svc.upstream.local", "A").count == 100)
                // Our own zones are still answered here, not upstream.
                #expect(try Dig.short(server, "leader.mesos", "A") == ["10.0.0.2"])
            }
        }
    }

    @Test func withoutAnAnsweringUpstreamItIsSERVFAIL() async throws {
        // Nothing listens on 127.0.0.1:9 (discard): ICMP unreachable, or the 2 s timeout.
        try await Self.withServer(upstreams: ["127.0.0.1:9"]) { (server: DNSServer) async throws in
            #expect(try Dig.run(server, ["example.com", "A"]).contains("status: SERVFAIL"))
        }
        try await Self.withServer { (server: DNSServer) async throws in
            #expect(try Dig.run(server, ["example.com", "A"]).contains("status: REFUSED"))
        }
    }

    @Test func unsupportedOpcodesAndGarbage() async throws {
        try await Self.withServer { (server: DNSServer) async throws in
            #expect(try Dig.run(server, ["+opcode=status", "leader.mesos"]).contains("status: NOTIMP"))
            // A header that promises a question which is not there: FORMERR, and the server lives on.
            let reply = try Dig.python(
                """
                import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(10)
                s.sendto(bytes([0xAB, 0xCD, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3]), ("127.0.0.1", \(server.port)))
                print(s.recv(512).hex())
                """)
            #expect(reply.hasPrefix("abcd8101"))
            #expect(try Dig.short(server, "leader.mesos", "A") == ["10.0.0.2"])
        }
    }

    @Test func pipelinedAndCutTCPMessages() async throws {
        try await Self.withServer { (server: DNSServer) async throws in
            // Two length-framed queries in one write get two replies; a frame cut short by a close is dropped.
            let ids = try Dig.python(
                """
                import socket, struct
                def query(i):
                    q = struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + b"\\x06leader\\x05mesos\\x00" + struct.pack(">HH", 1, 1)
                    return struct.pack(">H", len(q)) + q
                cut = socket.create_connection(("127.0.0.1", \(server.port)), timeout=10)
                cut.sendall(b"\\x00\\x40\\x12"); cut.close()
                s = socket.create_connection(("127.0.0.1", \(server.port)), timeout=10)
                s.sendall(query(11) + query(12))
                data = b""
                while len(data) < 4 or len(data) < 2 + struct.unpack(">H", data[:2])[0] + 2:
                    data += s.recv(4096)
                first = struct.unpack(">H", data[:2])[0]
                while len(data) < 2 + first + 2 + struct.unpack(">H", data[2 + first:4 + first])[0]:
                    data += s.recv(4096)
                print(struct.unpack(">H", data[2:4])[0], struct.unpack(">H", data[4 + first:6 + first])[0])
                """)
            #expect(ids == "11 12")
            #expect(try Dig.short(server, "leader.mesos", "A", "+tcp") == ["10.0.0.2"])
        }
    }

    @Test func resolvConfNameserversSkipOurOwnAddress() throws {
        let conf = """
            # generated
            search default.svc.cluster.local
            nameserver 10.0.0.53
            nameserver   1.1.1.1
            options ndots:5
            nameserver\t9.9.9.9
            """
        #expect(DNSServer.resolvConfNameservers(conf, excluding: ["10.0.0.53"]) == ["1.1.1.1", "9.9.9.9"])
        #expect(throws: (any Error).self) { try DNSForwarder.socketAddress(for: "not-an-ip") }
        #expect(try DNSForwarder.socketAddress(for: "[::1]:5353").port == 5353)
        #expect(try DNSForwarder.socketAddress(for: "127.0.0.1").port == 53)
        #expect(try DNSForwarder.socketAddress(for: "127.0.0.1:5300").port == 5300)
    }
}

/// Runs the real `dig` (and python3 for raw packets) against a test server.
enum Dig {
    struct Missing: Error, CustomStringConvertible {
        let tool: String
        var description: String {
            "\(tool) is not installed: the DNS server tests need it (run scripts/install-test-deps; Debian package dnsutils)"
        }
    }

    static func executable(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") + ["/usr/bin", "/usr/local/bin"] {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw Missing(tool: name)
    }

    static func run(_ server: DNSServer, _ arguments: [String]) throws -> String {
        try execute(
            executable("dig"), ["@127.0.0.1", "-p", "\(server.port)", "+time=10", "+tries=1"] + arguments)
    }

    static func short(_ server: DNSServer, _ arguments: String...) throws -> [String] {
        try run(server, arguments + ["+short"]).split(separator: "\n").map(String.init)
    }

    static func python(_ script: String) throws -> String {
        try execute(executable("python3"), ["-c", script]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func execute(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
