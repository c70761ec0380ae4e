import Testing

@testable import DiscoveryCore

@Suite struct DNSResponderTests {
    let table = DNSRecordTable(
        snapshot: DiscoverySnapshot(
            masters: [MasterEntry(ip: "10.0.0.2", port: 5050, isLeader: true)],
            agents: (1...60).map { AgentEntry(id: "S\($0)", hostname: "node-\($0)", ip: "10.0.1.\($0)") }))

    private func query(
        _ name: DNSName, _ type: DNSRecordType, id: UInt16 = 7, opcode: DNSOpcode = .query, edns: EDNSOptions? = nil
    ) -> [UInt8] {
        DNSMessage(
            header: DNSHeader(id: id, opcode: opcode, recursionDesired: true),
            questions: [DNSQuestion(name: name, type: type)], edns: edns
        ).serialize()
    }

    private func reply(
        _ packet: [UInt8], transport: DNSTransport = .udp, canForward: Bool = true
    ) throws
        -> DNSMessage
    {
        guard
            case .reply(let bytes) = DNSResponder.respond(
                to: packet, table: table, rotation: 0, transport: transport, canForward: canForward)
        else {
            Issue.record("expected a reply")
            return DNSMessage(header: DNSHeader(id: 0))
        }
        return try DNSMessage.parse(bytes)
    }

    @Test func anAnswerIsAuthoritativeAndEchoesTheQuestion() throws {
        let message = try reply(query("LEADER.mesos.", .a))
        #expect(message.header.id == 7)
        #expect(message.header.isResponse)
        #expect(message.header.isAuthoritative)
        #expect(message.header.recursionDesired)
        #expect(message.header.recursionAvailable)
        #expect(message.questions.first?.name.description == "LEADER.mesos.")
        #expect(message.answers.map(\.data) == [.a(IPv4Address(10, 0, 0, 2))])
        #expect(message.edns == nil)
    }

    @Test func anOPTIsEchoedOnlyWhenTheQueryHadOne() throws {
        let message = try reply(query("leader.mesos.", .a, edns: EDNSOptions(udpPayloadSize: 4096)))
        #expect(message.edns?.udpPayloadSize == DNSResponder.advertisedUDPPayloadSize)
    }

    @Test func udpRepliesRespectTheClientsSize() throws {
        // 60 agents: 12 + 21 + 60 × 16 bytes > 512, < 4096.
        let plain = try reply(query("slave.mesos.", .a))
        #expect(plain.header.isTruncated)
        #expect(plain.answers.isEmpty)
        let big = try reply(query("slave.mesos.", .a, edns: EDNSOptions(udpPayloadSize: 4096)))
        #expect(!big.header.isTruncated)
        #expect(big.answers.count == 60)
        let tcp = try reply(query("slave.mesos.", .a), transport: .tcp)
        #expect(tcp.answers.count == 60)
        #expect(DNSResponder.udpLimit(for: DNSMessage(header: .init(id: 1), edns: .init(udpPayloadSize: 100))) == 512)
    }

    @Test func nxDomainAndNoDataCarryTheSOA() throws {
        let missing = try reply(query("nope.mesos.", .a))
        #expect(missing.header.responseCode == .nameError)
        #expect(missing.authorities.map(\.type) == [.soa])
        let noData = try reply(query("leader.mesos.", .srv))
        #expect(noData.header.responseCode == .noError)
        #expect(noData.answers.isEmpty)
        #expect(noData.authorities.map(\.type) == [.soa])
    }

    @Test func foreignNamesAreForwardedOrRefused() throws {
        let packet = query("example.com.", .a)
        guard
            case .forward(let forwarded) = DNSResponder.respond(
                to: packet, table: table, rotation: 0, transport: .udp, canForward: true)
        else {
            Issue.record("expected a forward")
            return
        }
        #expect(forwarded.serialize() == packet)
        #expect(try reply(packet, canForward: false).header.responseCode == .refused)
        let failure = try DNSMessage.parse(DNSResponder.serverFailure(for: forwarded, transport: .udp))
        #expect(failure.header.responseCode == .serverFailure)
        #expect(failure.header.id == 7)
    }

    @Test func badRequests() throws {
        #expect(try reply(query("leader.mesos.", .a, opcode: .update)).header.responseCode == .notImplemented)
        #expect(try reply(query("mesos.", .axfr)).header.responseCode == .refused)
        let badVersion = try reply(query("leader.mesos.", .a, edns: EDNSOptions(udpPayloadSize: 1232, version: 1)))
        #expect(badVersion.header.responseCode == DNSResponder.badVersion)
        let chaos = DNSMessage(
            header: DNSHeader(id: 2),
            questions: [DNSQuestion(name: "version.bind.", type: .txt, class: .init(rawValue: 3))])
        #expect(try reply(chaos.serialize()).header.responseCode == .refused)
        let twoQuestions = DNSMessage(
            header: DNSHeader(id: 2),
            questions: [DNSQuestion(name: "leader.mesos.", type: .a), DNSQuestion(name: "master.mesos.", type: .a)])
        #expect(try reply(twoQuestions.serialize()).header.responseCode == .formatError)
    }

    @Test func garbageGetsFORMERROrNothing() throws {
        let broken: [UInt8] = [0xAB, 0xCD, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3]
        let message = try reply(broken)
        #expect(message.header.id == 0xABCD)
        #expect(message.header.responseCode == .formatError)
        for packet in [[UInt8](), [1, 2, 3], [0, 1, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3]] {
            #expect(
                DNSResponder.respond(to: packet, table: table, rotation: 0, transport: .udp, canForward: true) == .drop)
        }
        // A well-formed response is not answered either (no reply loops between servers).
        let response = DNSMessage(header: DNSHeader(id: 1, isResponse: true)).serialize()
        #expect(
            DNSResponder.respond(to: response, table: table, rotation: 0, transport: .udp, canForward: true) == .drop)
    }
}
