import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

typealias ServerConnectionChannel = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

/// Serves the requests of one connection, strictly in order.
///
/// NIO's `HTTPServerPipelineHandler` holds back a pipelined request until the previous response has
/// ended, so a single loop over the inbound parts is enough. A client leaving is noticed through the
/// channel's close future (NIO watches for EOF even while reads are held back), which the
/// `ConnectionWatch` turns into closing the active `ResponseStream` at once.
struct HTTPConnection {
    let handler: any HTTPHandler
    let maxBodyBytes: Int
    /// How long to wait for the peer to close after we half-closed, before closing hard.
    let lingerTimeout: TimeAmount
    let watch: ConnectionWatch
    let logger: Logger

    private var channel: any Channel { self.watch.channel }

    func run(
        inbound: NIOAsyncChannelInboundStream<HTTPServerRequestPart>,
        outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws {
        var assembler = RequestAssembler(maxBodyBytes: self.maxBodyBytes)
        var closing = false
        // One iterator for the whole connection: after an upgrade the same inbound carries raw bytes.
        let parts = InboundParts(inbound)
        while let part = try await parts.next() {
            // After the final response we only drain input until the peer closes (or lingering ends).
            if closing { continue }
            if case .head = part { self.watch.requestStarted() }
            switch assembler.consume(part) {
            case .none:
                break
            case .headAccepted(let sendContinue):
                if let version = sendContinue {
                    try await outbound.write(.head(HTTPResponseHead(version: version, status: .continue)))
                }
            case .tooLarge(let head):
                let response = HTTPError.payloadTooLarge(limit: self.maxBodyBytes).response
                try await self.writeComplete(response, to: head, keepAlive: false, outbound: outbound)
                closing = true
            case .complete(let head, let body):
                let keepAlive = try await self.respond(to: head, body: body, parts: parts, outbound: outbound)
                self.watch.requestFinished(keepAlive: keepAlive)
                closing = !keepAlive
            }
            if closing {
                await self.closeGracefully()
            }
        }
    }

    /// Calls the handler and writes its response; returns whether the connection stays open.
    private func respond(
        to head: HTTPRequestHead, body: ByteBuffer, parts: InboundParts<HTTPServerRequestPart>,
        outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws -> Bool {
        let request = HTTPRequest(
            method: head.method, uri: head.uri, version: head.version, headers: head.headers, body: body,
            remoteAddress: self.watch.remoteAddress)
        let response = Self.checkedForUpgrade(await self.handler.handle(request), request: head)
        // The parser stops after a request asking to upgrade, so a refused upgrade ends the connection.
        let keepAlive =
            head.isKeepAlive && !self.watch.isShuttingDown && !isUpgradeRequest(head)
            && !response.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "close" })
        switch response.body {
        case .bytes:
            try await self.writeComplete(response, to: head, keepAlive: keepAlive, outbound: outbound)
            return keepAlive
        case .stream(let stream):
            return try await self.writeStream(
                response, stream: stream, to: head, keepAlive: keepAlive, outbound: outbound)
        case .upgrade(let upgrade):
            await self.runUpgrade(upgrade, response: response, to: head, parts: parts, outbound: outbound)
            return false
        }
    }

    /// A 101 is only possible as an upgrade of a request that asked for one; anything else is a
    /// handler bug, answered as such rather than leaving the client with a broken connection.
    private static func checkedForUpgrade(_ response: HTTPResponse, request: HTTPRequestHead) -> HTTPResponse {
        let upgrading: Bool
        if case .upgrade = response.body { upgrading = true } else { upgrading = false }
        if upgrading && response.status == .switchingProtocols && isUpgradeRequest(request) { return response }
        if !upgrading && response.status != .switchingProtocols { return response }
        return .text("Internal error: inconsistent protocol upgrade response", status: .internalServerError)
    }

    /// Writes the 101 head, swaps the pipeline to raw bytes and hands the connection to the upgrade.
    /// The upgrade runs even if the switch failed: it then reads end-of-stream at once and its writes
    /// fail, so whoever waits on it is always released.
    private func runUpgrade(
        _ upgrade: HTTPUpgrade, response: HTTPResponse, to request: HTTPRequestHead,
        parts: InboundParts<HTTPServerRequestPart>, outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async {
        var head = HTTPResponseHead(version: request.version, status: .switchingProtocols, headers: response.headers)
        head.headers.remove(name: "content-length")
        head.headers.remove(name: "transfer-encoding")
        let channel = self.channel
        do {
            try await channel.triggerUserOutboundEvent(SwitchToRawBytes(responseHead: head)).get()
        } catch {
            channel.close(promise: nil)
        }
        let writer = UpgradedWriter(
            channel: channel, writeBytes: { bytes in try await outbound.write(.body(.byteBuffer(bytes))) })
        let connection = UpgradedConnection(writer: writer) {
            while let part = try await parts.next() {
                if case .body(let bytes) = part { return bytes }
            }
            return nil
        }
        await upgrade.run(connection)
    }

    /// Writes a response whose body is fully known, in one flush.
    private func writeComplete(
        _ response: HTTPResponse, to request: HTTPRequestHead, keepAlive: Bool,
        outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws {
        guard case .bytes(let body) = response.body else { return }
        var head = HTTPResponseHead(version: request.version, status: response.status, headers: response.headers)
        head.headers.remove(name: "transfer-encoding")
        let bodyAllowed = Self.statusAllowsBody(response.status)
        if bodyAllowed {
            head.headers.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
        } else {
            head.headers.remove(name: "content-length")
        }
        Self.setConnectionHeader(&head, request: request, keepAlive: keepAlive)
        var parts: [HTTPServerResponsePart] = [.head(head)]
        if bodyAllowed, request.method != .HEAD, body.readableBytes > 0 {
            parts.append(.body(.byteBuffer(body)))
        }
        parts.append(.end(nil))
        try await outbound.write(contentsOf: parts)
    }

    /// Streams a chunked body until the producer finishes or the connection ends.
    /// A `Connection: close` on the request only means "close after the stream", never earlier.
    private func writeStream(
        _ response: HTTPResponse, stream: ResponseStream, to request: HTTPRequestHead,
        keepAlive requestedKeepAlive: Bool,
        outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws -> Bool {
        if let reason = self.watch.attach(stream) {
            // The client left (or we are shutting down) while the handler was running.
            stream.close(reason)
            throw ConnectionEnded(reason: reason)
        }
        defer { self.watch.detach(stream) }

        var head = HTTPResponseHead(version: request.version, status: response.status, headers: response.headers)
        head.headers.remove(name: "content-length")
        // HTTP/1.0 has no chunked coding: the body then ends with the connection.
        let chunked = request.version.major > 1 || (request.version.major == 1 && request.version.minor >= 1)
        let keepAlive = requestedKeepAlive && chunked
        if chunked {
            head.headers.replaceOrAdd(name: "transfer-encoding", value: "chunked")
        } else {
            head.headers.remove(name: "transfer-encoding")
        }
        Self.setConnectionHeader(&head, request: request, keepAlive: keepAlive)
        do {
            try await outbound.write(.head(head))
            while true {
                switch await stream.next() {
                case .chunks(let chunks):
                    try await outbound.write(contentsOf: chunks.map { .body(.byteBuffer($0)) })
                case .finished:
                    try await outbound.write(.end(nil))
                    stream.close(.finished)
                    return keepAlive
                case .closed(let reason):
                    // The body cannot be completed: the connection has to go.
                    throw ConnectionEnded(reason: reason)
                }
            }
        } catch {
            stream.close(self.watch.isShuttingDown ? .serverShutdown : .clientDisconnected)
            throw error
        }
    }

    /// Half-closes our side once queued bytes are out (a full close would drop unsent data and
    /// could reset the peer before it reads our last response), then bounds the wait for the peer.
    private func closeGracefully() async {
        let channel = self.channel
        do {
            try await channel.close(mode: .output).get()
        } catch {
            channel.close(promise: nil)
            return
        }
        channel.eventLoop.scheduleTask(in: self.lingerTimeout) {
            channel.close(promise: nil)
        }
    }

    private static func setConnectionHeader(_ head: inout HTTPResponseHead, request: HTTPRequestHead, keepAlive: Bool) {
        if !keepAlive {
            head.headers.replaceOrAdd(name: "connection", value: "close")
        } else if request.version.major == 1 && request.version.minor == 0 {
            head.headers.replaceOrAdd(name: "connection", value: "keep-alive")
        } else {
            head.headers.remove(name: "connection")
        }
    }

    private static func statusAllowsBody(_ status: HTTPResponseStatus) -> Bool {
        !(status.code < 200 || status == .noContent || status == .notModified)
    }
}

/// Thrown to end a connection whose streamed response could not be completed.
struct ConnectionEnded: Error {
    let reason: ResponseStream.CloseReason
}

/// Collects request parts into whole requests, enforcing the body limit without buffering past it.
struct RequestAssembler {
    enum Event {
        case none
        /// A request head was accepted; `sendContinue` holds the version to answer
        /// `Expect: 100-continue` with, if the client asked.
        case headAccepted(sendContinue: HTTPVersion?)
        /// The body is (or announces to be) over the limit; the rest of the request is discarded.
        case tooLarge(HTTPRequestHead)
        case complete(HTTPRequestHead, ByteBuffer)
    }

    let maxBodyBytes: Int
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var discarding = false

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    mutating func consume(_ part: HTTPServerRequestPart) -> Event {
        switch part {
        case .head(let head):
            self.head = head
            self.body = ByteBuffer()
            self.discarding = false
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > self.maxBodyBytes {
                self.discarding = true
                return .tooLarge(head)
            }
            let wantsContinue = head.headers[canonicalForm: "expect"].contains { $0.lowercased() == "100-continue" }
            return .headAccepted(sendContinue: wantsContinue ? head.version : nil)
        case .body(var chunk):
            guard !self.discarding, let head = self.head else { return .none }
            if self.body.readableBytes + chunk.readableBytes > self.maxBodyBytes {
                self.discarding = true
                self.body = ByteBuffer()
                return .tooLarge(head)
            }
            self.body.writeBuffer(&chunk)
            return .none
        case .end:
            defer {
                self.head = nil
                self.body = ByteBuffer()
            }
            guard !self.discarding, let head = self.head else { return .none }
            return .complete(head, self.body)
        }
    }
}

/// Shared view of one connection for the server (shutdown), the close future (disconnect) and
/// the request loop (active stream, idle timer).
final class ConnectionWatch: Sendable {
    private struct State: Sendable {
        var closed = false
        var shuttingDown = false
        var stream: ResponseStream?
        var requestsInFlight = 0
        var idleTimer: Scheduled<Void>?
        var idleGeneration: UInt64 = 0
    }

    let channel: any Channel
    let remoteAddress: String?
    private let idleTimeout: TimeAmount?
    private let state = NIOLockedValueBox(State())

    init(channel: any Channel, idleTimeout: TimeAmount?) {
        self.channel = channel
        self.idleTimeout = idleTimeout
        self.remoteAddress = channel.remoteAddress.flatMap(Self.format)
    }

    var isShuttingDown: Bool { self.state.withLockedValue { $0.shuttingDown } }

    /// Makes `stream` the one to close when the connection ends. Returns the reason instead if the
    /// connection has already ended.
    func attach(_ stream: ResponseStream) -> ResponseStream.CloseReason? {
        self.state.withLockedValue { state in
            if state.shuttingDown { return .serverShutdown }
            if state.closed { return .clientDisconnected }
            state.stream = stream
            return nil
        }
    }

    func detach(_ stream: ResponseStream) {
        self.state.withLockedValue { state in
            if state.stream === stream { state.stream = nil }
        }
    }

    /// Called from the channel's close future: the peer left or the channel was closed.
    func channelClosed() {
        let (stream, reason): (ResponseStream?, ResponseStream.CloseReason) = self.state.withLockedValue { state in
            state.closed = true
            state.idleTimer?.cancel()
            state.idleTimer = nil
            defer { state.stream = nil }
            return (state.stream, state.shuttingDown ? .serverShutdown : .clientDisconnected)
        }
        stream?.close(reason)
    }

    /// Server shutdown: ends the active stream and closes the connection.
    func shutdown() {
        let stream: ResponseStream? = self.state.withLockedValue { state in
            state.shuttingDown = true
            defer { state.stream = nil }
            return state.stream
        }
        stream?.close(.serverShutdown)
        self.channel.close(promise: nil)
    }

    func requestStarted() {
        self.state.withLockedValue { state in
            state.requestsInFlight += 1
            state.idleGeneration &+= 1
            state.idleTimer?.cancel()
            state.idleTimer = nil
        }
    }

    /// Arms the idle timer once no request is in flight on a kept-alive connection.
    func requestFinished(keepAlive: Bool) {
        self.state.withLockedValue { state in
            state.requestsInFlight = max(0, state.requestsInFlight - 1)
            if keepAlive, state.requestsInFlight == 0, !state.closed { self.armIdleTimer(&state) }
        }
    }

    /// Arms the idle timer for a connection that has not sent anything yet.
    func connectionOpened() {
        self.state.withLockedValue { state in
            if state.requestsInFlight == 0, !state.closed { self.armIdleTimer(&state) }
        }
    }

    private func armIdleTimer(_ state: inout State) {
        guard let idleTimeout = self.idleTimeout else { return }
        state.idleTimer?.cancel()
        state.idleGeneration &+= 1
        let generation = state.idleGeneration
        state.idleTimer = self.channel.eventLoop.scheduleTask(in: idleTimeout) { [self] in
            let stillIdle = self.state.withLockedValue {
                $0.idleGeneration == generation && $0.requestsInFlight == 0
            }
            if stillIdle { self.channel.close(promise: nil) }
        }
    }

    private static func format(_ address: SocketAddress) -> String? {
        guard let ip = address.ipAddress else { return nil }
        let port = address.port.map { ":\($0)" } ?? ""
        if case .v6 = address { return "[\(ip)]\(port)" }
        return ip + port
    }
}

/// Answers unparseable HTTP with `400 Bad Request` and a plain-text reason before NIO closes the
/// connection (the decoder closes it right after reporting the error).
final class MalformedRequestResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var responseInProgress = false

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let parserError = error as? HTTPParserError, !self.responseInProgress {
            let body = ByteBuffer(string: "Malformed HTTP request: \(parserError)")
            let headers: HTTPHeaders = [
                "Content-Type": "text/plain; charset=utf-8", "Content-Length": String(body.readableBytes),
                "Connection": "close",
            ]
            let head = HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers)
            context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
            context.write(Self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
        }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch Self.unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200:
            self.responseInProgress = true
        case .end:
            self.responseInProgress = false
        case .head, .body:
            break
        }
        context.write(data, promise: promise)
    }
}
