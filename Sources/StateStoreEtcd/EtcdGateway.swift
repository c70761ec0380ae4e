import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import StateStore

/// Calls etcd's gRPC-JSON gateway (`POST /v3/...`) on a list of cluster members, moving to the
/// next member when one is unreachable or cannot serve (no leader), as etcd's own client does.
///
/// A call is retried elsewhere only when that cannot apply it twice: reads and lease calls on any
/// transport failure, writes only when the request never reached a member (connection refused,
/// connect timeout) or the member refused it before proposing it (no leader). A write whose
/// outcome is unknown fails with a backend error saying so.
final class EtcdGateway: Sendable {
    enum Retry {
        /// Safe to send again after any failure.
        case idempotent
        /// Sent again only when it certainly was not applied.
        case write
    }

    let endpoints: [String]
    let client: HTTPClient
    let requestTimeout: Duration
    /// The member that answered last; calls start there.
    private let preferred = LockedBox(0)
    private let encoder = JSONEncoder()

    init(endpoints: [String], requestTimeout: Duration) {
        self.endpoints = endpoints
        self.requestTimeout = requestTimeout
        var configuration = HTTPClient.Configuration()
        // Watches are long, mostly idle streams: no read timeout; unary calls carry a deadline.
        // Renewals carry their own 1 s deadline; other calls can afford a loaded machine's connects.
        configuration.timeout = .init(connect: .seconds(5), read: nil)
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 1024)
        client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }

    func shutdown() async {
        guard markShutDown() else { return }
        try? await client.shutdown()
    }

    /// A store dropped without `close()` (a start-up that failed half way) must not trip the
    /// client's "not shut down" assertion: shut it down in the background.
    deinit {
        if markShutDown() { client.shutdown { _ in } }
    }

    private let isShutDown = LockedBox(false)

    /// True for the one caller that gets to shut the client down.
    private func markShutDown() -> Bool {
        isShutDown.withLock { done in
            defer { done = true }
            return !done
        }
    }

    /// One unary call: `path` such as `/v3/kv/range`, the request message, the response message.
    func call<Response: Decodable>(
        _ path: String, _ message: some Encodable, as: Response.Type, retry: Retry, timeout: Duration? = nil
    ) async throws -> Response {
        let body = try encoder.encode(message)
        var lastFailure = "no etcd endpoints"
        // Two passes over the members with a short pause: a restarted member or a new leader
        // usually needs a moment, and two rounds ride that out without hiding a dead cluster.
        for attempt in 0..<(endpoints.count * 2) {
            if attempt == endpoints.count { try await Task.sleep(for: .milliseconds(500)) }
            let index = (preferred.withLock { $0 } + attempt) % endpoints.count
            do {
                let data = try await post(endpoints[index] + path, body: body, timeout: timeout ?? requestTimeout)
                preferred.withLock { $0 = index }
                return try decode(Response.self, from: data)
            } catch let failure as GatewayError where failure.isUnavailable {
                lastFailure = "\(endpoints[index]): \(failure.message)"
            } catch let failure as GatewayError {
                throw Self.storeError(failure)
            } catch let error as StoreError {
                throw error
            } catch {
                lastFailure = "\(endpoints[index]): \(error)"
                if retry == .write && !Self.neverSent(error) {
                    throw StoreError.backend("etcd write outcome unknown (\(lastFailure))")
                }
            }
            if Task.isCancelled { throw CancellationError() }
        }
        throw StoreError.backend("no etcd member could serve \(path): \(lastFailure)")
    }

    /// Opens a server stream (watch) on one member; the caller reads the body.
    func openStream(_ path: String, _ message: some Encodable, endpoint index: Int) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: endpoints[index % endpoints.count] + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        // gRPC metadata through the gateway: etcd ends the watch when this member loses its
        // leader instead of leaving it silent on the minority side of a partition.
        request.headers.add(name: "Grpc-Metadata-hasleader", value: "true")
        request.body = .bytes(ByteBuffer(bytes: try encoder.encode(message)))
        let response = try await client.execute(request, deadline: .now() + .init(requestTimeout))
        guard response.status == .ok else {
            let data = Data(try await response.body.collect(upTo: 1 << 20).readableBytesView)
            throw (try? JSONDecoder().decode(GatewayError.self, from: data))
                ?? GatewayError(message: "HTTP \(response.status.code)", code: 14)
        }
        return response
    }

    var preferredEndpoint: Int { preferred.withLock { $0 } }

    private func post(_ url: String, body: Data, timeout: Duration) async throws -> Data {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, deadline: .now() + .init(timeout))
        let data = Data(try await response.body.collect(upTo: 256 << 20).readableBytesView)
        guard response.status == .ok else {
            throw (try? JSONDecoder().decode(GatewayError.self, from: data))
                ?? GatewayError(
                    message: "HTTP \(response.status.code): \(String(decoding: data, as: UTF8.self))", code: 2)
        }
        return data
    }

    private func decode<Response: Decodable>(_ type: Response.Type, from data: Data) throws -> Response {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw StoreError.backend("unreadable etcd response: \(error)")
        }
    }

    /// Whether a failed request certainly never reached a member.
    static func neverSent(_ error: any Error) -> Bool {
        if error is NIOConnectionError { return true }
        if let io = error as? IOError, io.errnoCode == ECONNREFUSED { return true }
        if let client = error as? HTTPClientError {
            return client == .connectTimeout || client == .socksHandshakeTimeout
        }
        if let channel = error as? ChannelError {
            // A pooled connection the dead member had closed: the write never went out.
            if case .connectTimeout = channel { return true }
            if case .ioOnClosedChannel = channel { return true }
        }
        return false
    }

    /// etcd's errors in the store's terms. Reads at a revision out of reach come back as
    /// `RevisionOutOfReach` for the caller, which knows the revision it asked for.
    static func storeError(_ failure: GatewayError) -> any Error {
        if failure.message.contains("requested lease not found") { return StoreError.leaseNotFound(0) }
        if failure.message.contains("required revision has been compacted") { return RevisionOutOfReach.compacted }
        if failure.message.contains("required revision is a future revision") { return RevisionOutOfReach.future }
        return StoreError.backend("etcd: \(failure.message)")
    }
}

/// A read at a revision etcd no longer has, or does not have yet.
enum RevisionOutOfReach: Error {
    case compacted
    case future
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
