import NIOCore
import NIOPosix

/// A pod's `hostPort`: the kubelet listens on the node's address and relays each TCP connection
/// to the pod's address and `containerPort`, as kube-proxy's userspace mode once did. The port
/// itself came from the agent's offer, so no other task on the agent holds it.
final class HostPortProxy: Sendable {
    let channel: any Channel

    private init(channel: any Channel) { self.channel = channel }

    static func start(
        host: String, port: Int, targetHost: String, targetPort: Int
    ) async throws -> HostPortProxy {
        let group = MultiThreadedEventLoopGroup.singleton
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                inbound.pipeline.addHandler(RelayStarter(targetHost: targetHost, targetPort: targetPort))
            }
            .bind(host: host, port: port).get()
        return HostPortProxy(channel: channel)
    }

    func stop() async {
        try? await channel.close()
    }
}

/// Once an accepted connection is active, connects to the pod on the same event loop, glues the
/// two connections together and starts reading; a pod that does not answer closes the connection.
private final class RelayStarter: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = NIOAny
    let targetHost: String
    let targetPort: Int

    init(targetHost: String, targetPort: Int) {
        self.targetHost = targetHost
        self.targetPort = targetPort
    }

    func channelActive(context: ChannelHandlerContext) {
        let inbound = context.channel
        ClientBootstrap(group: inbound.eventLoop)
            .channelOption(.autoRead, value: false)
            .connectTimeout(.seconds(5))
            .connect(host: targetHost, port: targetPort)
            .flatMap { outbound in
                let (first, second) = RelayHandler.pair()
                return inbound.pipeline.addHandler(first).and(outbound.pipeline.addHandler(second))
                    .flatMap { _ in inbound.pipeline.removeHandler(self) }
                    .map {
                        inbound.read()
                        outbound.read()
                    }
            }
            .whenFailure { _ in inbound.close(promise: nil) }
    }
}

/// Copies bytes between two channels on one event loop; closing either closes both. Reads are
/// requested only once the partner's writes are flushed, so a slow reader holds back a fast writer.
private final class RelayHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    private var partner: RelayHandler?
    private var context: ChannelHandlerContext?
    private var pendingRead = false

    static func pair() -> (RelayHandler, RelayHandler) {
        let first = RelayHandler()
        let second = RelayHandler()
        first.partner = second
        second.partner = first
        return (first, second)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partner?.context?.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        guard let partnerContext = partner?.context else { return }
        partnerContext.flush()
        if partnerContext.channel.isWritable { context.read() } else { pendingRead = true }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let partner, partner.pendingRead {
            partner.pendingRead = false
            partner.context?.read()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.context?.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
