import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOSSL

/// The API server over HTTP(S): the CA of the kubeconfig as the only trust root, a bearer token on
/// every request. One connection pool per transport; `shutdown()` before dropping it.
public final class HTTPKubeTransport: KubeTransport {
    private let client: HTTPClient
    private let server: String
    private let token: String?
    private let timeout: TimeAmount

    public init(configuration: KubeClientConfiguration, timeout: TimeAmount = .seconds(30)) throws {
        var settings = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(connect: .seconds(10), read: nil))
        settings.httpVersion = .http1Only
        // Every informer's watch holds one connection for as long as it runs; the default of 8 per
        // host would leave a controller manager with many informers no connection for its writes.
        settings.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        if let caPEM = configuration.certificateAuthorityPEM {
            var tls = TLSConfiguration.makeClientConfiguration()
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)))
            } catch {
                throw KubeClientError.badConfiguration("the certificate authority is not PEM: \(error)")
            }
            // A cancelled watch sends close_notify; the server, not reading while it streams, only
            // notices when the TCP connection ends, so waiting long for its close_notify gains nothing.
            tls.shutdownTimeout = .milliseconds(100)
            settings.tlsConfiguration = tls
        }
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
        self.server =
            configuration.server.hasSuffix("/") ? String(configuration.server.dropLast()) : configuration.server
        self.token = configuration.token
        self.timeout = timeout
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }

    public func send(_ request: KubeRequest) async throws -> KubeResponse {
        let response = try await client.execute(makeRequest(request), timeout: timeout)
        let body = try await response.body.collect(upTo: 256 << 20)
        return KubeResponse(status: Int(response.status.code), body: Array(body.readableBytesView))
    }

    /// The wait for the response head is bounded; the body (a watch) runs until the server ends it.
    public func streamLines(_ request: KubeRequest) async throws -> KubeLineStream {
        let response = try await client.execute(makeRequest(request), timeout: timeout)
        guard response.status == .ok else {
            let body = try await response.body.collect(upTo: 1 << 20)
            return KubeLineStream(
                status: Int(response.status.code), lines: AsyncThrowingStream { $0.finish() },
                errorBody: Array(body.readableBytesView))
        }
        let (lines, continuation) = AsyncThrowingStream.makeStream(of: [UInt8].self)
        let reader = Task {
            var splitter = LineSplitter()
            do {
                for try await chunk in response.body {
                    for line in try splitter.feed(chunk.readableBytesView) { continuation.yield(line) }
                }
                if let last = splitter.finish() { continuation.yield(last) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        // Leaving the loop cancels the body iteration, which closes the connection.
        continuation.onTermination = { _ in reader.cancel() }
        return KubeLineStream(status: 200, lines: lines, errorBody: [])
    }

    private func makeRequest(_ request: KubeRequest) -> HTTPClientRequest {
        var outgoing = HTTPClientRequest(url: server + request.target)
        outgoing.method = HTTPMethod(rawValue: request.method)
        outgoing.headers.add(name: "Accept", value: request.accept)
        outgoing.headers.add(name: "User-Agent", value: "mesokube/v1.37.0")
        if let token { outgoing.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body = request.body {
            outgoing.headers.add(name: "Content-Type", value: request.contentType ?? "application/json")
            outgoing.body = .bytes(ByteBuffer(bytes: body))
        }
        return outgoing
    }
}
