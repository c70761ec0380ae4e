import Foundation
import HTTPSupport
import KubeAPIServer
import KubeClient
import StateStore
import Synchronization

/// A real API server on a loopback port with TLS and a token, and a client configured for it the
/// way the kubelet and controllers are.
public struct LiveAPIServer: Sendable {
    public let server: KubeAPIServer
    public let http: HTTPServer
    public let transport: HTTPKubeTransport
    public let counting: CountingTransport
    public let client: KubeClient
    public let configuration: KubeClientConfiguration
    let directory: String

    public static func start(options: KubeAPIOptions = KubeAPIOptions()) async throws -> LiveAPIServer {
        let directory = NSTemporaryDirectory() + "kubeclient-\(UUID().uuidString)"
        let tls = try TLSMaterial.loadOrCreate(
            directory: directory + "/pki", hosts: TLSMaterial.defaultHosts(), now: Date())
        var options = options
        options.bearerTokens = ["test-token"]
        let server = KubeAPIServer(store: MemoryStateStore(), options: options)
        try await server.start()
        let http = HTTPServer(host: "127.0.0.1", port: 0, tls: try tls.makeServerContext(), handler: server)
        let port = try await http.start()
        let configuration = KubeClientConfiguration(
            server: "https://127.0.0.1:\(port)", certificateAuthorityPEM: tls.caPEM, token: "test-token")
        let transport = try HTTPKubeTransport(configuration: configuration)
        let counting = CountingTransport(base: transport)
        return LiveAPIServer(
            server: server, http: http, transport: transport, counting: counting,
            client: KubeClient(transport: counting, fieldManager: "kubeclient-tests"), configuration: configuration,
            directory: directory)
    }

    public func stop() async {
        try? await transport.shutdown()
        await http.shutdown()
        await server.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// The HTTPS transport, recording each request's method and target so tests can see when an
/// informer lists again.
public final class CountingTransport: KubeTransport {
    public let base: any KubeTransport
    private let seen = Mutex<[String]>([])

    public init(base: any KubeTransport) { self.base = base }

    public var requests: [String] { seen.withLock { $0 } }

    public func send(_ request: KubeRequest) async throws -> KubeResponse {
        seen.withLock { $0.append("\(request.method) \(request.target)") }
        return try await base.send(request)
    }

    public func streamLines(_ request: KubeRequest) async throws -> KubeLineStream {
        seen.withLock { $0.append("\(request.method) \(request.target)") }
        return try await base.streamLines(request)
    }
}
