import DiscoveryCore
import Foundation
import Logging
import NIOCore
import NIOPosix

/// The cluster's DNS server: Mesos-DNS names under `<domain>.` and the Kubernetes DNS names under
/// `<clusterDomain>.`, over UDP and TCP on one port; anything else goes to the upstream resolvers.
/// The master calls `update(_:)` with every new snapshot; the next query sees it.
public final class DNSServer: Sendable {
    /// The bound port, the same for UDP and TCP (useful when started on port 0).
    public let port: Int
    public let host: String
    private let state: DNSServerState
    private let channels: [any Channel]

    private init(host: String, port: Int, state: DNSServerState, channels: [any Channel]) {
        self.host = host
        self.port = port
        self.state = state
        self.channels = channels
    }

    /// Binds UDP and TCP on `host:port` (port 0: one ephemeral port free for both).
    /// - Parameters:
    ///   - upstreams: resolvers for names outside our zones, as `ip` or `ip:port` (`[v6]:port`); empty
    ///     means such names are REFUSED. `DNSServer.resolvConfNameservers` reads the system's.
    ///   - forwardTimeout: how long each upstream gets before the next is tried (then SERVFAIL).
    public static func start(
        host: String, port: Int, snapshot: DiscoverySnapshot = DiscoverySnapshot(),
        options: DNSRecordTable.Options = DNSRecordTable.Options(), upstreams: [String] = [],
        forwardTimeout: TimeAmount = .seconds(2), logger: Logger = Logger(label: "mesokube.dns"),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> DNSServer {
        let addresses = try upstreams.map(DNSForwarder.socketAddress(for:))
        let state = DNSServerState(
            table: DNSRecordTable(snapshot: snapshot, options: options), options: options,
            forwarder: DNSForwarder(upstreams: addresses, timeout: forwardTimeout), logger: logger)
        var attempts = 0
        while true {
            attempts += 1
            let udp = try await DatagramBootstrap(group: group)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelInitializer { $0.pipeline.addHandler(DNSUDPHandler(state: state)) }
                .bind(host: host, port: port).get()
            let boundPort = udp.localAddress?.port ?? port
            do {
                let tcp = try await ServerBootstrap(group: group)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandlers(
                                ByteToMessageHandler(DNSTCPFrameDecoder()), DNSTCPHandler(state: state))
                        }
                    }
                    .bind(host: host, port: boundPort).get()
                logger.info(
                    "DNS server listening", metadata: ["address": "\(host):\(boundPort)", "upstreams": "\(upstreams)"])
                return DNSServer(host: host, port: boundPort, state: state, channels: [udp, tcp])
            } catch {
                try? await udp.close()
                // An ephemeral UDP port may be taken on TCP: pick another one a few times.
                guard port == 0, attempts < 5 else { throw error }
            }
        }
    }

    /// Replaces every record with those of `snapshot`; safe from any thread. Large tables are
    /// rebuilt at a bounded rate (see `DNSServerState.replaceTable`), so the newest snapshot may
    /// be served a little later than the call.
    public func update(_ snapshot: DiscoverySnapshot) {
        state.replaceTable(with: snapshot)
    }

    /// The version of the snapshot now served.
    public var snapshotVersion: UInt64 { state.currentTable().snapshotVersion }

    public func stop() async {
        for channel in channels { try? await channel.close() }
    }

    /// The `nameserver` addresses of a resolv.conf, in order, minus `excluding` (this server's own
    /// addresses, so it never forwards to itself).
    public static func resolvConfNameservers(_ contents: String, excluding: [String] = []) -> [String] {
        contents.split(whereSeparator: \.isNewline).compactMap { line -> String? in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, fields[0] == "nameserver" else { return nil }
            let address = String(fields[1])
            return excluding.contains(address) ? nil : address
        }
    }

    /// `resolvConfNameservers` of the file at `path`; empty when it cannot be read.
    public static func systemNameservers(path: String = "/etc/resolv.conf", excluding: [String] = []) -> [String] {
        guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return resolvConfNameservers(contents, excluding: excluding)
    }
}

/// The table in force and the round-robin counter, shared by every channel handler.
final class DNSServerState: @unchecked Sendable {
    let options: DNSRecordTable.Options
    let forwarder: DNSForwarder
    let logger: Logger
    private let lock = NSLock()
    private var table: DNSRecordTable
    private var rotation = 0
    /// A snapshot that arrives before `pacing` allows a rebuild waits in `pending` (a newer one
    /// replaces it) for one scheduled rebuild.
    private var pacing = RebuildPacing(threshold: 0.005, share: 0.1)
    private var pending: DiscoverySnapshot?
    private var rebuildScheduled = false
    private let origin = ContinuousClock.now
    private var buildsStarted = 0
    private var installedBuild = 0

    init(table: DNSRecordTable, options: DNSRecordTable.Options, forwarder: DNSForwarder, logger: Logger) {
        self.table = table
        self.options = options
        self.forwarder = forwarder
        self.logger = logger
    }

    /// Snapshots come a few times a second while tasks change, and a rebuild costs time in the
    /// number of tasks (a thousand-instance app's rolling restart kept standby masters busy half
    /// the time). Rebuilds over 5 ms take at most a tenth of the time; a delayed one uses the
    /// newest snapshot that arrived meanwhile.
    func replaceTable(with snapshot: DiscoverySnapshot) {
        let wait: Double? = lock.withLock {
            if rebuildScheduled {
                pending = snapshot
                return nil
            }
            let delay = pacing.delay(now: seconds())
            guard delay > 0 else { return 0 }
            pending = snapshot
            rebuildScheduled = true
            return delay
        }
        guard let wait else { return }
        guard wait > 0 else { return build(snapshot) }
        Task { [self] in
            try? await Task.sleep(for: .seconds(wait))
            let latest = lock.withLock {
                defer {
                    pending = nil
                    rebuildScheduled = false
                }
                return pending
            }
            if let latest { build(latest) }
        }
    }

    /// Built outside the lock: queries keep being answered from the old table meanwhile. Should
    /// two builds overlap, the one started later wins.
    private func build(_ snapshot: DiscoverySnapshot) {
        let ticket = lock.withLock {
            buildsStarted += 1
            return buildsStarted
        }
        let start = seconds()
        let fresh = DNSRecordTable(snapshot: snapshot, options: options)
        let end = seconds()
        lock.withLock {
            if ticket > installedBuild {
                table = fresh
                installedBuild = ticket
            }
            pacing.built(start: start, end: end)
        }
    }

    private func seconds() -> Double { RebuildPacing.seconds(since: origin) }

    func currentTable() -> DNSRecordTable { lock.withLock { table } }

    func decide(_ packet: [UInt8], transport: DNSTransport) -> DNSDecision {
        let (table, rotation) = lock.withLock { () -> (DNSRecordTable, Int) in
            self.rotation &+= 1
            return (self.table, self.rotation)
        }
        return DNSResponder.respond(
            to: packet, table: table, rotation: rotation, transport: transport,
            canForward: !forwarder.upstreams.isEmpty)
    }

    /// Decides, and hands the reply bytes to `send` — at once, or after forwarding.
    func handle(
        _ packet: [UInt8], transport: DNSTransport, eventLoop: any EventLoop,
        send: @escaping @Sendable ([UInt8]) -> Void
    ) {
        switch decide(packet, transport: transport) {
        case .reply(let bytes): send(bytes)
        case .drop: logger.debug("DNS packet dropped", metadata: ["bytes": "\(packet.count)"])
        case .forward(let query):
            let logger = self.logger
            forwarder.forward(query, transport: transport, on: eventLoop).whenComplete { result in
                switch result {
                case .success(let reply): send(reply)
                case .failure(let error):
                    logger.warning(
                        "no upstream answered",
                        metadata: ["name": "\(query.questions.first?.name.description ?? "")", "error": "\(error)"])
                    send(DNSResponder.serverFailure(for: query, transport: transport))
                }
            }
        }
    }
}

private final class DNSUDPHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>
    let state: DNSServerState

    init(state: DNSServerState) { self.state = state }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let channel = context.channel
        let client = envelope.remoteAddress
        state.handle(Array(envelope.data.readableBytesView), transport: .udp, eventLoop: context.eventLoop) { bytes in
            channel.writeAndFlush(
                AddressedEnvelope(remoteAddress: client, data: ByteBuffer(bytes: bytes)), promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A UDP socket reports ICMP errors of earlier replies here; the socket itself is fine.
        state.logger.debug("DNS UDP error", metadata: ["error": "\(error)"])
    }
}

/// TCP messages are framed by a two-byte length (RFC 1035 §4.2.2).
struct DNSTCPFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
            buffer.readableBytes >= 2 + Int(length)
        else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 2)
        guard let frame = buffer.readSlice(length: Int(length)) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws
        -> DecodingState
    {
        try decode(context: context, buffer: &buffer)
    }
}

private final class DNSTCPHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let state: DNSServerState

    init(state: DNSServerState) { self.state = state }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let channel = context.channel
        state.handle(Array(frame.readableBytesView), transport: .tcp, eventLoop: context.eventLoop) { bytes in
            var out = ByteBuffer()
            out.writeInteger(UInt16(clamping: bytes.count))
            out.writeBytes(bytes.prefix(65535))
            channel.writeAndFlush(out, promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        state.logger.debug("DNS TCP connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}

extension RebuildPacing {
    /// Seconds from `origin` to now on the continuous clock: the times a shell passes in.
    public static func seconds(since origin: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - origin
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
