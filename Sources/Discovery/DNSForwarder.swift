import DiscoveryCore
import NIOCore
import NIOPosix

/// Relays a query for a name outside our zones to the upstream resolvers, one after another, each
/// with its own socket and a bounded wait; the first reply with the query's ID wins. A query that came
/// over UDP goes upstream over UDP; one that came over TCP goes over TCP, so a large answer that made the
/// client switch to TCP arrives whole.
struct DNSForwarder: Sendable {
    struct NoAnswer: Error, CustomStringConvertible {
        var description: String { "no upstream resolver answered" }
    }

    let upstreams: [SocketAddress]
    let timeout: TimeAmount

    func forward(
        _ query: DNSMessage, transport: DNSTransport, on eventLoop: any EventLoop
    )
        -> EventLoopFuture<[UInt8]>
    {
        attempt(query.serialize(), id: query.header.id, transport: transport, remaining: upstreams[...], on: eventLoop)
    }

    private func attempt(
        _ packet: [UInt8], id: UInt16, transport: DNSTransport, remaining: ArraySlice<SocketAddress>,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<[UInt8]> {
        guard let upstream = remaining.first else { return eventLoop.makeFailedFuture(NoAnswer()) }
        let rest = remaining.dropFirst()
        let waiter = UpstreamReplyWaiter(id: id, promise: eventLoop.makePromise(of: [UInt8].self))
        eventLoop.scheduleTask(in: timeout) { waiter.finish(.failure(NoAnswer())) }
        switch transport {
        case .udp: askOverUDP(upstream, packet, waiter: waiter, on: eventLoop)
        case .tcp: askOverTCP(upstream, packet, waiter: waiter, on: eventLoop)
        }
        return waiter.promise.futureResult.flatMapError { _ in
            attempt(packet, id: id, transport: transport, remaining: rest, on: eventLoop)
        }
    }

    private func askOverUDP(
        _ upstream: SocketAddress, _ packet: [UInt8], waiter: UpstreamReplyWaiter, on eventLoop: any EventLoop
    ) {
        let anyAddress = upstream.protocol == .inet6 ? "::" : "0.0.0.0"
        DatagramBootstrap(group: eventLoop)
            .channelInitializer { $0.pipeline.addHandler(UpstreamDatagramHandler(waiter: waiter)) }
            .bind(host: anyAddress, port: 0)
            .whenComplete { result in
                switch result {
                case .failure(let error): waiter.finish(.failure(error))
                case .success(let channel):
                    waiter.promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                    let envelope = AddressedEnvelope(remoteAddress: upstream, data: ByteBuffer(bytes: packet))
                    channel.writeAndFlush(envelope).whenFailure { waiter.finish(.failure($0)) }
                }
            }
    }

    private func askOverTCP(
        _ upstream: SocketAddress, _ packet: [UInt8], waiter: UpstreamReplyWaiter, on eventLoop: any EventLoop
    ) {
        ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(DNSTCPFrameDecoder()), UpstreamStreamHandler(waiter: waiter))
                }
            }
            .connect(to: upstream)
            .whenComplete { result in
                switch result {
                case .failure(let error): waiter.finish(.failure(error))
                case .success(let channel):
                    waiter.promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                    var framed = ByteBuffer()
                    framed.writeInteger(UInt16(clamping: packet.count))
                    framed.writeBytes(packet)
                    channel.writeAndFlush(framed).whenFailure { waiter.finish(.failure($0)) }
                }
            }
    }

    /// `1.2.3.4`, `1.2.3.4:5353`, `::1`, `[::1]:5353`; port 53 unless given.
    static func socketAddress(for text: String) throws -> SocketAddress {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            let port = rest.hasPrefix(":") ? Int(rest.dropFirst()) : (rest.isEmpty ? 53 : nil)
            guard let port else { throw SocketAddressError.unsupported }
            return try SocketAddress(ipAddress: host, port: port)
        }
        let colons = text.filter { $0 == ":" }.count
        if colons == 1, let colon = text.firstIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) {
            return try SocketAddress(ipAddress: String(text[..<colon]), port: port)
        }
        return try SocketAddress(ipAddress: text, port: 53)
    }
}

/// Completes the promise once: with the first message that is a response to our query ID, or with the
/// first failure (timeout, socket error). Used only on the query's event loop, so it needs no lock.
private final class UpstreamReplyWaiter: @unchecked Sendable {
    let id: UInt16
    let promise: EventLoopPromise<[UInt8]>
    private var finished = false

    init(id: UInt16, promise: EventLoopPromise<[UInt8]>) {
        self.id = id
        self.promise = promise
    }

    func finish(_ result: Result<[UInt8], any Error>) {
        guard !finished else { return }
        finished = true
        promise.completeWith(result)
    }

    func received(_ bytes: [UInt8]) {
        guard bytes.count >= 12, UInt16(bytes[0]) << 8 | UInt16(bytes[1]) == id, bytes[2] & 0x80 != 0 else { return }
        finish(.success(bytes))
    }
}

private final class UpstreamDatagramHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let waiter: UpstreamReplyWaiter

    init(waiter: UpstreamReplyWaiter) { self.waiter = waiter }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        waiter.received(Array(unwrapInboundIn(data).data.readableBytesView))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port unreachable from a dead upstream: try the next one now rather than at the timeout.
        waiter.finish(.failure(error))
    }
}

private final class UpstreamStreamHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let waiter: UpstreamReplyWaiter

    init(waiter: UpstreamReplyWaiter) { self.waiter = waiter }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        waiter.received(Array(unwrapInboundIn(data).readableBytesView))
    }

    func channelInactive(context: ChannelHandlerContext) {
        waiter.finish(.failure(NoAnswerYet()))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        waiter.finish(.failure(error))
    }

    struct NoAnswerYet: Error {}
}
