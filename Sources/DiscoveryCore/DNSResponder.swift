/// What the server should do with one incoming packet: the whole decision, so the NIO shell only moves
/// bytes.
public enum DNSDecision: Sendable, Equatable {
    case reply([UInt8])
    /// Outside our zones: relay the query to an upstream resolver (SERVFAIL when none answers).
    case forward(DNSMessage)
    /// Not worth an answer (too short to carry an ID, or itself a response).
    case drop
}

public enum DNSTransport: Sendable, Equatable {
    case udp, tcp
}

public enum DNSResponder {
    /// The UDP payload size we advertise in our OPT record (the DNS Flag Day 2020 value).
    public static let advertisedUDPPayloadSize: UInt16 = 1232
    /// RFC 6891's BADVERS: an EDNS version we do not speak.
    public static let badVersion = DNSResponseCode(rawValue: 16)

    public static func respond(
        to packet: [UInt8], table: DNSRecordTable, rotation: Int, transport: DNSTransport, canForward: Bool
    ) -> DNSDecision {
        let query: DNSMessage
        do {
            query = try DNSMessage.parse(packet)
        } catch {
            return formatError(packet)
        }
        guard !query.header.isResponse else { return .drop }
        let limit = transport == .tcp ? 65535 : udpLimit(for: query)
        func reply(_ code: DNSResponseCode) -> DNSDecision {
            .reply(response(to: query, code: code, canForward: canForward).serialize(limit: limit))
        }
        guard query.header.opcode == .query else { return reply(.notImplemented) }
        guard query.questions.count == 1, let question = query.questions.first else { return reply(.formatError) }
        if let edns = query.edns, edns.version > 0 { return reply(badVersion) }
        guard question.class == .internet || question.class == .any else { return reply(.refused) }
        let answer = table.answer(name: question.name, type: question.type, rotation: rotation)
        if question.type == .axfr || question.type == .ixfr {
            // No zone transfers (neither Mesos-DNS nor CoreDNS without `transfer` allows them).
            return answer == .notOurs && canForward ? .forward(query) : reply(.refused)
        }
        var message = response(to: query, code: .noError, canForward: canForward)
        switch answer {
        case .notOurs:
            return canForward ? .forward(query) : reply(.refused)
        case .records(let answers, let additionals):
            message.header.isAuthoritative = true
            message.answers = answers
            message.additionals = additionals
        case .noData(let soa):
            message.header.isAuthoritative = true
            message.authorities = [soa]
        case .nxDomain(let soa):
            message.header.isAuthoritative = true
            message.header.responseCode = .nameError
            message.authorities = [soa]
        }
        return .reply(message.serialize(limit: limit))
    }

    /// The largest UDP reply the client takes: 512 bytes (RFC 1035) unless its OPT record says more.
    public static func udpLimit(for query: DNSMessage) -> Int {
        guard let edns = query.edns else { return 512 }
        return max(512, Int(edns.udpPayloadSize))
    }

    /// An empty reply to `query` carrying `code`: the question echoed, RD copied, an OPT when it had one.
    public static func response(to query: DNSMessage, code: DNSResponseCode, canForward: Bool) -> DNSMessage {
        DNSMessage(
            header: DNSHeader(
                id: query.header.id, isResponse: true, opcode: query.header.opcode,
                recursionDesired: query.header.recursionDesired, recursionAvailable: canForward, responseCode: code),
            questions: query.questions,
            edns: query.edns.map { _ in EDNSOptions(udpPayloadSize: advertisedUDPPayloadSize) })
    }

    /// SERVFAIL for a forwarded query no upstream answered.
    public static func serverFailure(for query: DNSMessage, transport: DNSTransport) -> [UInt8] {
        let limit = transport == .tcp ? 65535 : udpLimit(for: query)
        return response(to: query, code: .serverFailure, canForward: true).serialize(limit: limit)
    }

    /// FORMERR for a packet that does not parse, echoing its ID and opcode (RFC 1035 §4.1.1); packets
    /// too short for a header, or that claim to be responses, get nothing.
    static func formatError(_ packet: [UInt8]) -> DNSDecision {
        guard packet.count >= 12, packet[2] & 0x80 == 0 else { return .drop }
        let header = DNSHeader(
            id: UInt16(packet[0]) << 8 | UInt16(packet[1]), isResponse: true,
            opcode: DNSOpcode(rawValue: (packet[2] >> 3) & 0x0F), recursionDesired: packet[2] & 0x01 != 0,
            responseCode: .formatError)
        return .reply(DNSMessage(header: header).serialize())
    }
}
