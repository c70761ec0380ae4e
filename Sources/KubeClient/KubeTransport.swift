/// One request to the API server, before it is put on a wire.
public struct KubeRequest: Sendable {
    public var method: String
    /// The path without the query: `/api/v1/namespaces/default/pods`.
    public var path: String
    public var query: [(String, String)]
    public var body: [UInt8]?
    public var contentType: String?
    public var accept = "application/json"

    public init(
        method: String, path: String, query: [(String, String)] = [], body: [UInt8]? = nil, contentType: String? = nil
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.contentType = contentType
    }

    /// `path?name=value&...`, percent-encoded.
    public var target: String {
        guard !query.isEmpty else { return path }
        let pairs = query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }
        return path + "?" + pairs.joined(separator: "&")
    }

    static func encode(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.append(Character(Unicode.Scalar(byte)))
            default:
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return encoded
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// A complete answer.
public struct KubeResponse: Sendable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

/// A streamed answer (a watch): for status 200 the body's lines as they arrive, otherwise the
/// whole error body.
public struct KubeLineStream: Sendable {
    public var status: Int
    public var lines: AsyncThrowingStream<[UInt8], any Error>
    public var errorBody: [UInt8]

    public init(status: Int, lines: AsyncThrowingStream<[UInt8], any Error>, errorBody: [UInt8]) {
        self.status = status
        self.lines = lines
        self.errorBody = errorBody
    }
}

/// How requests reach the API server. `HTTPKubeTransport` speaks HTTPS; tests and embedders may
/// supply others, carrying the same requests.
public protocol KubeTransport: Sendable {
    func send(_ request: KubeRequest) async throws -> KubeResponse
    func streamLines(_ request: KubeRequest) async throws -> KubeLineStream
}

/// Splits a byte stream into lines (without their `\n`), across chunk boundaries.
struct LineSplitter {
    private var pending: [UInt8] = []
    /// A single line longer than this is a broken stream, not a reason to exhaust memory.
    let maxLineBytes: Int

    init(maxLineBytes: Int = 64 << 20) {
        self.maxLineBytes = maxLineBytes
    }

    mutating func feed(_ chunk: some Collection<UInt8>) throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        for byte in chunk {
            if byte == UInt8(ascii: "\n") {
                if !pending.isEmpty { lines.append(pending) }
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
                if pending.count > maxLineBytes {
                    throw KubeClientError.protocolViolation("a watch line exceeds \(maxLineBytes) bytes")
                }
            }
        }
        return lines
    }

    /// What is left when the stream ends: a last line without its newline.
    mutating func finish() -> [UInt8]? {
        defer { pending.removeAll() }
        return pending.isEmpty ? nil : pending
    }
}
