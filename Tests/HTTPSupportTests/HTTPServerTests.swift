import HTTPSupport
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// Echoes what the server parsed, so tests can check routing inputs.
private let echo: @Sendable (HTTPRequest) async -> HTTPResponse = { request in
    struct Echo: Encodable {
        let method: String
        let path: String
        let query: [String: String]
        let body: String
        let remote: String?
    }
    return .json(
        Echo(
            method: request.method.rawValue, path: request.path, query: request.query, body: request.bodyString,
            remote: request.remoteAddress))
}

@Suite("HTTP server", .timeLimit(.minutes(1)))
struct HTTPServerTests {
    @Test func keepAliveServesSeveralRequestsOnOneConnection() async throws {
        let calls = NIOLockedValueBox(0)
        try await withServer(handler: { request in
            let number = calls.withLockedValue { count -> Int in
                count += 1
                return count
            }
            return .text("call \(number) \(request.path)")
        }) { _, port in
            let client = try await RawHTTPClient.connect(port: port)
            for index in 1...3 {
                try await client.send("GET /n/\(index) HTTP/1.1\r\nHost: x\r\n\r\n")
                let response = try await client.readResponse()
                #expect(response.status == 200)
                #expect(response.bodyString == "call \(index) /n/\(index)")
                #expect(response.header("connection") == nil)
            }
            // A POST with a body on the same connection still works.
            try await client.send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
            let last = try await client.readResponse()
            #expect(last.bodyString == "call 4 /p")
            #expect(!client.isClosed)
            await client.close()
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await withServer(handler: { request in
            // The first request is slow; its answer must still come first.
            if request.path == "/slow" { try? await Task.sleep(nanoseconds: 50_000_000) }
            return .text(request.path)
        }) { _, port in
            let client = try await RawHTTPClient.connect(port: port)
            try await client.send(
                "GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().bodyString == "/slow")
            #expect(try await client.readResponse().bodyString == "/fast")
            await client.close()
        }
    }

    @Test func connectionCloseIsHonouredForPlainResponses() async throws {
        try await withServer(handler: { _ in .text("bye") }) { _, port in
            let client = try await RawHTTPClient.connect(port: port)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.bodyString == "bye")
            #expect(response.header("connection")?.lowercased() == "close")
            let rest = await client.readUntilClosed()
            #expect(rest.isEmpty)
            #expect(client.isClosed)
        }
    }

    @Test func http10WithoutKeepAliveIsClosed() async throws {
        try await withServer(handler: { _ in .text("old") }) { _, port in
            let client = try await RawHTTPClient.connect(port: port)
            try await client.send("GET / HTTP/1.0\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.bodyString == "old")
            _ = await client.readUntilClosed()
            #expect(client.isClosed)
        }
    }

    @Test func requestFieldsAreParsed() async throws {
        try await withServer(handler: echo) { _, port in
            let client = try await RawHTTPClient.connect(port: port)
            try await client.send(
                "PUT /a%20b/c?x=1&y=hello+world&x=2&flag HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.header("content-type") == "application/json")
            struct Echo: Decodable {
                let method: String
                let path: String
                let query: [String: String]
                let body: String
                let remote: String?
            }
            let decoded = try MesosJSON.decode(Echo.self, from: response.body)
            #expect(decoded.method == "PUT")
            #expect(decoded.path == "/a b/c")
            #expect(decoded.query == ["x": "2", "y": "hello world", "flag": ""])
            #expect(decoded.body == "abc")
            #expect(decoded.remote?.hasPrefix("127.0.0.1:") == true)
            await client.close()
        }
    }

    @Test func oversizedBodyGets413AndTheHandlerIsNotCalled() async throws {
        let calls = NIOLockedValueBox(0)
        try await withServer(
            maxBodyBytes: 1000,
            handler: { _ in
                calls.withLockedValue { $0 += 1 }
                return .text("ok")
            }
        ) { _, port in
            // Announced by Content-Length: refused before any body byte is read.
            let client = try await RawHTTPClient.connect(port: port)
            try await client.send("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 413)
            #expect(response.bodyString.contains("1000 bytes"))
            #expect(response.header("connection")?.lowercased() == "close")
            _ = await client.readUntilClosed()
            #expect(client.isClosed)

            // Chunked upload that grows past the limit.
            let chunked = try await RawHTTPClient.connect(port: port)
            let chunk = String(repeating: "a", count: 600)
            try await chunked.send(
                "POST /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n\(chunk)\r\n258\r\n\(chunk)\r\n"
            )
            let second = try await chunked.readResponse()
            #expect(second.status == 413)
            _ = await chunked.readUntilClosed()
        }
        #expect(calls.withLockedValue { $0 } == 0)
    }

    @Test func bodyAtTheLimitIsAccepted() async throws {
        try await withServer(maxBodyBytes: 10, handler: { .text("got \($0.body.readableBytes)") }) { _, port in
            let client = try await RawHTTPClient.connect(port: port)
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789")
            #expect(try await client.readResponse().bodyString == "got 10")
            await client.close()
        }
    }

    @Test func malformedRequestLineGets400AndClose() async throws {
        let calls = NIOLockedValueBox(0)
        try await withServer(handler: { _ in
            calls.withLockedValue { $0 += 1 }
            return .text("ok")
        }) { _, port in
            let client = try await RawHTTPClient.connect(port: port)
            try await client.send("this is not http at all\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 400)
            #expect(response.bodyString.hasPrefix("Malformed HTTP request"))
            _ = await client.readUntilClosed()
            #expect(client.isClosed)
        }
        #expect(calls.withLockedValue { $0 } == 0)
    }

    @Test func expectContinueIsAnswered() async throws {
        try await withServer(handler: { .text($0.bodyString) }) { _, port in
            let client = try await RawHTTPClient.connect(port: port)
            try await client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            let interim = try await client.readHead()
            #expect(interim.status == 100)
            try await client.send("data")
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.bodyString == "data")
            await client.close()
        }
    }

    @Test func errorsRenderAsPlainText() async throws {
        try await withServer(handler: { _ in
            await HTTPResponse.catching {
                throw HTTPError.methodNotAllowed(allowed: [.POST], got: .GET)
            }
        }) { _, port in
            let client = try await RawHTTPClient.connect(port: port)
            try await client.send("GET /api/v1/scheduler HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 405)
            #expect(response.header("allow") == "POST")
            #expect(response.header("content-type")?.hasPrefix("text/plain") == true)
            #expect(response.bodyString == "Expecting one of { 'POST' }, but received 'GET'")
            await client.close()
        }
    }

    @Test func idleTimeoutClosesIdleConnectionsWhenConfigured() async throws {
        // 1 s, not less: on a loaded machine the request itself may come later than a shorter
        // timeout, and the server would rightly close the still-idle connection before it.
        try await withServer(idleTimeout: .seconds(1), handler: { _ in .text("ok") }) { _, port in
            let client = try await RawHTTPClient.connect(port: port)
            try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse().status == 200)
            // Bounded by the client's watchdog; the server should close long before.
            _ = await client.readUntilClosed()
            #expect(client.isClosed)
        }
    }

    @Test func startFailsClearlyWhenThePortIsTaken() async throws {
        try await withServer(handler: { _ in .empty() }) { _, port in
            let second = HTTPServer(host: "127.0.0.1", port: port, handler: { _ in .empty() })
            await #expect(throws: HTTPServerError.addressInUse(host: "127.0.0.1", port: port)) {
                _ = try await second.start()
            }
        }
    }

    @Test func shutdownClosesIdleKeepAliveConnections() async throws {
        let server = HTTPServer(host: "127.0.0.1", port: 0, handler: { _ in .text("ok") })
        let port = try await server.start()
        #expect(server.port == port)
        let client = try await RawHTTPClient.connect(port: port)
        try await client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await client.readResponse().status == 200)
        await server.shutdown()
        _ = await client.readUntilClosed()
        #expect(client.isClosed)
        #expect(server.port == nil)
    }
}
