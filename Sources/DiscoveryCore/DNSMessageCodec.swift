/// Why a packet could not be read as a DNS message. Parsing never traps: every read is bounds-checked.
public enum DNSParseError: Error, Equatable, Sendable {
    case truncated
    case badLabel
    case nameTooLong
    /// A compression pointer that does not point strictly backwards (so it could loop) or out of the packet.
    case badPointer
    case badRecordData(DNSRecordType)
    case trailingBytes
}

extension DNSMessage {
    /// Reads a whole message from the wire (RFC 1035 §4.1).
    public static func parse(_ bytes: [UInt8]) throws(DNSParseError) -> DNSMessage {
        var reader = DNSReader(bytes: bytes)
        let id = try reader.readUInt16()
        let flags = try reader.readUInt16()
        let counts = [
            try reader.readUInt16(), try reader.readUInt16(), try reader.readUInt16(), try reader.readUInt16(),
        ]
        var message = DNSMessage(header: DNSHeader(id: id, flags: flags))
        for _ in 0..<counts[0] {
            let name = try reader.readName()
            let type = DNSRecordType(rawValue: try reader.readUInt16())
            let `class` = DNSClass(rawValue: try reader.readUInt16())
            message.questions.append(DNSQuestion(name: name, type: type, class: `class`))
        }
        for _ in 0..<counts[1] { message.answers.append(try reader.readRecord().record) }
        for _ in 0..<counts[2] { message.authorities.append(try reader.readRecord().record) }
        for _ in 0..<counts[3] {
            let (record, edns) = try reader.readRecord()
            if let edns { message.edns = edns } else { message.additionals.append(record) }
        }
        // A 12-bit extended RCODE: the OPT record carries the upper 8 bits.
        if let edns = message.edns, edns.extendedResponseCode != 0 {
            message.header.responseCode.rawValue |= edns.extendedResponseCode << 4
        }
        return message
    }

    /// The wire form, with names compressed (RFC 1035 §4.1.4).
    public func serialize() -> [UInt8] {
        var writer = DNSWriter()
        writer.writeUInt16(header.id)
        writer.writeUInt16(header.flags)
        writer.writeUInt16(UInt16(clamping: questions.count))
        writer.writeUInt16(UInt16(clamping: answers.count))
        writer.writeUInt16(UInt16(clamping: authorities.count))
        writer.writeUInt16(UInt16(clamping: additionals.count + (edns == nil ? 0 : 1)))
        for question in questions {
            writer.writeName(question.name)
            writer.writeUInt16(question.type.rawValue)
            writer.writeUInt16(question.class.rawValue)
        }
        for record in answers + authorities + additionals { writer.writeRecord(record) }
        if let edns { writer.writeOPT(edns, responseCode: header.responseCode) }
        return writer.bytes
    }

    /// The wire form cut to fit `limit` bytes: when the whole message is larger, the answer, authority
    /// and additional sections are left out and TC is set, which makes the client ask again over TCP.
    public func serialize(limit: Int) -> [UInt8] {
        let full = serialize()
        guard full.count > limit else { return full }
        var cut = self
        cut.answers = []
        cut.authorities = []
        cut.additionals = []
        cut.header.isTruncated = true
        return cut.serialize()
    }
}

struct DNSReader {
    let bytes: [UInt8]
    var offset = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func readUInt8() throws(DNSParseError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt16() throws(DNSParseError) -> UInt16 {
        let high = try readUInt8()
        return UInt16(high) << 8 | UInt16(try readUInt8())
    }

    mutating func readUInt32() throws(DNSParseError) -> UInt32 {
        let high = try readUInt16()
        return UInt32(high) << 16 | UInt32(try readUInt16())
    }

    mutating func readBytes(_ count: Int) throws(DNSParseError) -> [UInt8] {
        guard count >= 0, count <= bytes.count - offset else { throw .truncated }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// A possibly compressed name. Each pointer must point before everything this name has read so
    /// far, so pointers can only ever move backwards: loops and forward jumps are errors.
    mutating func readName() throws(DNSParseError) -> DNSName {
        var labels: [String] = []
        var wireLength = 1
        var position = offset
        var lowestRead = offset
        var resumeAt: Int?
        while true {
            guard position < bytes.count else { throw .truncated }
            let length = Int(bytes[position])
            switch length & 0xC0 {
            case 0xC0:
                guard position + 1 < bytes.count else { throw .truncated }
                let target = (length & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < lowestRead else { throw .badPointer }
                if resumeAt == nil { resumeAt = position + 2 }
                position = target
                lowestRead = target
            case 0x00:
                if length == 0 {
                    offset = resumeAt ?? position + 1
                    return DNSName(labels: labels)
                }
                guard position + 1 + length <= bytes.count else { throw .truncated }
                wireLength += length + 1
                guard wireLength <= 255 else { throw .nameTooLong }
                let raw = bytes[(position + 1)...(position + length)]
                guard !raw.contains(UInt8(ascii: ".")) else { throw .badLabel }
                labels.append(String(decoding: raw, as: UTF8.self))
                position += length + 1
            default:
                // 0x40 and 0x80 prefixes (extended label types) are not in use.
                throw .badLabel
            }
        }
    }

    /// One resource record; an OPT record comes back as EDNS options as well.
    mutating func readRecord() throws(DNSParseError) -> (record: DNSResourceRecord, edns: EDNSOptions?) {
        let name = try readName()
        let type = DNSRecordType(rawValue: try readUInt16())
        let classValue = try readUInt16()
        let ttl = try readUInt32()
        let length = Int(try readUInt16())
        guard length <= bytes.count - offset else { throw .truncated }
        let end = offset + length
        let data = try readRecordData(type: type, length: length)
        guard offset == end else { throw .badRecordData(type) }
        let record = DNSResourceRecord(name: name, class: DNSClass(rawValue: classValue), ttl: ttl, data: data)
        guard type == .opt else { return (record, nil) }
        guard name.labels.isEmpty else { throw .badRecordData(.opt) }
        let options: [UInt8] = if case .other(_, let raw) = data { raw } else { [] }
        let edns = EDNSOptions(
            udpPayloadSize: classValue, extendedResponseCode: UInt8(ttl >> 24), version: UInt8((ttl >> 16) & 0xFF),
            dnssecOK: ttl & 0x8000 != 0, options: options)
        return (record, edns)
    }

    private mutating func readRecordData(type: DNSRecordType, length: Int) throws(DNSParseError) -> DNSRecordData {
        switch type {
        case .a:
            guard length == 4 else { throw .badRecordData(type) }
            let raw = try readBytes(4)
            return .a(IPv4Address(raw[0], raw[1], raw[2], raw[3]))
        case .aaaa:
            guard length == 16 else { throw .badRecordData(type) }
            return .aaaa(try readBytes(16))
        case .ns: return .ns(try readName())
        case .cname: return .cname(try readName())
        case .ptr: return .ptr(try readName())
        case .soa:
            let primary = try readName()
            let mailbox = try readName()
            return .soa(
                DNSStartOfAuthority(
                    primaryNameServer: primary, responsibleMailbox: mailbox, serial: try readUInt32(),
                    refresh: try readUInt32(), retry: try readUInt32(), expire: try readUInt32(),
                    minimum: try readUInt32()))
        case .srv:
            let priority = try readUInt16()
            let weight = try readUInt16()
            let port = try readUInt16()
            return .srv(DNSService(priority: priority, weight: weight, port: port, target: try readName()))
        default:
            return .other(type, try readBytes(length))
        }
    }
}

struct DNSWriter {
    var bytes: [UInt8] = []
    /// Offsets of names already written, by their lower-cased suffix key, for compression.
    private var offsets: [String: Int] = [:]

    mutating func writeUInt16(_ value: UInt16) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xFF))
    }

    mutating func writeUInt32(_ value: UInt32) {
        writeUInt16(UInt16(value >> 16))
        writeUInt16(UInt16(value & 0xFFFF))
    }

    /// Writes the longest suffix not seen before, then a pointer to the rest. Labels longer than 63
    /// bytes are cut (the record table never builds them; this keeps the writer total).
    mutating func writeName(_ name: DNSName, compress: Bool = true) {
        let labels = name.labels
        for index in labels.indices {
            let suffix = DNSName(labels: Array(labels[index...])).key
            if compress, let offset = offsets[suffix] {
                writeUInt16(0xC000 | UInt16(offset))
                return
            }
            if compress, bytes.count < 0x3FFF { offsets[suffix] = bytes.count }
            let raw = Array(labels[index].utf8.prefix(63))
            bytes.append(UInt8(raw.count))
            bytes.append(contentsOf: raw)
        }
        bytes.append(0)
    }

    mutating func writeRecord(_ record: DNSResourceRecord) {
        writeName(record.name)
        writeUInt16(record.type.rawValue)
        writeUInt16(record.class.rawValue)
        writeUInt32(record.ttl)
        let lengthAt = bytes.count
        writeUInt16(0)
        switch record.data {
        case .a(let address): bytes.append(contentsOf: address.bytes)
        case .aaaa(let raw): bytes.append(contentsOf: raw)
        case .ns(let name), .cname(let name), .ptr(let name): writeName(name)
        case .soa(let soa):
            writeName(soa.primaryNameServer)
            writeName(soa.responsibleMailbox)
            for value in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] { writeUInt32(value) }
        case .srv(let service):
            writeUInt16(service.priority)
            writeUInt16(service.weight)
            writeUInt16(service.port)
            // RFC 2782: the SRV target is not compressed.
            writeName(service.target, compress: false)
        case .other(_, let raw): bytes.append(contentsOf: raw)
        }
        let length = bytes.count - lengthAt - 2
        bytes[lengthAt] = UInt8((length >> 8) & 0xFF)
        bytes[lengthAt + 1] = UInt8(length & 0xFF)
    }

    mutating func writeOPT(_ edns: EDNSOptions, responseCode: DNSResponseCode) {
        bytes.append(0)
        writeUInt16(DNSRecordType.opt.rawValue)
        writeUInt16(edns.udpPayloadSize)
        let extended = UInt32(responseCode.rawValue >> 4)
        writeUInt32(extended << 24 | UInt32(edns.version) << 16 | (edns.dnssecOK ? 0x8000 : 0))
        writeUInt16(UInt16(clamping: edns.options.count))
        bytes.append(contentsOf: edns.options)
    }
}
