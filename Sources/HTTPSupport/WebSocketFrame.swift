import NIOCore

/// One WebSocket frame (RFC 6455 §5.2), with the payload already unmasked.
struct WebSocketFrame {
    enum Opcode: UInt8 {
        case continuation = 0x0
        case text = 0x1
        case binary = 0x2
        case close = 0x8
        case ping = 0x9
        case pong = 0xA

        var isControl: Bool { self.rawValue & 0x8 != 0 }
    }

    enum ParseResult {
        case frame(WebSocketFrame)
        case needMore
        /// The bytes break the protocol; close with this code.
        case invalid(UInt16)
    }

    var fin: Bool
    var opcode: Opcode
    var payload: ByteBuffer

    /// Takes one frame off the front of `buffer` if it is complete. Masked and unmasked frames are
    /// both accepted: being strict about the direction buys nothing and would break relays.
    static func parse(_ buffer: inout ByteBuffer, maxPayload: Int) -> ParseResult {
        let start = buffer.readerIndex
        guard let first = buffer.getInteger(at: start, as: UInt8.self),
            let second = buffer.getInteger(at: start + 1, as: UInt8.self)
        else { return .needMore }
        // No extension is ever negotiated, so reserved bits must be clear.
        guard first & 0x70 == 0, let opcode = Opcode(rawValue: first & 0x0F) else {
            return .invalid(WebSocketCloseCode.protocolError)
        }
        let fin = first & 0x80 != 0
        var offset = start + 2
        var length = UInt64(second & 0x7F)
        if length == 126 {
            guard let extended = buffer.getInteger(at: offset, as: UInt16.self) else { return .needMore }
            length = UInt64(extended)
            offset += 2
        } else if length == 127 {
            guard let extended = buffer.getInteger(at: offset, as: UInt64.self) else { return .needMore }
            length = extended
            offset += 8
        }
        if opcode.isControl && (length > 125 || !fin) { return .invalid(WebSocketCloseCode.protocolError) }
        guard length <= UInt64(maxPayload) else { return .invalid(WebSocketCloseCode.messageTooBig) }
        var mask: [UInt8]?
        if second & 0x80 != 0 {
            guard let key = buffer.getBytes(at: offset, length: 4) else { return .needMore }
            mask = key
            offset += 4
        }
        guard var payload = buffer.getSlice(at: offset, length: Int(length)) else { return .needMore }
        buffer.moveReaderIndex(to: offset + Int(length))
        if buffer.readerIndex > 1 << 16 { buffer.discardReadBytes() }
        if let mask { payload = Self.applyMask(mask, to: payload) }
        return .frame(WebSocketFrame(fin: fin, opcode: opcode, payload: payload))
    }

    /// One unfragmented frame; clients mask with a fresh random key (RFC 6455 §5.3).
    static func encode(opcode: Opcode, payload: ByteBuffer, masked: Bool) -> ByteBuffer {
        let length = payload.readableBytes
        var out = ByteBuffer()
        out.reserveCapacity(length + 14)
        out.writeInteger(0x80 | opcode.rawValue)
        let maskBit: UInt8 = masked ? 0x80 : 0
        if length < 126 {
            out.writeInteger(maskBit | UInt8(length))
        } else if length <= Int(UInt16.max) {
            out.writeInteger(maskBit | 126)
            out.writeInteger(UInt16(length))
        } else {
            out.writeInteger(maskBit | 127)
            out.writeInteger(UInt64(length))
        }
        if masked {
            var generator = SystemRandomNumberGenerator()
            let key = (0..<4).map { _ in UInt8.random(in: 0...255, using: &generator) }
            out.writeBytes(key)
            var maskedPayload = Self.applyMask(key, to: payload)
            out.writeBuffer(&maskedPayload)
        } else {
            var copy = payload
            out.writeBuffer(&copy)
        }
        return out
    }

    private static func applyMask(_ key: [UInt8], to payload: ByteBuffer) -> ByteBuffer {
        var bytes = Array(payload.readableBytesView)
        for index in bytes.indices { bytes[index] ^= key[index & 3] }
        return ByteBuffer(bytes: bytes)
    }
}
