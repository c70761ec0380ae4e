import NIOCore

/// RecordIO framing (Mesos docs/recordio.md): `record = size LF data`, where size is the base-10
/// ASCII byte length of data. Chunk boundaries of the carrying stream mean nothing.
public enum RecordIO {
    /// Frames one record.
    public static func encode(_ payload: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        self.encode(payload, into: &buffer)
        return buffer
    }

    /// Frames one record.
    public static func encode(_ payload: ByteBuffer) -> ByteBuffer {
        let header = "\(payload.readableBytes)\n"
        var buffer = ByteBuffer()
        buffer.reserveCapacity(header.utf8.count + payload.readableBytes)
        buffer.writeString(header)
        buffer.writeImmutableBuffer(payload)
        return buffer
    }

    /// Appends one framed record to `buffer`.
    public static func encode(_ payload: [UInt8], into buffer: inout ByteBuffer) {
        buffer.writeString("\(payload.count)\n")
        buffer.writeBytes(payload)
    }
}

/// A RecordIO stream was malformed.
public enum RecordIOError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A byte other than a decimal digit or LF appeared in a record header.
    case invalidLengthCharacter(UInt8)
    /// A header was just "\n" (the format forbids empty headers).
    case emptyLength
    /// The announced length exceeds the decoder's limit.
    case recordTooLarge(length: UInt64, limit: Int)
    /// The stream ended in the middle of a record.
    case truncated(missingBytes: Int)

    public var description: String {
        switch self {
        case .invalidLengthCharacter(let byte):
            "RecordIO: invalid character 0x\(String(byte, radix: 16)) in record length"
        case .emptyLength: "RecordIO: empty record length"
        case .recordTooLarge(let length, let limit):
            "RecordIO: record of \(length) bytes exceeds the limit of \(limit) bytes"
        case .truncated(let missing): "RecordIO: stream ended inside a record (\(missing) bytes missing)"
        }
    }
}

/// Incremental RecordIO decoder: feed it chunks as they arrive, get whole records back.
/// After it throws, the stream is unusable (framing is lost) and further feeds rethrow.
public struct RecordIODecoder: Sendable {
    /// Records longer than this are rejected rather than buffered.
    public let maxRecordBytes: Int

    private enum Phase: Sendable {
        case header(length: UInt64, digits: Int)
        case payload(remaining: Int)
        case failed(RecordIOError)
    }

    private var phase: Phase = .header(length: 0, digits: 0)
    private var current: [UInt8] = []

    public init(maxRecordBytes: Int = 64 << 20) {
        self.maxRecordBytes = maxRecordBytes
    }

    /// True if bytes of an incomplete record are pending.
    public var hasPartialRecord: Bool {
        switch self.phase {
        case .header(_, let digits): digits > 0
        case .payload: true
        case .failed: false
        }
    }

    /// Consumes `chunk` and returns every record it completes, in order.
    public mutating func feed(_ chunk: ByteBuffer) throws(RecordIOError) -> [[UInt8]] {
        try self.feed(chunk.readableBytesView)
    }

    /// Consumes `bytes` and returns every record they complete, in order.
    public mutating func feed<Bytes: Collection>(_ bytes: Bytes) throws(RecordIOError) -> [[UInt8]]
    where Bytes.Element == UInt8 {
        var records: [[UInt8]] = []
        var index = bytes.startIndex
        while index != bytes.endIndex {
            switch self.phase {
            case .failed(let error):
                throw error
            case .header(let length, let digits):
                let byte = bytes[index]
                index = bytes.index(after: index)
                self.consumeHeaderByte(byte, length: length, digits: digits)
                if case .payload(0) = self.phase {
                    // Length 0 is forbidden by the spec but harmless; deliver an empty record.
                    records.append([])
                    self.phase = .header(length: 0, digits: 0)
                }
            case .payload(let remaining):
                let available = bytes.distance(from: index, to: bytes.endIndex)
                let take = min(remaining, available)
                let end = bytes.index(index, offsetBy: take)
                self.current.append(contentsOf: bytes[index..<end])
                index = end
                if take == remaining {
                    records.append(self.current)
                    self.current = []
                    self.phase = .header(length: 0, digits: 0)
                } else {
                    self.phase = .payload(remaining: remaining - take)
                }
            }
        }
        if case .failed(let error) = self.phase { throw error }
        return records
    }

    /// Call at end of stream: throws if a record was cut short.
    public func finish() throws(RecordIOError) {
        switch self.phase {
        case .failed(let error): throw error
        case .payload(let remaining): throw .truncated(missingBytes: remaining)
        case .header(_, let digits) where digits > 0: throw .truncated(missingBytes: 0)
        case .header: return
        }
    }

    private mutating func consumeHeaderByte(_ byte: UInt8, length: UInt64, digits: Int) {
        if byte == UInt8(ascii: "\n") {
            guard digits > 0 else { return self.fail(.emptyLength) }
            self.current = []
            self.current.reserveCapacity(Int(length))
            self.phase = .payload(remaining: Int(length))
            return
        }
        guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
            return self.fail(.invalidLengthCharacter(byte))
        }
        let (times10, overflow1) = length.multipliedReportingOverflow(by: 10)
        let (next, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
        guard !overflow1, !overflow2, next <= UInt64(self.maxRecordBytes) else {
            return self.fail(.recordTooLarge(length: overflow1 || overflow2 ? .max : next, limit: self.maxRecordBytes))
        }
        self.phase = .header(length: next, digits: digits + 1)
    }

    private mutating func fail(_ error: RecordIOError) {
        self.phase = .failed(error)
        self.current = []
    }
}
