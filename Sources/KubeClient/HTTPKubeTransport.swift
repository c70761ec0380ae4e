import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The API server over HTTP(S): the CA of the kubeconfig as the only trust root, a bearer token on
/// every request. One connection pool per transport; `shutdown()` before dropping it.
///
/// `server` may list several API servers separated by commas (HA masters, all serving the same
/// store): a request that cannot connect to one moves to the next. Only refused or timed-out
/// connections move on, so a request is never sent twice.
public final class HTTPKubeTransport: KubeTransport {
    private let client: HTTPClient
    private let servers: [String]
    private let current = Mutex(0)
    private let token: String?
    private let timeout: TimeAmount

    public init(configuration: KubeClientConfiguration, timeout: TimeAmount = .seconds(30)) throws {
        var settings = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            // A dead API server is retried until this runs out before the next one is tried; shorter
            // values fail connections on a loaded machine.
            timeout: HTTPClient.Configuration.Timeout(connect: .seconds(10), read: nil))
        settings.httpVersion = .http1Only
        // Every informer's watch holds a connection for as long as it runs, and a controller
        // manager runs a dozen of them: the default of 8 per host would leave no connection for
        // the requests themselves.
        settings.connectionPool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
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
        self.servers = configuration.server.split(separator: ",").map { entry in
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            return trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed
        }
        self.token = configuration.token
        self.timeout = timeout
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }

    public func send(_ request: KubeRequest) async throws -> KubeResponse {
        let response = try await execute(request)
        let body = try await response.body.collect(upTo: 256 << 20)
        return KubeResponse(status: Int(response.status.code), body: Array(body.readableBytesView))
    }

    /// The wait for the response head is bounded; the body (a watch) runs until the server ends it.
    public func streamLines(_ request: KubeRequest) async throws -> KubeLineStream {
        let response = try await execute(request)
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

    /// Sends to the current server, moving on through the list while connections are refused.
    private func execute(_ request: KubeRequest) async throws -> HTTPClientResponse {
        let first = current.withLock { $0 }
        var attempt = 0
        while true {
            let index = (first + attempt) % servers.count
            do {
                let response = try await client.execute(makeRequest(request, server: servers[index]), timeout: timeout)
                if attempt > 0 { current.withLock { $0 = index } }
                return response
            } catch  where attempt + 1 < servers.count && Self.neverConnected(error) {
                attempt += 1
            }
        }
    }

    /// Whether the request certainly never reached the server.
    static func neverConnected(_ error: any Error) -> Bool {
        if error is NIOConnectionError { return true }
        if let io = error as? IOError, io.errnoCode == ECONNREFUSED { return true }
        if let client = error as? HTTPClientError, client == .connectTimeout { return true }
        if let channel = error as? ChannelError {
            if case .connectTimeout = channel { return true }
            if case .ioOnClosedChannel = channel { return true }
        }
        return false
    }

    private func makeRequest(_ request: KubeRequest, server: String) -> HTTPClientRequest {
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
