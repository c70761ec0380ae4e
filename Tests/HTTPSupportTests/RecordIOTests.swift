import HTTPSupport
import NIOCore
import Testing

@Suite("RecordIO")
struct RecordIOTests {
    private let payloads = [
        #"{"type":"SUBSCRIBED"}"#, #"{"type":"HEARTBEAT"}"#, "ünïcödé ✓", String(repeating: "x", count: 1234),
    ]

    private var encodedStream: [UInt8] {
        self.payloads.flatMap { Array(RecordIO.encode(Array($0.utf8)).readableBytesView) }
    }

    @Test func encodeWritesDecimalByteLengthThenPayload() {
        let encoded = RecordIO.encode(Array("ünï".utf8))
        #expect(String(buffer: encoded) == "5\nünï")
        #expect(String(buffer: RecordIO.encode(ByteBuffer(string: "{}"))) == "2\n{}")
    }

    @Test func severalRecordsInOneChunk() throws {
        var decoder = RecordIODecoder()
        let records = try decoder.feed(self.encodedStream)
        #expect(records.map { String(decoding: $0, as: UTF8.self) } == self.payloads)
        #expect(!decoder.hasPartialRecord)
        try decoder.finish()
    }

    @Test(arguments: [1, 2, 3, 7, 100])
    func recordsSplitAcrossChunks(chunkSize: Int) throws {
        var decoder = RecordIODecoder()
        var records: [String] = []
        let bytes = self.encodedStream
        var start = 0
        while start < bytes.count {
            let end = min(start + chunkSize, bytes.count)
            records += try decoder.feed(ByteBuffer(bytes: bytes[start..<end])).map {
                String(decoding: $0, as: UTF8.self)
            }
            start = end
        }
        #expect(records == self.payloads)
        try decoder.finish()
    }

    @Test func nonDigitLengthIsAnError() {
        var decoder = RecordIODecoder()
        #expect(throws: RecordIOError.invalidLengthCharacter(UInt8(ascii: "{"))) {
            _ = try decoder.feed(Array(#"{"type":"HEARTBEAT"}"#.utf8))
        }
        // Framing is lost for good: later input fails too.
        #expect(throws: RecordIOError.self) { _ = try decoder.feed(Array("2\n{}".utf8)) }
    }

    @Test func absurdLengthIsAnError() {
        var decoder = RecordIODecoder(maxRecordBytes: 1000)
        #expect(throws: RecordIOError.recordTooLarge(length: 1001, limit: 1000)) {
            _ = try decoder.feed(Array("1001\n".utf8))
        }
        var overflowing = RecordIODecoder()
        #expect(throws: RecordIOError.self) {
            _ = try overflowing.feed(Array("99999999999999999999999999\n".utf8))
        }
    }

    @Test func emptyLengthIsAnError() {
        var decoder = RecordIODecoder()
        #expect(throws: RecordIOError.emptyLength) { _ = try decoder.feed(Array("\n".utf8)) }
    }

    @Test func truncatedStreamIsReportedAtFinish() throws {
        var decoder = RecordIODecoder()
        #expect(try decoder.feed(Array("10\nabc".utf8)).isEmpty)
        #expect(decoder.hasPartialRecord)
        #expect(throws: RecordIOError.truncated(missingBytes: 7)) { try decoder.finish() }
    }
}
