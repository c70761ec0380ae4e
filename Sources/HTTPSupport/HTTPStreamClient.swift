import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Why a streamed client call failed.
public enum HTTPStreamClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server closed the connection before answering (or before the body ended).
    case connectionClosed
    /// The server sent something other than what was expected at this point.
    case unexpectedResponse(String)
    /// A body was larger than the caller allowed.
    case bodyTooLarge(limit: Int)

    public var description: String {
        switch self {
        case .connectionClosed: "connection closed by the server"
        case .unexpectedResponse(let what): "unexpected response: \(what)"
        case .bodyTooLarge(let limit): "response body exceeds \(limit) bytes"
        }
    }
}

/// One HTTP/1.1 client connection whose response body is read as it arrives and which can be
/// upgraded to raw bytes (WebSocket, proxying). AsyncHTTPClient does neither upgrades nor hands
/// back its connection, which the API server needs to relay `exec` to a node agent.
public enum HTTPStreamClient {
    /// Connects, runs `body` with the connection and closes it when `body` returns or throws.
    /// - Parameters:
    ///   - tls: speak TLS with this context; nil for plain HTTP.
    ///   - serverHostname: the name to send as SNI and verify; nil verifies the address itself.
    public static func withConnection<Result: Sendable>(
        host: String, port: Int, tls: NIOSSLContext? = nil, serverHostname: String? = nil,
        connectTimeout: TimeAmount = .seconds(10),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        _ body: (HTTPStreamConnection) async throws -> Result
    ) async throws -> Result {
        let channel = try await ClientBootstrap(group: eventLoopGroup)
            .connectTimeout(connectTimeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        try pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverHostname))
                    }
                    // Bytes that arrive right behind a 101 head (a WebSocket server may send at
                    // once) belong to the upgraded protocol and must reach it, not be dropped.
                    try pipeline.addHTTPClientHandlers(leftOverBytesStrategy: .forwardBytes)
                    try pipeline.addHandler(Self.makeUpgradeSwitch())
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            let connection = HTTPStreamConnection(
                channel: channel.channel, parts: InboundParts(inbound), outbound: outbound, host: host, port: port)
            return try await body(connection)
        }
    }

    private static func makeUpgradeSwitch() -> UpgradeSwitchHandler<HTTPClientResponsePart, HTTPClientRequestPart> {
        UpgradeSwitchHandler(
            removeHTTPHandlers: { pipeline in
                pipeline.removeIfPresent(NIOHTTPRequestHeadersValidator.self)
                pipeline.removeIfPresent(HTTPRequestEncoder.self)
                pipeline.removeIfPresent(ByteToMessageHandler<HTTPResponseDecoder>.self)
            },
            wrapBytes: { .body($0) },
            unwrapBytes: { part in
                if case .body(.byteBuffer(let bytes)) = part { return bytes }
                return nil
            })
    }
}

/// A connection opened by `HTTPStreamClient`: one request at a time, its body read chunk by chunk.
/// Not Sendable: it is used by the task that opened it (writes of an upgrade go through the
/// Sendable `UpgradedConnection.writer`).
public final class HTTPStreamConnection {
    private let channel: any Channel
    private let parts: InboundParts<HTTPClientResponsePart>
    private let outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>
    private let hostHeader: String
    private var bodyPending = false

    init(
        channel: any Channel, parts: InboundParts<HTTPClientResponsePart>,
        outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>, host: String, port: Int
    ) {
        self.channel = channel
        self.parts = parts
        self.outbound = outbound
        self.hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Sends a request and returns the response head; read the body with `nextBodyChunk()`, or call
    /// `upgrade()` after a 101. A `Host` header is added unless given.
    public func request(
        method: HTTPMethod, target: String, headers: HTTPHeaders = [:], body: ByteBuffer? = nil
    ) async throws -> HTTPResponseHead {
        var allHeaders = headers
        if !allHeaders.contains(name: "host") { allHeaders.add(name: "Host", value: self.hostHeader) }
        if let body {
            allHeaders.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes))
        }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: target, headers: allHeaders)
        var requestParts: [HTTPClientRequestPart] = [.head(head)]
        if let body, body.readableBytes > 0 { requestParts.append(.body(.byteBuffer(body))) }
        requestParts.append(.end(nil))
        try await self.outbound.write(contentsOf: requestParts)
        while let part = try await self.parts.next() {
            if case .head(let responseHead) = part {
                self.bodyPending = true
                return responseHead
            }
        }
        throw HTTPStreamClientError.connectionClosed
    }

    /// The next piece of the response body as it arrives; nil once the body has ended.
    /// Throws `connectionClosed` if the connection ends first.
    public func nextBodyChunk() async throws -> ByteBuffer? {
        guard self.bodyPending else { return nil }
        while let part = try await self.parts.next() {
            switch part {
            case .body(let bytes): return bytes
            case .end:
                self.bodyPending = false
                return nil
            case .head: throw HTTPStreamClientError.unexpectedResponse("a second response head")
            }
        }
        self.bodyPending = false
        throw HTTPStreamClientError.connectionClosed
    }

    /// The rest of the response body, at most `limit` bytes.
    public func collectBody(upTo limit: Int) async throws -> ByteBuffer {
        var collected = ByteBuffer()
        while var chunk = try await self.nextBodyChunk() {
            guard collected.readableBytes + chunk.readableBytes <= limit else {
                throw HTTPStreamClientError.bodyTooLarge(limit: limit)
            }
            collected.writeBuffer(&chunk)
        }
        return collected
    }

    /// After a `101 Switching Protocols` head: takes the HTTP codecs out and returns the raw bytes,
    /// including any the server sent right behind the head.
    public func upgrade() async throws -> UpgradedConnection {
        // A 101 has no body. Its `.end` (if the decoder sends one) is skipped by the raw reader
        // below; the decoder has stopped parsing, so everything after it is raw bytes.
        self.bodyPending = false
        try await self.channel.triggerUserOutboundEvent(SwitchToRawBytes(responseHead: nil)).get()
        let outbound = self.outbound
        let parts = self.parts
        let writer = UpgradedWriter(
            channel: self.channel, writeBytes: { bytes in try await outbound.write(.body(.byteBuffer(bytes))) })
        return UpgradedConnection(writer: writer) {
            while let part = try await parts.next() {
                if case .body(let bytes) = part { return bytes }
            }
            return nil
        }
    }
}

extension TLSMaterial {
    /// A client context that trusts only the certificate authority in `caPEM` (how the kubelet,
    /// controllers and tests reach an API server started with `loadOrCreate`).
    public static func makeClientContext(trustingCAPEM caPEM: String) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)))
        return try NIOSSLContext(configuration: configuration)
    }
}
