import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// What a handler hands back to take a connection over after `101 Switching Protocols`
/// (WebSocket, or any protocol spoken on the raw bytes).
///
/// The server writes the 101 head, takes the HTTP codecs out of the connection's pipeline and then
/// calls `run` exactly once with the raw byte stream; the connection closes when `run` returns.
public struct HTTPUpgrade: Sendable {
    public let run: @Sendable (UpgradedConnection) async -> Void

    public init(_ run: @escaping @Sendable (UpgradedConnection) async -> Void) {
        self.run = run
    }
}

extension HTTPResponse {
    /// `101 Switching Protocols` to `protocolName` (the `Upgrade` token, e.g. `websocket`); `run`
    /// then owns the connection. Only honoured for requests that asked for an upgrade; any other
    /// request gets a 500, because its bytes would keep being parsed as HTTP.
    public static func switchingProtocols(
        to protocolName: String, headers: HTTPHeaders = [:],
        _ run: @escaping @Sendable (UpgradedConnection) async -> Void
    ) -> HTTPResponse {
        var all = headers
        all.replaceOrAdd(name: "Upgrade", value: protocolName)
        all.replaceOrAdd(name: "Connection", value: "Upgrade")
        return HTTPResponse(status: .switchingProtocols, headers: all, body: .upgrade(HTTPUpgrade(run)))
    }
}

/// Whether a request head asks to switch protocols the way NIO's HTTP parser recognises it
/// (`Upgrade` plus a `Connection: upgrade` token, or CONNECT). After such a request the parser
/// stops, so the connection can only continue upgraded or be closed.
func isUpgradeRequest(_ head: HTTPRequestHead) -> Bool {
    if head.method == .CONNECT { return true }
    guard head.headers.contains(name: "upgrade") else { return false }
    return head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "upgrade" }
}

/// The raw bytes of a connection after an upgrade.
///
/// Reading is tied to the task the upgrade runs in (the connection's inbound iterator cannot be
/// shared), so this class is not Sendable; writing goes through `writer`, which any task may use.
public final class UpgradedConnection {
    public let writer: UpgradedWriter
    private let readNext: () async throws -> ByteBuffer?
    private var ended = false

    init(writer: UpgradedWriter, readNext: @escaping () async throws -> ByteBuffer?) {
        self.writer = writer
        self.readNext = readNext
    }

    /// The next bytes from the peer; nil once the peer closed its side or the connection broke
    /// (an upgraded protocol has no use for the difference).
    public func read() async -> ByteBuffer? {
        guard !self.ended else { return nil }
        do {
            if let bytes = try await self.readNext() { return bytes }
        } catch {}
        self.ended = true
        return nil
    }
}

/// The sending side of an upgraded connection.
public struct UpgradedWriter: Sendable {
    let channel: any Channel
    let writeBytes: @Sendable (ByteBuffer) async throws -> Void

    /// Queues `bytes`; suspends while the peer is not keeping up. Throws once the connection is closed.
    public func write(_ bytes: ByteBuffer) async throws {
        guard bytes.readableBytes > 0 else { return }
        try await self.writeBytes(bytes)
    }

    /// Half-closes: everything written so far is delivered, then the peer reads end-of-stream.
    public func finish() async {
        do {
            try await self.channel.close(mode: .output).get()
        } catch {
            // A channel that cannot half-close (or is already closed) is closed outright.
            self.channel.close(promise: nil)
        }
    }

    /// Closes the connection at once; unsent bytes are dropped.
    public func close() {
        self.channel.close(promise: nil)
    }
}

/// Sent down a connection's pipeline to swap HTTP for raw bytes. On the server it carries the
/// 101 head, written through the HTTP encoder just before the encoder goes.
struct SwitchToRawBytes: Sendable {
    var responseHead: HTTPResponseHead?
}

/// The last handler before a connection's async channel. Until told to switch it passes HTTP parts
/// through untouched; then it removes the HTTP handlers and carries raw bytes as `.body` parts, so
/// the async channel keeps its HTTP part types and its one inbound iterator across the upgrade.
final class UpgradeSwitchHandler<InboundPart, OutboundPart>: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = InboundPart
    typealias OutboundIn = OutboundPart
    typealias OutboundOut = ByteBuffer

    /// Removes the HTTP handlers from the pipeline; the request decoder must go last, since its
    /// removal forwards bytes it buffered after the upgrade request to the next handler (us).
    private let removeHTTPHandlers: (ChannelPipeline.SynchronousOperations) -> Void
    /// Wraps raw inbound bytes as a body part of the async channel's inbound type.
    private let wrapBytes: (ByteBuffer) -> InboundPart
    /// The raw bytes of an outbound body part; nil for parts that mean nothing once upgraded.
    private let unwrapBytes: (OutboundPart) -> ByteBuffer?
    private var raw = false

    init(
        removeHTTPHandlers: @escaping (ChannelPipeline.SynchronousOperations) -> Void,
        wrapBytes: @escaping (ByteBuffer) -> InboundPart, unwrapBytes: @escaping (OutboundPart) -> ByteBuffer?
    ) {
        self.removeHTTPHandlers = removeHTTPHandlers
        self.wrapBytes = wrapBytes
        self.unwrapBytes = unwrapBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard self.raw else {
            context.fireChannelRead(data)
            return
        }
        let bytes = Self.unwrapInboundIn(data)
        context.fireChannelRead(Self.wrapInboundOut(self.wrapBytes(bytes)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard self.raw else {
            context.write(data, promise: promise)
            return
        }
        if let bytes = self.unwrapBytes(Self.unwrapOutboundIn(data)) {
            context.write(Self.wrapOutboundOut(bytes), promise: promise)
        } else {
            promise?.succeed(())
        }
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let request = event as? SwitchToRawBytes else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        guard !self.raw else {
            promise?.succeed(())
            return
        }
        if let head = request.responseHead {
            context.writeAndFlush(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        }
        self.raw = true
        self.removeHTTPHandlers(context.pipeline.syncOperations)
        promise?.succeed(())
    }
}

extension ChannelPipeline.SynchronousOperations {
    /// Removes the handler of `type` if the pipeline has one.
    func removeIfPresent<Handler: RemovableChannelHandler>(_ type: Handler.Type) {
        guard let handler = try? self.handler(type: type) else { return }
        self.removeHandler(handler, promise: nil)
    }
}

/// The inbound iterator of a connection, shared by the HTTP request loop and, after an upgrade,
/// the upgraded protocol (only one iterator may ever exist per async channel).
final class InboundParts<Part: Sendable> {
    private var iterator: NIOAsyncChannelInboundStream<Part>.AsyncIterator

    init(_ stream: NIOAsyncChannelInboundStream<Part>) {
        self.iterator = stream.makeAsyncIterator()
    }

    func next() async throws -> Part? {
        try await self.iterator.next()
    }
}
