import CZlib
import NIOCore
import Testing

@testable import KubeletServer

/// The SPDY/3.1 pieces port-forward is built from: framing, header blocks and their compression.
/// (kubectl itself is the other end in tests/e2e/test_kube_pods.py.)
@Suite struct SPDYTests {
    @Test func theDictionaryIsTheProtocolsByteForByte() {
        #expect(SPDYDictionary.bytes.count == 1423)
        let checksum = SPDYDictionary.bytes.withUnsafeBufferPointer { adler32(1, $0.baseAddress, UInt32($0.count)) }
        #expect(checksum == 3_821_447_106)
    }

    @Test func framesSurviveTheWireInAnyPieces() throws {
        let frames: [SPDYFrame] = [
            .synStream(streamID: 1, headerBlock: [1, 2, 3], fin: false),
            .synReply(streamID: 1, headerBlock: [4], fin: true),
            .data(streamID: 3, payload: Array("GET / HTTP/1.1\r\n\r\n".utf8), fin: false),
            .data(streamID: 3, payload: [], fin: true),
            .rstStream(streamID: 5, status: SPDYFrame.refusedStream),
            .ping(id: 7),
            .goAway(lastStreamID: 5, status: 0),
        ]
        let wire = frames.flatMap { $0.encoded() }
        var decoder = SPDYFrameDecoder()
        var decoded: [SPDYFrame] = []
        // Three bytes at a time: frames split across WebSocket messages still come out whole.
        for start in stride(from: 0, to: wire.count, by: 3) {
            decoder.append(ByteBuffer(bytes: wire[start..<min(start + 3, wire.count)]))
            while let frame = try decoder.next() { decoded.append(frame) }
        }
        #expect(decoded == frames)
    }

    @Test func settingsWindowUpdatesAndUnknownControlFramesAreSkipped() throws {
        let settings: [UInt8] = [0x80, 0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 0]
        let windowUpdate: [UInt8] = [0x80, 0x03, 0x00, 0x09, 0x00, 0x00, 0x00, 0x08, 0, 0, 0, 1, 0, 0, 0x10, 0]
        let unknown: [UInt8] = [0x80, 0x03, 0x00, 0x63, 0x00, 0x00, 0x00, 0x00]
        var decoder = SPDYFrameDecoder()
        decoder.append(ByteBuffer(bytes: settings + windowUpdate + SPDYFrame.ping(id: 9).encoded() + unknown))
        #expect(try decoder.next() == .ping(id: 9))
        #expect(try decoder.next() == nil)
        // Only dropped frames: nothing comes out, and the buffer is used up.
        decoder.append(ByteBuffer(bytes: settings))
        #expect(try decoder.next() == nil)
        decoder.append(ByteBuffer(bytes: SPDYFrame.goAway(lastStreamID: 1, status: 0).encoded()))
        #expect(try decoder.next() == .goAway(lastStreamID: 1, status: 0))
    }

    @Test func otherVersionsAndShortFramesAreProtocolErrors() {
        var decoder = SPDYFrameDecoder()
        decoder.append(ByteBuffer(bytes: [0x80, 0x02, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 1]))
        #expect(throws: SPDYProtocolError.self) { try decoder.next() }
        var short = SPDYFrameDecoder()
        short.append(ByteBuffer(bytes: [0x80, 0x03, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0, 0]))
        #expect(throws: SPDYProtocolError.self) { try short.next() }
    }

    @Test func headerBlocksRoundTripThroughOneCompressionContextPerDirection() throws {
        let deflater = try SPDYHeaderDeflater()
        let inflater = try SPDYHeaderInflater()
        // One context for the whole connection: later blocks refer back to earlier ones.
        for request in 0..<3 {
            for type in ["error", "data"] {
                let block = SPDYHeaderBlock.encode([
                    ("streamType", type), ("port", "8080"), ("requestID", "\(request)"),
                ])
                let headers = try SPDYHeaderBlock.decode(inflater.inflate(deflater.deflate(block)))
                #expect(headers == ["streamtype": type, "port": "8080", "requestid": "\(request)"])
            }
        }
    }

    @Test func garbageAndTruncatedHeaderBlocksAreRefused() throws {
        let inflater = try SPDYHeaderInflater()
        #expect(throws: SPDYProtocolError.self) { try inflater.inflate([0x12, 0x34, 0x56, 0x78]) }
        #expect(throws: SPDYProtocolError.self) { try SPDYHeaderBlock.decode([0, 0, 0, 1, 0, 0, 0, 9, 0x61]) }
    }
}
