import HTTPSupport
import NIOCore
import Testing

/// A miniature scheduler endpoint: POST /subscribe streams the request body back as the first
/// record and hands the stream to the test; POST /call answers 202; anything else is a 400.
private func schedulerLike(_ streams: Mailbox<ResponseStream>) -> @Sendable (HTTPRequest) async -> HTTPResponse {
    { request in
        switch (request.method, request.path) {
        case (.POST, "/subscribe"):
            guard request.headers.first(name: "content-type") == "application/json" else {
                return HTTPError.unsupportedMediaType("Expecting 'Content-Type' of application/json").response
            }
            let stream = ResponseStream()
            stream.sendRecord(request.bodyBytes)
            streams.post(stream)
            return .stream(stream, contentType: "application/json", headers: ["Mesos-Stream-Id": "s-1"])
        case (.POST, "/call"):
            return .empty(status: .accepted)
        case (.GET, "/version"):
            return .json(["version": "1.11.0"])
        default:
            return HTTPError.badRequest("no route for \(request.path)").response
        }
    }
}

@Suite("HTTP client session", .timeLimit(.minutes(3)))
struct HTTPClientSessionTests {
    @Test func simpleCallsReuseTheSession() async throws {
        try await withSession { session in
            let streams = Mailbox<ResponseStream>()
            try await withServer(handler: schedulerLike(streams)) { _, port in
                let version = try await session.get(url: "http://127.0.0.1:\(port)/version")
                #expect(version.status == .ok)
                #expect(version.bodyString == #"{"version":"1.11.0"}"#)

                let call = try await session.post(url: "http://127.0.0.1:\(port)/call", json: ["type": "DECLINE"])
                #expect(call.status == .accepted)
                #expect(call.body.isEmpty)

                let missing = try await session.post(url: "http://127.0.0.1:\(port)/nope", body: [])
                #expect(missing.status == .badRequest)
                #expect(missing.bodyString == "no route for /nope")
            }
        }
    }

    @Test func postStreamDeliversRecordsAndCancellationClosesTheConnection() async throws {
        try await withSession { session in
            let streams = Mailbox<ResponseStream>()
            try await withServer(handler: schedulerLike(streams)) { _, port in
                let response = try await session.postStream(
                    url: "http://127.0.0.1:\(port)/subscribe", json: ["type": "SUBSCRIBE"])
                #expect(response.status == .ok)
                #expect(response.headers.first(name: "mesos-stream-id") == "s-1")
                let stream = try #require(try await streams.next())

                let consumer = Task {
                    var received: [String] = []
                    for try await record in response.records {
                        received.append(String(decoding: record, as: UTF8.self))
                        if received.count == 3 { break }
                    }
                    return received
                }
                stream.sendRecord(Array(#"{"type":"HEARTBEAT"}"#.utf8))
                // Two records in one chunk, then one split over two chunks.
                var twoInOne = RecordIO.encode(Array("second".utf8))
                twoInOne.writeImmutableBuffer(RecordIO.encode(Array("third".utf8)))
                stream.send(twoInOne)

                let received = try await within(seconds: 10) { try await consumer.value }
                #expect(received == [#"{"type":"SUBSCRIBE"}"#, #"{"type":"HEARTBEAT"}"#, "second"])

                // The consumer stopped iterating: the client must drop the connection, which the
                // server reports to the producer.
                let reason = try await within(seconds: 10) { try await stream.waitUntilClosed() }
                #expect(reason == .clientDisconnected)
            }
        }
    }

    @Test func postStreamReturnsTheBodyOfAnError() async throws {
        try await withSession { session in
            let streams = Mailbox<ResponseStream>()
            try await withServer(handler: schedulerLike(streams)) { _, port in
                let response = try await session.postStream(
                    url: "http://127.0.0.1:\(port)/subscribe", body: Array("{}".utf8),
                    headers: ["Content-Type": "text/plain"])
                #expect(response.status == .unsupportedMediaType)
                #expect(
                    String(decoding: response.body, as: UTF8.self) == "Expecting 'Content-Type' of application/json")
                var iterator = response.records.makeAsyncIterator()
                #expect(try await iterator.next() == nil)
            }
        }
    }

    @Test func serverShutdownBreaksTheClientStream() async throws {
        try await withSession { session in
            let streams = Mailbox<ResponseStream>()
            let server = HTTPServer(host: "127.0.0.1", port: 0, handler: schedulerLike(streams))
            let port = try await server.start()
            let response = try await session.postStream(
                url: "http://127.0.0.1:\(port)/subscribe", json: ["type": "SUBSCRIBE"])
            let stream = try #require(try await streams.next())

            let consumer = Task {
                var count = 0
                do {
                    for try await _ in response.records { count += 1 }
                    return (count, false)
                } catch {
                    return (count, true)
                }
            }
            await server.shutdown()
            let outcome = try #require(try await within(seconds: 10) { await consumer.value })
            #expect(outcome.0 == 1)
            #expect(outcome.1, "a connection broken mid-stream must end the records with an error")
            #expect(stream.closeReason == .serverShutdown)
        }
    }

    @Test func callsTimeOut() async throws {
        try await withSession { session in
            try await withServer(handler: { _ in
                try? await Task.sleep(nanoseconds: 5_000_000_000)
                return .empty()
            }) { _, port in
                await #expect(throws: (any Error).self) {
                    _ = try await session.get(url: "http://127.0.0.1:\(port)/slow", timeout: .milliseconds(200))
                }
            }
        }
    }
}
