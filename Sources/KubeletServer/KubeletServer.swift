import Foundation
import HTTPSupport
import Logging
import NIOCore
import NIOPosix

/// The kubelet's own HTTP endpoints, which the API server proxies `kubectl logs` and
/// `kubectl exec` to, on upstream's paths:
///
/// - `GET /containerLogs/{namespace}/{pod}/{container}` with `follow`, `previous`, `tailLines`,
///   `sinceSeconds`/`sinceTime`, `limitBytes` (and `timestamps`, refused for now);
/// - `GET /stats/summary`: CPU and memory of the node and its pods' containers (the Summary API
///   metrics-server reads);
/// - `GET /exec/{namespace}/{pod}/{container}?command=…&stdin=&stdout=&stderr=&tty=` as a WebSocket
///   speaking `v5.channel.k8s.io` or `v4.channel.k8s.io`;
/// - `GET /portForward/{namespace}/{pod}` as a WebSocket speaking `SPDY/3.1+portforward.k8s.io`;
/// - `GET /attach/{namespace}/{pod}/{container}?stdout=&stderr=` as a WebSocket like exec,
///   streaming the container's output (containers here have no stdin or terminal).
///
/// Every request needs `Authorization: Bearer <token>`; errors are Kubernetes `Status` objects.
/// It is an `HTTPHandler`: serve it with `HTTPServer(host:port:handler:)`, or route the paths for
/// which `serves(path:)` is true to it from a larger handler.
public final class KubeletServer: HTTPHandler, Sendable {
    private let access: any KubeletContainerAccess
    private let token: String
    private let logger: Logger
    private let nsenter: String
    private let followPollInterval: Duration
    private let eventLoopGroup: any EventLoopGroup

    /// - Parameters:
    ///   - token: the bearer token the API server presents (`KubeAPIOptions.kubeletToken`).
    ///   - nsenter: util-linux `nsenter`, which exec runs commands through.
    ///   - followPollInterval: how often a followed log with no new bytes is looked at again.
    public init(
        access: any KubeletContainerAccess, token: String, logger: Logger = Logger(label: "mesokube.kubelet-server"),
        nsenter: String = "/usr/bin/nsenter", followPollInterval: Duration = .milliseconds(200),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.access = access
        self.token = token
        self.logger = logger
        self.nsenter = nsenter
        self.followPollInterval = followPollInterval
        self.eventLoopGroup = eventLoopGroup
    }

    private static let endpoints: Set<String> = ["containerLogs", "exec", "attach", "portForward", "stats"]

    /// Whether `path` is one of this server's endpoints.
    public static func serves(path: String) -> Bool {
        guard let first = path.split(separator: "/").first else { return false }
        return endpoints.contains(String(first))
    }

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        guard self.isAuthorized(request) else { return KubeletStatus.response(code: 401, message: "Unauthorized") }
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        do throws(KubeletAccessError) {
            switch (segments.first, segments.count) {
            case ("containerLogs", 4):
                guard request.method == .GET else { throw Self.methodNotAllowed(request) }
                return try await self.containerLogs(request, segments[1], segments[2], segments[3])
            case ("exec", 4):
                guard request.method == .GET || request.method == .POST else { throw Self.methodNotAllowed(request) }
                return try await self.exec(request, segments[1], segments[2], segments[3])
            case ("stats", 2) where segments[1] == "summary":
                guard request.method == .GET else { throw Self.methodNotAllowed(request) }
                let summary = try await self.access.statsSummary()
                return .bytes(ByteBuffer(bytes: summary.serializedBytes()), contentType: "application/json")
            case ("attach", 4):
                guard request.method == .GET || request.method == .POST else { throw Self.methodNotAllowed(request) }
                return try await self.attach(request, segments[1], segments[2], segments[3])
            case ("portForward", 3):
                guard request.method == .GET || request.method == .POST else { throw Self.methodNotAllowed(request) }
                return try await self.portForward(request, segments[1], segments[2])
            default:
                throw KubeletAccessError(code: 404, message: "the server could not find the requested resource")
            }
        } catch {
            return KubeletStatus.response(error)
        }
    }

    /// Compares in constant time, so the token cannot be guessed byte by byte from timings.
    private func isAuthorized(_ request: HTTPRequest) -> Bool {
        let header = request.headers.first(name: "Authorization") ?? ""
        guard header.count > 7, header.prefix(7).lowercased() == "bearer " else { return false }
        let presented = Array(header.dropFirst(7).trimmingCharacters(in: .whitespaces).utf8)
        let expected = Array(self.token.utf8)
        guard presented.count == expected.count, !expected.isEmpty else { return false }
        return zip(presented, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private static func methodNotAllowed(_ request: HTTPRequest) -> KubeletAccessError {
        KubeletAccessError(code: 405, message: "the server does not allow this method on the requested resource")
    }

    private func containerLogs(
        _ request: HTTPRequest, _ namespace: String, _ pod: String, _ container: String
    ) async throws(KubeletAccessError) -> HTTPResponse {
        let options = try ContainerLogOptions(request, now: Date())
        let location = try await self.access.logLocation(
            namespace: namespace, pod: pod, container: container, previous: options.previous)
        let stream = ContainerLogStream(
            access: self.access, namespace: namespace, pod: pod, container: container, options: options,
            pollInterval: self.followPollInterval)
        return try stream.response(for: location)
    }

    /// The container is looked up before the upgrade is checked, so a client that falls back to
    /// another transport after a refused WebSocket still sees the real reason.
    private func exec(
        _ request: HTTPRequest, _ namespace: String, _ pod: String, _ container: String
    ) async throws(KubeletAccessError) -> HTTPResponse {
        let options = try ExecOptions(request)
        let target = try await self.access.execTarget(namespace: namespace, pod: pod, container: container)
        let (key, subprotocol) = try Self.channelUpgrade(request, for: "exec")
        let session = ExecSession(
            options: options, target: target, subprotocol: subprotocol, nsenter: self.nsenter,
            eventLoopGroup: self.eventLoopGroup)
        self.logger.debug(
            "exec", metadata: ["pod": "\(namespace)/\(pod)", "container": "\(container)", "protocol": "\(subprotocol)"])
        return .webSocket(key: key, subprotocol: subprotocol) { socket in await session.run(socket) }
    }

    /// The pod is looked up first, so kubectl's SPDY fallback after a refused upgrade still
    /// learns the real reason.
    private func portForward(
        _ request: HTTPRequest, _ namespace: String, _ pod: String
    ) async throws(KubeletAccessError) -> HTTPResponse {
        let target = try await self.access.portForwardTarget(namespace: namespace, pod: pod)
        let offered = WebSocketHandshake.offeredProtocols(request.headers)
        guard WebSocketHandshake.isWebSocketRequest(request.headers), offered.contains(PortForwardSession.subprotocol)
        else {
            throw KubeletAccessError(
                code: 400,
                message: "port-forward needs a WebSocket upgrade with protocol \(PortForwardSession.subprotocol); "
                    + "plain SPDY is not supported by this node agent")
        }
        let key: String
        switch WebSocketHandshake.clientKey(of: request) {
        case .success(let value): key = value
        case .failure(let error): throw KubeletAccessError(code: 400, message: error.message)
        }
        let session = PortForwardSession(
            target: target, podName: "\(namespace)/\(pod)", eventLoopGroup: self.eventLoopGroup, logger: self.logger)
        self.logger.debug("port-forward", metadata: ["pod": "\(namespace)/\(pod)"])
        return .webSocket(key: key, subprotocol: PortForwardSession.subprotocol) { socket in await session.run(socket) }
    }

    private func attach(
        _ request: HTTPRequest, _ namespace: String, _ pod: String, _ container: String
    ) async throws(KubeletAccessError) -> HTTPResponse {
        try Self.attachOptions(request)
        let location = try await self.access.logLocation(
            namespace: namespace, pod: pod, container: container, previous: false)
        guard location.running else {
            throw KubeletAccessError(
                code: 400, message: "container \(container) is not running in pod \(pod); cannot attach to it")
        }
        let (key, subprotocol) = try Self.channelUpgrade(request, for: "attach")
        let log = ContainerLogStream(
            access: self.access, namespace: namespace, pod: pod, container: container,
            options: ContainerLogOptions(follow: true), pollInterval: self.followPollInterval)
        let start = (try? LogFile(path: location.path))?.status().size ?? 0
        let session = AttachSession(log: log, location: location, subprotocol: subprotocol, start: start)
        return .webSocket(key: key, subprotocol: subprotocol) { socket in await session.run(socket) }
    }

    /// The WebSocket key and the channel protocol of an exec or attach request; a request that is
    /// not a WebSocket upgrade (kubectl's SPDY fallback) is told why it is refused.
    private static func channelUpgrade(
        _ request: HTTPRequest, for verb: String
    ) throws(KubeletAccessError) -> (key: String, subprotocol: String) {
        guard WebSocketHandshake.isWebSocketRequest(request.headers) else {
            throw KubeletAccessError(
                code: 400,
                message: "\(verb) needs a WebSocket upgrade (\(ExecChannel.supported.joined(separator: " or "))); "
                    + "SPDY streaming is not supported by this node agent")
        }
        switch WebSocketHandshake.clientKey(of: request) {
        case .success(let key):
            return (key, try ExecChannel.negotiate(WebSocketHandshake.offeredProtocols(request.headers)))
        case .failure(let error):
            throw KubeletAccessError(code: 400, message: error.message)
        }
    }
}
