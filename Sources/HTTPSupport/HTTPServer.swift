import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why the server could not start.
public enum HTTPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    case addressInUse(host: String, port: Int)
    case bindFailed(host: String, port: Int, reason: String)
    case alreadyStarted
    case alreadyShutDown

    public var description: String {
        switch self {
        case .addressInUse(let host, let port): "Cannot listen on \(host):\(port): address already in use"
        case .bindFailed(let host, let port, let reason): "Cannot listen on \(host):\(port): \(reason)"
        case .alreadyStarted: "HTTP server already started"
        case .alreadyShutDown: "HTTP server was shut down"
        }
    }
}

/// An HTTP/1.1 server on SwiftNIO, shared by every front door.
///
/// - Keep-alive by default; idle connections are never dropped unless `idleTimeout` is set
///   (pymesos keeps one connection for all its calls and fails if it was silently closed).
/// - `Connection: close` is honoured after complete responses; a streamed response is sent with
///   chunked coding and lasts until its producer finishes or the client leaves, even when the
///   request said `Connection: close` (pymesos SUBSCRIBE does).
/// - Bodies over `maxBodyBytes` get 413 and the connection is closed; malformed HTTP gets 400.
public final class HTTPServer: Sendable {
    public let host: String
    public let requestedPort: Int
    public let maxBodyBytes: Int
    public let idleTimeout: TimeAmount?
    /// When set, every connection is TLS (see `TLSMaterial.makeServerContext()`).
    public let tls: NIOSSLContext?
    private let handler: any HTTPHandler
    private let logger: Logger
    private let eventLoopGroup: any EventLoopGroup

    private enum Phase {
        case idle
        case starting
        case running(serverChannel: any Channel, acceptTask: Task<Void, Never>, port: Int)
        case shutDown
    }

    private struct State {
        var phase = Phase.idle
        var connections: [ObjectIdentifier: ConnectionWatch] = [:]
        /// Child channels created by the listener and not yet taken by `serve` or the
        /// shutdown drain. Whoever removes one owns it and must consume it: a NIOAsyncChannel
        /// that is never consumed traps the process when its pipeline is torn down.
        var unclaimed: [ObjectIdentifier: ServerConnectionChannel] = [:]
    }

    private let state = NIOLockedValueBox(State())

    /// - Parameters:
    ///   - port: 0 picks a free ephemeral port; `start()` returns the bound one.
    ///   - idleTimeout: close keep-alive connections idle this long; nil (default) never does.
    ///   - tls: serve HTTPS with this context; nil (default) serves plain HTTP.
    public init(
        host: String, port: Int, maxBodyBytes: Int = 16 << 20, idleTimeout: TimeAmount? = nil,
        tls: NIOSSLContext? = nil, handler: any HTTPHandler, logger: Logger = Logger(label: "mesokube.http"),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.host = host
        self.requestedPort = port
        self.maxBodyBytes = maxBodyBytes
        self.idleTimeout = idleTimeout
        self.tls = tls
        self.handler = handler
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
    }

    /// Convenience for a closure handler.
    public convenience init(
        host: String, port: Int, maxBodyBytes: Int = 16 << 20, idleTimeout: TimeAmount? = nil,
        tls: NIOSSLContext? = nil, logger: Logger = Logger(label: "mesokube.http"),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse
    ) {
        self.init(
            host: host, port: port, maxBodyBytes: maxBodyBytes, idleTimeout: idleTimeout, tls: tls,
            handler: ClosureHTTPHandler(handler), logger: logger, eventLoopGroup: eventLoopGroup)
    }

    /// The bound port while running.
    public var port: Int? {
        self.state.withLockedValue { state in
            if case .running(_, _, let port) = state.phase { return port }
            return nil
        }
    }

    /// Binds and starts accepting connections; returns the bound port.
    public func start() async throws -> Int {
        try self.state.withLockedValue { state in
            switch state.phase {
            case .idle: state.phase = .starting
            case .starting, .running: throw HTTPServerError.alreadyStarted
            case .shutDown: throw HTTPServerError.alreadyShutDown
            }
        }
        let serverChannel: NIOAsyncChannel<ServerConnectionChannel, Never>
        do {
            serverChannel = try await self.bind()
        } catch {
            self.state.withLockedValue { $0.phase = .idle }
            throw self.describeBindError(error)
        }
        let port = serverChannel.channel.localAddress?.port ?? self.requestedPort
        let acceptTask = Task { await self.acceptConnections(serverChannel) }
        let shutDownMeanwhile: Bool = self.state.withLockedValue { state in
            guard case .starting = state.phase else { return true }
            state.phase = .running(serverChannel: serverChannel.channel, acceptTask: acceptTask, port: port)
            return false
        }
        if shutDownMeanwhile {
            serverChannel.channel.close(promise: nil)
            await acceptTask.value
            throw HTTPServerError.alreadyShutDown
        }
        self.logger.info("HTTP server listening", metadata: ["host": "\(self.host)", "port": "\(port)"])
        return port
    }

    /// Stops listening and closes every connection; open streams end with `serverShutdown`.
    /// Handlers still running are cancelled. Returns once all connection tasks have finished.
    public func shutdown() async {
        let (phase, connections) = self.state.withLockedValue { state in
            let phase = state.phase
            state.phase = .shutDown
            return (phase, Array(state.connections.values))
        }
        guard case .running(let serverChannel, let acceptTask, _) = phase else { return }
        // Stop accepting first, then close. The accept loop is not cancelled: it must drain
        // connections the listener already accepted, because a child channel that is never
        // consumed drops its NIO async writer unfinished, which traps the process.
        try? await serverChannel.setOption(.autoRead, value: false).get()
        try? await serverChannel.close().get()
        for connection in connections {
            connection.shutdown()
        }
        await acceptTask.value
        await self.discardUnclaimed()
        self.logger.info("HTTP server stopped", metadata: ["host": "\(self.host)"])
    }

    private func bind() async throws -> NIOAsyncChannel<ServerConnectionChannel, Never> {
        try await ServerBootstrap(group: self.eventLoopGroup)
            // A master failover brings every agent back at once: with 256, a burst of thousands
            // overflowed the accept queue and the dropped SYNs cost agents seconds of retransmits
            // and then their registration backoff. The kernel caps it at net.core.somaxconn.
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .bind(host: self.host, port: self.requestedPort) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls = self.tls {
                        // A failed handshake (a scanner, plain HTTP on this port) surfaces as an
                        // error on this connection's inbound stream: `serve` logs it at debug
                        // level and only this connection closes.
                        try pipeline.addHandler(NIOSSLServerHandler(context: tls))
                    }
                    // An upgrade configuration without upgraders: NIO's upgrade handler steps aside on
                    // the first request, but the request decoder is then built to hand over the bytes
                    // that follow an upgrade request instead of dropping them (see HTTPUpgrade.swift).
                    try pipeline.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withServerUpgrade: (upgraders: [], completionHandler: { _ in }),
                        withErrorHandling: false)
                    try pipeline.addHandler(MalformedRequestResponder())
                    try pipeline.addHandler(Self.makeUpgradeSwitch())
                    let connection = try ServerConnectionChannel(wrappingChannelSynchronously: channel)
                    self.register(connection)
                    return connection
                }
            }
    }

    /// Swaps the server's HTTP handlers for raw bytes when a handler answers 101.
    private static func makeUpgradeSwitch() -> UpgradeSwitchHandler<HTTPServerRequestPart, HTTPServerResponsePart> {
        UpgradeSwitchHandler(
            removeHTTPHandlers: { pipeline in
                pipeline.removeIfPresent(MalformedRequestResponder.self)
                pipeline.removeIfPresent(HTTPServerUpgradeHandler.self)
                pipeline.removeIfPresent(NIOHTTPResponseHeadersValidator.self)
                pipeline.removeIfPresent(HTTPServerPipelineHandler.self)
                pipeline.removeIfPresent(HTTPResponseEncoder.self)
                pipeline.removeIfPresent(ByteToMessageHandler<HTTPRequestDecoder>.self)
            },
            wrapBytes: { .body($0) },
            unwrapBytes: { part in
                if case .body(.byteBuffer(let bytes)) = part { return bytes }
                return nil
            })
    }

    private func describeBindError(_ error: any Error) -> any Error {
        if let ioError = error as? IOError, ioError.errnoCode == EADDRINUSE {
            return HTTPServerError.addressInUse(host: self.host, port: self.requestedPort)
        }
        return HTTPServerError.bindFailed(host: self.host, port: self.requestedPort, reason: "\(error)")
    }

    private func acceptConnections(_ serverChannel: NIOAsyncChannel<ServerConnectionChannel, Never>) async {
        await withDiscardingTaskGroup { group in
            do {
                try await serverChannel.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { await self.serve(connection) }
                    }
                }
            } catch {
                self.logger.debug("HTTP accept loop ended", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Records a new child channel; during shutdown it is consumed at once, since the accept
    /// loop may already have stopped delivering.
    private func register(_ connection: ServerConnectionChannel) {
        let key = ObjectIdentifier(connection.channel)
        let shuttingDown: Bool = self.state.withLockedValue { state in
            state.unclaimed[key] = connection
            if case .shutDown = state.phase { return true }
            return false
        }
        if shuttingDown {
            Task { await self.discardIfUnclaimed(key) }
        }
    }

    /// Takes ownership of a child channel; false if someone else already has.
    private func claim(_ connection: ServerConnectionChannel) -> Bool {
        self.state.withLockedValue { $0.unclaimed.removeValue(forKey: ObjectIdentifier(connection.channel)) != nil }
    }

    private func discardIfUnclaimed(_ key: ObjectIdentifier) async {
        guard let connection = self.state.withLockedValue({ $0.unclaimed.removeValue(forKey: key) }) else { return }
        try? await connection.executeThenClose { _, _ in }
    }

    /// Consumes every child channel nobody claimed (accepted just as the listener closed).
    private func discardUnclaimed() async {
        let keys = self.state.withLockedValue { Array($0.unclaimed.keys) }
        for key in keys { await self.discardIfUnclaimed(key) }
    }

    private func serve(_ connection: ServerConnectionChannel) async {
        guard self.claim(connection) else { return }
        let watch = ConnectionWatch(channel: connection.channel, idleTimeout: self.idleTimeout)
        let id = ObjectIdentifier(watch)
        let accepted: Bool = self.state.withLockedValue { state in
            switch state.phase {
            case .starting, .running:
                state.connections[id] = watch
                return true
            case .idle, .shutDown:
                return false
            }
        }
        guard accepted else {
            // Accepted while shutting down. Going through executeThenClose finishes the
            // channel's async writer: dropping it unfinished is a NIO precondition failure.
            try? await connection.executeThenClose { _, _ in }
            return
        }
        defer { _ = self.state.withLockedValue { $0.connections.removeValue(forKey: id) } }
        connection.channel.closeFuture.whenComplete { _ in watch.channelClosed() }
        watch.connectionOpened()

        let processor = HTTPConnection(
            handler: self.handler, maxBodyBytes: self.maxBodyBytes, lingerTimeout: .seconds(2), watch: watch,
            logger: self.logger)
        do {
            try await connection.executeThenClose { inbound, outbound in
                try await processor.run(inbound: inbound, outbound: outbound)
            }
        } catch {
            self.logger.debug(
                "HTTP connection ended", metadata: ["peer": "\(watch.remoteAddress ?? "?")", "error": "\(error)"])
        }
    }
}
