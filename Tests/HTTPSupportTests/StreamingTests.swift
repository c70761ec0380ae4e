import HTTPSupport
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// A handler that opens an event stream, sends a first record right away and hands the stream
/// to the test, which then plays the producer.
private func streamingHandler(_ mailbox: Mailbox<ResponseStream>) -> @Sendable (HTTPRequest) async -> HTTPResponse {
    { _ in
        let stream = ResponseStream()
        stream.sendRecord(Array(#"{"type":"SUBSCRIBED"}"#.utf8))
        mailbox.post(stream)
        return .stream(stream, contentType: "application/json", headers: ["Mesos-Stream-Id": "abc"])
    }
}

private let subscribeRequest =
    "POST /api/v1/scheduler HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    + "Accept: application/json\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"

@Suite("Streamed responses", .timeLimit(.minutes(1)))
struct StreamingTests {
    @Test func streamWithConnectionCloseKeepsStreaming() async throws {
        let mailbox = Mailbox<ResponseStream>()
        try await withServer(handler: streamingHandler(mailbox)) { _, port in
            let client = try await RawHTTPClient.connect(port: port)
            try await client.send(subscribeRequest)
            let head = try await client.readHead()
            #expect(head.status == 200)
            #expect(head.header("transfer-encoding")?.lowercased() == "chunked")
            #expect(head.header("content-type") == "application/json")
            #expect(head.header("mesos-stream-id") == "abc")
            #expect(head.header("content-length") == nil)

            let stream = try #require(try await mailbox.next())
            var chunks: [[UInt8]] = [try #require(try await client.readChunk())]
            // Records keep flowing after the request's `Connection: close`.
            for index in 1...3 {
                stream.sendRecord(Array(#"{"type":"HEARTBEAT","n":\#(index)}"#.utf8))
                chunks.append(try #require(try await client.readChunk()))
            }
            #expect(!client.isClosed)
            #expect(
                try records(in: chunks) == [
                    #"{"type":"SUBSCRIBED"}"#, #"{"type":"HEARTBEAT","n":1}"#,
                    #"{"type":"HEARTBEAT","n":2}"#, #"{"type":"HEARTBEAT","n":3}"#,
                ])

            // Finishing sends the terminating chunk, then the connection closes as asked.
            stream.finish()
            #expect(try await client.readChunk() == nil)
            _ = await client.readUntilClosed()
            #expect(client.isClosed)
            #expect(try await within(seconds: 10) { try await stream.waitUntilClosed() } == .finished)
        }
    }

    @Test func clientDisconnectIsSignalledToTheProducer() async throws {
        let mailbox = Mailbox<ResponseStream>()
        try await withServer(handler: streamingHandler(mailbox)) { _, port in
            let client = try await RawHTTPClient.connect(port: port)
            try await client.send(subscribeRequest)
            #expect(try await client.readHead().status == 200)
            let stream = try #require(try await mailbox.next())
            let callbackReason = Mailbox<ResponseStream.CloseReason>()
            stream.onClose { callbackReason.post($0) }
            #expect(!stream.isClosed)

            await client.close()

            // No write is needed for the producer to learn the client left.
            let reason = try await within(seconds: 10) { try await stream.waitUntilClosed() }
            #expect(reason == .clientDisconnected)
            #expect(try await callbackReason.next() == .clientDisconnected)
            #expect(stream.sendRecord(Array("late".utf8)) == false)
            await #expect(throws: ResponseStream.ClosedError.self) {
                try await stream.write(ByteBuffer(string: "late"))
            }
        }
    }

    @Test func disconnectBeforeTheHandlerReturnsClosesTheStream() async throws {
        let created = Mailbox<ResponseStream>()
        let proceed = Mailbox<Void>()
        try await withServer(handler: { _ in
            let stream = ResponseStream()
            created.post(stream)
            _ = try? await proceed.next()
            return .stream(stream, contentType: "application/json")
        }) { _, port in
            let client = try await RawHTTPClient.connect(port: port)
            try await client.send(subscribeRequest)
            let stream = try #require(try await created.next())
            await client.close()
            // Give the server a moment to see the close, then let the handler return its stream.
            try await Task.sleep(nanoseconds: 100_000_000)
            proceed.post(())
            let reason = try await within(seconds: 10) { try await stream.waitUntilClosed() }
            #expect(reason == .clientDisconnected)
        }
    }

    @Test func keepAliveContinuesAfterAFinishedStream() async throws {
        try await withServer(handler: { request in
            guard request.path == "/stream" else { return .text("plain") }
            let stream = ResponseStream()
            stream.send(ByteBuffer(string: "part1"))
            stream.send(ByteBuffer(string: "part2"))
            stream.finish()
            return .stream(stream, contentType: "text/plain")
        }) { _, port in
            let client = try await RawHTTPClient.connect(port: port)
            try await client.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            let streamed = try await client.readResponse()
            #expect(streamed.bodyString == "part1part2")
            try await client.send("GET /other HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().bodyString == "plain")
            await client.close()
        }
    }

    @Test func serverShutdownEndsStreams() async throws {
        let mailbox = Mailbox<ResponseStream>()
        let server = HTTPServer(host: "127.0.0.1", port: 0, handler: streamingHandler(mailbox))
        let port = try await server.start()
        let client = try await RawHTTPClient.connect(port: port)
        try await client.send(subscribeRequest)
        #expect(try await client.readHead().status == 200)
        let stream = try #require(try await mailbox.next())

        await server.shutdown()

        #expect(try await within(seconds: 10) { try await stream.waitUntilClosed() } == .serverShutdown)
        _ = await client.readUntilClosed()
        #expect(client.isClosed)
    }

    @Test func writeWaitsForTheClientAndFailsWhenItLeaves() async throws {
        let mailbox = Mailbox<ResponseStream>()
        try await withServer(handler: { _ in
            let stream = ResponseStream(maxBufferedBytes: 1 << 30, writeHighWatermark: 1024)
            mailbox.post(stream)
            return .stream(stream, contentType: "application/octet-stream")
        }) { _, port in
            let client = try await RawHTTPClient.connect(port: port, autoRead: false)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            let stream = try #require(try await mailbox.next())
            // The client never reads: writes eventually suspend, then fail once it disconnects.
            let writer = Task {
                let chunk = ByteBuffer(repeating: 0x61, count: 64 * 1024)
                while true {
                    do {
                        try await stream.write(chunk)
                    } catch {
                        return error
                    }
                }
            }
            try await Task.sleep(nanoseconds: 200_000_000)
            await client.close()
            let error = try await within(seconds: 10) { await writer.value }
            #expect(error is ResponseStream.ClosedError)
            #expect(stream.closeReason == .clientDisconnected)
        }
    }
}

@Suite("ResponseStream")
struct ResponseStreamTests {
    @Test func sendAfterFinishIsRejected() async throws {
        let stream = ResponseStream()
        #expect(stream.send(ByteBuffer(string: "a")))
        stream.finish()
        #expect(!stream.send(ByteBuffer(string: "b")))
        await #expect(throws: ResponseStream.ClosedError.self) { try await stream.write(ByteBuffer(string: "c")) }
    }

    @Test func overflowClosesTheStream() {
        let stream = ResponseStream(maxBufferedBytes: 10)
        #expect(stream.send(ByteBuffer(string: "12345")))
        #expect(!stream.send(ByteBuffer(string: "1234567")))
        #expect(stream.closeReason == .bufferOverflow)
        // A callback registered after the end runs at once.
        let reported = NIOLockedValueBox<ResponseStream.CloseReason?>(nil)
        stream.onClose { reason in reported.withLockedValue { $0 = reason } }
        #expect(reported.withLockedValue { $0 } == .bufferOverflow)
    }
}
