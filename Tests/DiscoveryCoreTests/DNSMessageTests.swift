import Testing

@testable import DiscoveryCore

@Suite struct DNSMessageTests {
    /// `dig web.marathon.mesos A` with EDNS (payload 1232), as captured from dig 9.18.
    static let digQuery: [UInt8] =
        [0x12, 0x34, 0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, 1]
        + [3] + Array("web".utf8) + [8] + Array("marathon".utf8) + [5] + Array("mesos".utf8) + [0, 0, 1, 0, 1]
        + [0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0]

    @Test func aDigQueryParses() throws {
        let message = try DNSMessage.parse(Self.digQuery)
        #expect(message.header.id == 0x1234)
        #expect(message.header.recursionDesired)
        #expect(!message.header.isResponse)
        #expect(message.header.opcode == .query)
        #expect(message.questions == [DNSQuestion(name: "web.marathon.mesos.", type: .a)])
        #expect(message.edns?.udpPayloadSize == 1232)
        #expect(message.additionals.isEmpty)
        #expect(message.serialize() == Self.digQuery)
    }

    @Test func everyRecordTypeRoundTrips() throws {
        let zone: DNSName = "mesos."
        let soa = DNSStartOfAuthority(
            primaryNameServer: "ns1.mesos.", responsibleMailbox: "root.ns1.mesos.", serial: 7, refresh: 60,
            retry: 600, expire: 86400, minimum: 1)
        let message = DNSMessage(
            header: DNSHeader(id: 9, isResponse: true, isAuthoritative: true, responseCode: .nameError),
            questions: [DNSQuestion(name: "x.mesos.", type: .any)],
            answers: [
                DNSResourceRecord(name: "a.mesos.", ttl: 5, data: .a(IPv4Address(10, 0, 0, 1))),
                DNSResourceRecord(name: "a.mesos.", ttl: 5, data: .aaaa(Array(repeating: 1, count: 16))),
                DNSResourceRecord(name: "c.mesos.", ttl: 5, data: .cname("example.com.")),
                DNSResourceRecord(name: "1.0.0.10.in-addr.arpa.", ttl: 5, data: .ptr("a.mesos.")),
                DNSResourceRecord(
                    name: "_web._tcp.marathon.mesos.", ttl: 5,
                    data: .srv(DNSService(priority: 1, weight: 2, port: 31000, target: "web.marathon.slave.mesos."))),
                DNSResourceRecord(name: "t.mesos.", ttl: 5, data: .other(.txt, [3, 0x61, 0x62, 0x63])),
            ],
            authorities: [
                DNSResourceRecord(name: zone, ttl: 5, data: .soa(soa)),
                DNSResourceRecord(name: zone, ttl: 5, data: .ns("ns1.mesos.")),
            ],
            edns: EDNSOptions(udpPayloadSize: 1232, dnssecOK: true))
        let parsed = try DNSMessage.parse(message.serialize())
        #expect(parsed == message)
    }

    @Test func namesAreCompressedOnWrite() {
        let records = (0..<10).map {
            DNSResourceRecord(name: "web.marathon.mesos.", ttl: 5, data: .a(IPv4Address(10, 0, 0, UInt8($0))))
        }
        let message = DNSMessage(
            header: DNSHeader(id: 1, isResponse: true), questions: [DNSQuestion(name: "web.marathon.mesos.", type: .a)],
            answers: records)
        // Header 12 + question 24 + 10 answers of (2-byte pointer + 10 + 4).
        #expect(message.serialize().count == 12 + 24 + 10 * 16)
    }

    @Test func namesCompareWithoutCase() throws {
        #expect(DNSName("WeB.Marathon.MESOS") == DNSName("web.marathon.mesos."))
        #expect(DNSName("a.b.mesos").isSubdomain(of: "MESOS."))
        #expect(!DNSName("a.bmesos").isSubdomain(of: "mesos."))
        #expect(DNSName(".").labels.isEmpty)
    }

    @Test func anOversizedReplyIsTruncatedToItsQuestion() throws {
        let answers = (0..<100).map {
            DNSResourceRecord(name: "big.mesos.", ttl: 5, data: .a(IPv4Address(10, 0, 0, UInt8($0))))
        }
        let message = DNSMessage(
            header: DNSHeader(id: 3, isResponse: true), questions: [DNSQuestion(name: "big.mesos.", type: .a)],
            answers: answers)
        let cut = try DNSMessage.parse(message.serialize(limit: 512))
        #expect(cut.header.isTruncated)
        #expect(cut.answers.isEmpty)
        #expect(cut.questions.count == 1)
        #expect(try DNSMessage.parse(message.serialize(limit: 4096)).answers.count == 100)
    }

    @Test func ipv4AddressesParseStrictly() {
        #expect(IPv4Address("10.0.0.1")?.bytes == [10, 0, 0, 1])
        #expect(IPv4Address("10.0.0.1")?.dashed == "10-0-0-1")
        for bad in ["", "10.0.0", "10.0.0.256", "10.0.0.1.2", "a.b.c.d", "::1", "10..0.1", " 10.0.0.1", "+1.0.0.1"] {
            #expect(IPv4Address(bad) == nil, "\(bad)")
        }
    }
}

@Suite struct DNSMessageGarbageTests {
    private func header(questions: UInt16 = 1) -> [UInt8] { [0, 1, 0, 0, 0, UInt8(questions), 0, 0, 0, 0, 0, 0] }

    @Test func truncatedPacketsThrow() {
        let full = DNSMessageTests.digQuery
        for length in 0..<full.count {
            #expect(throws: DNSParseError.self) { try DNSMessage.parse(Array(full.prefix(length))) }
        }
    }

    @Test func aPointerToItselfThrows() {
        let packet = header() + [0xC0, 12, 0, 1, 0, 1]
        #expect(throws: DNSParseError.badPointer) { try DNSMessage.parse(packet) }
    }

    @Test func pointersThatLoopThrow() {
        // Label "a" then a pointer back to offset 12 (the "a"): a → a → … .
        let packet = header() + [1, 0x61, 0xC0, 12, 0, 1, 0, 1]
        #expect(throws: DNSParseError.badPointer) { try DNSMessage.parse(packet) }
    }

    @Test func aForwardPointerThrows() {
        let packet = header() + [0xC0, 20, 0, 1, 0, 1, 0, 0, 1, 0x61, 0]
        #expect(throws: DNSParseError.badPointer) { try DNSMessage.parse(packet) }
    }

    @Test func aPointerPastTheEndThrows() {
        let packet = header() + [0xC0]
        #expect(throws: DNSParseError.truncated) { try DNSMessage.parse(packet) }
    }

    @Test func anOverlongNameThrows() {
        var name: [UInt8] = []
        for _ in 0..<5 { name += [63] + Array(repeating: 0x61, count: 63) }
        let packet = header() + name + [0, 0, 1, 0, 1]
        #expect(throws: DNSParseError.nameTooLong) { try DNSMessage.parse(packet) }
    }

    @Test func extendedLabelTypesThrow() {
        #expect(throws: DNSParseError.badLabel) { try DNSMessage.parse(header() + [0x41, 0, 0, 1, 0, 1]) }
    }

    @Test func recordDataOfTheWrongLengthThrows() {
        let answer: [UInt8] = [0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 3, 10, 0, 0]
        let packet: [UInt8] = [0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0] + answer
        #expect(throws: DNSParseError.badRecordData(.a)) { try DNSMessage.parse(packet) }
    }

    @Test func hugeCountsWithoutDataThrowQuickly() {
        let packet: [UInt8] = [0, 1, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        #expect(throws: DNSParseError.truncated) { try DNSMessage.parse(packet) }
    }

    /// Random bytes, and random corruptions of a real query: parsing must throw or succeed, never trap.
    @Test func randomBytesNeverTrap() {
        var generator = SplitMix64(seed: 0xD15C_0)
        for round in 0..<5000 {
            var packet: [UInt8]
            if round % 2 == 0 {
                packet = (0..<Int.random(in: 0..<80, using: &generator)).map { _ in
                    UInt8.random(in: 0...255, using: &generator)
                }
            } else {
                packet = DNSMessageTests.digQuery
                for _ in 0..<3 {
                    packet[Int.random(in: 0..<packet.count, using: &generator)] = UInt8.random(
                        in: 0...255, using: &generator)
                }
            }
            if let message = try? DNSMessage.parse(packet) { _ = message.serialize() }
        }
    }
}

/// A small seeded generator, so the garbage tests are repeatable.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
