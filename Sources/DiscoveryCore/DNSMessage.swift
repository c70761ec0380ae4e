/// A DNS message (RFC 1035 §4) as plain values: the header, the question, and the answer, authority and
/// additional sections. EDNS0's OPT pseudo-record (RFC 6891) is lifted out of the additional section
/// into `edns`, so callers never have to tell it apart from a real record.
public struct DNSMessage: Sendable, Equatable {
    public var header: DNSHeader
    public var questions: [DNSQuestion]
    public var answers: [DNSResourceRecord]
    public var authorities: [DNSResourceRecord]
    public var additionals: [DNSResourceRecord]
    /// The OPT record of the message, when it has one.
    public var edns: EDNSOptions?

    public init(
        header: DNSHeader, questions: [DNSQuestion] = [], answers: [DNSResourceRecord] = [],
        authorities: [DNSResourceRecord] = [], additionals: [DNSResourceRecord] = [], edns: EDNSOptions? = nil
    ) {
        self.header = header
        self.questions = questions
        self.answers = answers
        self.authorities = authorities
        self.additionals = additionals
        self.edns = edns
    }
}

/// The fixed 12-byte header; the four section counts are derived from the sections when written.
public struct DNSHeader: Sendable, Equatable {
    public var id: UInt16
    public var isResponse: Bool
    public var opcode: DNSOpcode
    public var isAuthoritative: Bool
    public var isTruncated: Bool
    public var recursionDesired: Bool
    public var recursionAvailable: Bool
    /// RFC 4035's AD and CD bits: kept so a parsed message writes back the same; our replies clear them.
    public var authenticData: Bool = false
    public var checkingDisabled: Bool = false
    public var responseCode: DNSResponseCode

    public init(
        id: UInt16, isResponse: Bool = false, opcode: DNSOpcode = .query, isAuthoritative: Bool = false,
        isTruncated: Bool = false, recursionDesired: Bool = false, recursionAvailable: Bool = false,
        responseCode: DNSResponseCode = .noError
    ) {
        self.id = id
        self.isResponse = isResponse
        self.opcode = opcode
        self.isAuthoritative = isAuthoritative
        self.isTruncated = isTruncated
        self.recursionDesired = recursionDesired
        self.recursionAvailable = recursionAvailable
        self.responseCode = responseCode
    }

    var flags: UInt16 {
        var flags = UInt16(opcode.rawValue & 0x0F) << 11
        if isResponse { flags |= 0x8000 }
        if isAuthoritative { flags |= 0x0400 }
        if isTruncated { flags |= 0x0200 }
        if recursionDesired { flags |= 0x0100 }
        if recursionAvailable { flags |= 0x0080 }
        if authenticData { flags |= 0x0020 }
        if checkingDisabled { flags |= 0x0010 }
        flags |= UInt16(responseCode.rawValue & 0x0F)
        return flags
    }

    init(id: UInt16, flags: UInt16) {
        self.init(
            id: id, isResponse: flags & 0x8000 != 0, opcode: DNSOpcode(rawValue: UInt8((flags >> 11) & 0x0F)),
            isAuthoritative: flags & 0x0400 != 0, isTruncated: flags & 0x0200 != 0,
            recursionDesired: flags & 0x0100 != 0, recursionAvailable: flags & 0x0080 != 0,
            responseCode: DNSResponseCode(rawValue: UInt8(flags & 0x0F)))
        authenticData = flags & 0x0020 != 0
        checkingDisabled = flags & 0x0010 != 0
    }
}

public struct DNSOpcode: RawRepresentable, Sendable, Equatable, Hashable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let query = DNSOpcode(rawValue: 0)
    public static let inverseQuery = DNSOpcode(rawValue: 1)
    public static let status = DNSOpcode(rawValue: 2)
    public static let notify = DNSOpcode(rawValue: 4)
    public static let update = DNSOpcode(rawValue: 5)
}

public struct DNSResponseCode: RawRepresentable, Sendable, Equatable, Hashable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let noError = DNSResponseCode(rawValue: 0)
    public static let formatError = DNSResponseCode(rawValue: 1)
    public static let serverFailure = DNSResponseCode(rawValue: 2)
    public static let nameError = DNSResponseCode(rawValue: 3)
    public static let notImplemented = DNSResponseCode(rawValue: 4)
    public static let refused = DNSResponseCode(rawValue: 5)
}

public struct DNSRecordType: RawRepresentable, Sendable, Equatable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let a = DNSRecordType(rawValue: 1)
    public static let ns = DNSRecordType(rawValue: 2)
    public static let cname = DNSRecordType(rawValue: 5)
    public static let soa = DNSRecordType(rawValue: 6)
    public static let ptr = DNSRecordType(rawValue: 12)
    public static let mx = DNSRecordType(rawValue: 15)
    public static let txt = DNSRecordType(rawValue: 16)
    public static let aaaa = DNSRecordType(rawValue: 28)
    public static let srv = DNSRecordType(rawValue: 33)
    public static let opt = DNSRecordType(rawValue: 41)
    public static let ixfr = DNSRecordType(rawValue: 251)
    public static let axfr = DNSRecordType(rawValue: 252)
    public static let any = DNSRecordType(rawValue: 255)

    public var description: String {
        switch self {
        case .a: "A"
        case .ns: "NS"
        case .cname: "CNAME"
        case .soa: "SOA"
        case .ptr: "PTR"
        case .mx: "MX"
        case .txt: "TXT"
        case .aaaa: "AAAA"
        case .srv: "SRV"
        case .opt: "OPT"
        case .ixfr: "IXFR"
        case .axfr: "AXFR"
        case .any: "ANY"
        default: "TYPE\(rawValue)"
        }
    }
}

public struct DNSClass: RawRepresentable, Sendable, Equatable, Hashable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let internet = DNSClass(rawValue: 1)
    public static let any = DNSClass(rawValue: 255)
}

public struct DNSQuestion: Sendable, Equatable {
    public var name: DNSName
    public var type: DNSRecordType
    public var `class`: DNSClass

    public init(name: DNSName, type: DNSRecordType, class: DNSClass = .internet) {
        self.name = name
        self.type = type
        self.class = `class`
    }
}

public struct DNSResourceRecord: Sendable, Equatable {
    public var name: DNSName
    public var `class`: DNSClass
    public var ttl: UInt32
    public var data: DNSRecordData

    public init(name: DNSName, class: DNSClass = .internet, ttl: UInt32, data: DNSRecordData) {
        self.name = name
        self.class = `class`
        self.ttl = ttl
        self.data = data
    }

    public var type: DNSRecordType { data.type }
}

public struct DNSStartOfAuthority: Sendable, Hashable {
    public var primaryNameServer: DNSName
    public var responsibleMailbox: DNSName
    public var serial: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    /// The negative-caching TTL (RFC 2308).
    public var minimum: UInt32

    public init(
        primaryNameServer: DNSName, responsibleMailbox: DNSName, serial: UInt32, refresh: UInt32, retry: UInt32,
        expire: UInt32, minimum: UInt32
    ) {
        self.primaryNameServer = primaryNameServer
        self.responsibleMailbox = responsibleMailbox
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum
    }
}

public struct DNSService: Sendable, Hashable {
    public var priority: UInt16
    public var weight: UInt16
    public var port: UInt16
    public var target: DNSName

    public init(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }
}

/// RDATA by type. Types this server never answers with (PTR, AAAA, anything else) still parse, so a
/// forwarded or odd message can be read without losing its records.
public enum DNSRecordData: Sendable, Hashable {
    case a(IPv4Address)
    case aaaa([UInt8])
    case ns(DNSName)
    case cname(DNSName)
    case ptr(DNSName)
    case soa(DNSStartOfAuthority)
    case srv(DNSService)
    case other(DNSRecordType, [UInt8])

    public var type: DNSRecordType {
        switch self {
        case .a: .a
        case .aaaa: .aaaa
        case .ns: .ns
        case .cname: .cname
        case .ptr: .ptr
        case .soa: .soa
        case .srv: .srv
        case .other(let type, _): type
        }
    }
}

/// What an OPT pseudo-record says (RFC 6891 §6.1.2): its CLASS is the sender's UDP payload size and its
/// TTL carries the extended RCODE, the version and the DO bit. Options are kept opaque.
public struct EDNSOptions: Sendable, Equatable {
    public var udpPayloadSize: UInt16
    public var extendedResponseCode: UInt8
    public var version: UInt8
    public var dnssecOK: Bool
    public var options: [UInt8]

    public init(
        udpPayloadSize: UInt16, extendedResponseCode: UInt8 = 0, version: UInt8 = 0, dnssecOK: Bool = false,
        options: [UInt8] = []
    ) {
        self.udpPayloadSize = udpPayloadSize
        self.extendedResponseCode = extendedResponseCode
        self.version = version
        self.dnssecOK = dnssecOK
        self.options = options
    }
}

/// An IPv4 address as its four octets, parsed from and printed as dotted decimal.
public struct IPv4Address: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var octets: (UInt8, UInt8, UInt8, UInt8)

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        octets = (a, b, c, d)
    }

    /// Nil unless `text` is exactly four decimal octets (no leading `+`, no spaces, each 0–255).
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = UInt8(part)
            else { return nil }
            bytes.append(value)
        }
        octets = (bytes[0], bytes[1], bytes[2], bytes[3])
    }

    public var bytes: [UInt8] { [octets.0, octets.1, octets.2, octets.3] }
    public var description: String { "\(octets.0).\(octets.1).\(octets.2).\(octets.3)" }
    /// `10-0-0-1`, the form Kubernetes uses for pod and endpoint names.
    public var dashed: String { "\(octets.0)-\(octets.1)-\(octets.2)-\(octets.3)" }

    public static func == (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.bytes == rhs.bytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }
}

/// A domain name as its labels, without the root. Comparison and lookup keys are case-insensitive
/// (RFC 4343); the labels keep the case they were written in, so a reply echoes the question's spelling.
public struct DNSName: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var labels: [String]

    public init(labels: [String]) { self.labels = labels }

    /// `"a.b.c."` or `"a.b.c"`; empty labels (`a..b`) are dropped. `"."` and `""` are the root.
    public init(_ text: String) {
        labels = text.split(separator: ".", omittingEmptySubsequences: true).map(String.init)
    }

    public init(stringLiteral value: String) { self.init(value) }

    /// Lower-cased, dot-terminated: the key records are stored under.
    public var key: String { labels.isEmpty ? "." : labels.map { $0.lowercased() }.joined(separator: ".") + "." }
    public var description: String { labels.isEmpty ? "." : labels.joined(separator: ".") + "." }

    public static func == (lhs: DNSName, rhs: DNSName) -> Bool { lhs.key == rhs.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }

    public func isSubdomain(of zone: DNSName) -> Bool {
        guard labels.count >= zone.labels.count else { return false }
        return DNSName(labels: Array(labels.suffix(zone.labels.count))) == zone
    }

    /// This name with `prefix` labels in front.
    public func prepending(_ prefix: String...) -> DNSName { DNSName(labels: prefix + labels) }
}
