import NIOCore

/// SPDY/3.1 frames, the framing `kubectl port-forward` speaks inside its WebSocket
/// (`SPDY/3.1+portforward.k8s.io`): control frames open, answer and reset streams, data frames
/// carry one stream's bytes. Only what a port-forward server needs is told apart; the decoder
/// reads SETTINGS, WINDOW_UPDATE, HEADERS and unknown control frames and drops them (kubectl's
/// SPDY library does not enforce flow control), so no frame stands for them.
enum SPDYFrame: Sendable, Equatable {
    /// A new stream from the client: the compressed header block is decoded by the session,
    /// which owns the connection's one decompression context.
    case synStream(streamID: UInt32, headerBlock: [UInt8], fin: Bool)
    case synReply(streamID: UInt32, headerBlock: [UInt8], fin: Bool)
    case rstStream(streamID: UInt32, status: UInt32)
    case ping(id: UInt32)
    case goAway(lastStreamID: UInt32, status: UInt32)
    case data(streamID: UInt32, payload: [UInt8], fin: Bool)

    static let version: UInt16 = 3
    static let finFlag: UInt8 = 0x01
    /// RST_STREAM status codes used here.
    static let protocolError: UInt32 = 1
    static let refusedStream: UInt32 = 3

    enum ControlType: UInt16 {
        case synStream = 1, synReply = 2, rstStream = 3, settings = 4, ping = 6, goAway = 7, headers = 8
        case windowUpdate = 9
    }

    /// The frame's bytes on the wire.
    func encoded() -> [UInt8] {
        switch self {
        case .synStream(let id, let block, let fin):
            return Self.control(
                .synStream, flags: fin ? Self.finFlag : 0, Self.word(id) + Self.word(0) + [0, 0] + block)
        case .synReply(let id, let block, let fin):
            return Self.control(.synReply, flags: fin ? Self.finFlag : 0, Self.word(id) + block)
        case .rstStream(let id, let status):
            return Self.control(.rstStream, flags: 0, Self.word(id) + Self.word(status))
        case .ping(let id):
            return Self.control(.ping, flags: 0, Self.word(id))
        case .goAway(let last, let status):
            return Self.control(.goAway, flags: 0, Self.word(last) + Self.word(status))
        case .data(let id, let payload, let fin):
            return Self.word(id & 0x7fff_ffff) + [fin ? Self.finFlag : 0] + Self.length(payload.count) + payload
        }
    }

    private static func control(_ type: ControlType, flags: UInt8, _ body: [UInt8]) -> [UInt8] {
        let head: [UInt8] = [
            0x80 | UInt8(version >> 8), UInt8(version & 0xff), UInt8(type.rawValue >> 8), UInt8(type.rawValue & 0xff),
            flags,
        ]
        return head + length(body.count) + body
    }

    static func word(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
    }

    private static func length(_ count: Int) -> [UInt8] {
        [UInt8((count >> 16) & 0xff), UInt8((count >> 8) & 0xff), UInt8(count & 0xff)]
    }
}

struct SPDYProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    var description: String
}

/// Cuts a byte stream into frames; bytes arrive in whatever pieces the WebSocket delivered.
struct SPDYFrameDecoder: Sendable {
    private var buffer = ByteBuffer()

    mutating func append(_ bytes: ByteBuffer) {
        var bytes = bytes
        buffer.writeBuffer(&bytes)
    }

    /// The next whole frame, or nil until more bytes arrive; frames a port-forward server has no
    /// use for are skipped.
    mutating func next() throws(SPDYProtocolError) -> SPDYFrame? {
        while let (head, body) = nextRaw() {
            if let frame = try Self.frame(head: head, body: body) { return frame }
        }
        return nil
    }

    /// The 8-byte head and the body of the next whole frame, taken off the buffer.
    private mutating func nextRaw() -> (head: [UInt8], body: [UInt8])? {
        guard buffer.readableBytes >= 8,
            let head = buffer.getBytes(at: buffer.readerIndex, length: 8)
        else { return nil }
        let length = Int(head[5]) << 16 | Int(head[6]) << 8 | Int(head[7])
        guard buffer.readableBytes >= 8 + length else { return nil }
        buffer.moveReaderIndex(forwardBy: 8)
        let body = buffer.readBytes(length: length) ?? []
        if buffer.readableBytes == 0 { buffer.clear() }
        return (head, body)
    }

    private static func frame(head: [UInt8], body: [UInt8]) throws(SPDYProtocolError) -> SPDYFrame? {
        let flags = head[4]
        let fin = flags & SPDYFrame.finFlag != 0
        guard head[0] & 0x80 != 0 else {
            return .data(streamID: word(head, 0) & 0x7fff_ffff, payload: body, fin: fin)
        }
        let version = UInt16(head[0] & 0x7f) << 8 | UInt16(head[1])
        guard version == SPDYFrame.version else {
            throw SPDYProtocolError(description: "SPDY version \(version) is not supported (3 is)")
        }
        return try control(type: UInt16(head[2]) << 8 | UInt16(head[3]), body: body, fin: fin)
    }

    /// Nil for the control frames that are dropped.
    private static func control(type: UInt16, body: [UInt8], fin: Bool) throws(SPDYProtocolError) -> SPDYFrame? {
        func need(_ count: Int) throws(SPDYProtocolError) {
            guard body.count >= count else {
                throw SPDYProtocolError(description: "SPDY control frame \(type) is too short")
            }
        }
        switch SPDYFrame.ControlType(rawValue: type) {
        case .synStream:
            try need(10)
            return .synStream(streamID: word(body, 0) & 0x7fff_ffff, headerBlock: Array(body[10...]), fin: fin)
        case .synReply:
            try need(4)
            return .synReply(streamID: word(body, 0) & 0x7fff_ffff, headerBlock: Array(body[4...]), fin: fin)
        case .rstStream:
            try need(8)
            return .rstStream(streamID: word(body, 0) & 0x7fff_ffff, status: word(body, 4))
        case .ping:
            try need(4)
            return .ping(id: word(body, 0))
        case .goAway:
            try need(8)
            return .goAway(lastStreamID: word(body, 0) & 0x7fff_ffff, status: word(body, 4))
        case .settings, .headers, .windowUpdate, nil:
            return nil
        }
    }

    static func word(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }
}

/// A SPDY/3 name/value header block before compression: a count, then length-prefixed names and
/// values (a value may hold several, separated by NUL).
enum SPDYHeaderBlock {
    static func encode(_ headers: [(name: String, value: String)]) -> [UInt8] {
        var bytes = SPDYFrame.word(UInt32(headers.count))
        for (name, value) in headers {
            bytes += SPDYFrame.word(UInt32(name.utf8.count)) + Array(name.lowercased().utf8)
            bytes += SPDYFrame.word(UInt32(value.utf8.count)) + Array(value.utf8)
        }
        return bytes
    }

    /// Names are lower-cased, as SPDY requires them to be sent.
    static func decode(_ bytes: [UInt8]) throws(SPDYProtocolError) -> [String: String] {
        var offset = 0
        func take(_ count: Int) throws(SPDYProtocolError) -> ArraySlice<UInt8> {
            guard count >= 0, offset + count <= bytes.count else {
                throw SPDYProtocolError(description: "SPDY header block is truncated")
            }
            defer { offset += count }
            return bytes[offset..<offset + count]
        }
        func number() throws(SPDYProtocolError) -> Int {
            let slice = try take(4)
            return Int(SPDYFrameDecoder.word(Array(slice), 0))
        }
        var headers: [String: String] = [:]
        for _ in 0..<(try number()) {
            let name = String(decoding: try take(try number()), as: UTF8.self).lowercased()
            headers[name] = String(decoding: try take(try number()), as: UTF8.self)
        }
        return headers
    }
}
