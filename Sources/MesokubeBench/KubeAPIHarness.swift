import AsyncHTTPClient
import Foundation
import HTTPSupport
import KubeAPIServer
import Logging
import NIOCore
import NIOHTTP1
import StateStoreSQLite
import Synchronization

/// A request the benchmark did not expect to fail; the run stops with this message.
struct RequestFailure: Error, CustomStringConvertible {
    var method: HTTPMethod
    var path: String
    var detail: String

    var description: String { "\(method.rawValue) \(path): \(detail)" }
}

/// A real Kubernetes API server on a fresh SQLite store in a temporary directory, served over
/// plain HTTP on an ephemeral loopback port (as `mesokube --kube-insecure` serves it), and the
/// AsyncHTTPClient that drives it: every figure includes HTTP framing, JSON and the store's commit.
final class KubeAPIHarness: Sendable {
    let directory: URL
    let databasePath: String
    let baseURL: String
    private let store: SQLiteStateStore
    private let server: KubeAPIServer
    private let http: HTTPServer
    private let client: HTTPClient
    private static let clock = ContinuousClock()

    private init(
        directory: URL, databasePath: String, baseURL: String, store: SQLiteStateStore, server: KubeAPIServer,
        http: HTTPServer, client: HTTPClient
    ) {
        self.directory = directory
        self.databasePath = databasePath
        self.baseURL = baseURL
        self.store = store
        self.server = server
        self.http = http
        self.client = client
    }

    /// Starts the server as `mesokube` does (the store commits with full durability) and a client
    /// allowed `connections` open connections.
    static func start(connections: Int) async throws -> KubeAPIHarness {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("mesokube-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let databasePath = directory.appendingPathComponent("registry.sqlite").path
        let store = try SQLiteStateStore(path: databasePath)
        // Warnings only: per-connection info lines would swamp the figures.
        var logger = Logger(label: "mesokube-bench.kube-apiserver")
        logger.logLevel = .warning
        // No compaction during the run: at the default 300 s it would land inside whichever phase
        // happened to be running; its cost is measured by CompactionTests instead.
        var options = KubeAPIOptions()
        options.compactionInterval = .seconds(86_400)
        let server = KubeAPIServer(store: store, options: options, logger: logger)
        try await server.start()
        let http = HTTPServer(host: "127.0.0.1", port: 0, handler: server, logger: logger)
        let port = try await http.start()
        server.setAdvertiseAddress("127.0.0.1:\(port)")

        // Every client and every watcher holds its own keep-alive connection; the default pool of
        // 8 per host would queue requests inside the client and count the wait as server latency.
        let pool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, connectionPool: pool)
        configuration.httpVersion = .http1Only
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        return KubeAPIHarness(
            directory: directory, databasePath: databasePath, baseURL: "http://127.0.0.1:\(port)", store: store,
            server: server, http: http, client: client)
    }

    /// Stops client, listener, server and store, in that order, so the store is closed (and its WAL
    /// checkpointed) before its size is read.
    func stop() async {
        try? await client.shutdown()
        await http.shutdown()
        await server.stop()
        await store.close()
    }

    func removeDirectory() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Bytes on disk of the database file and of its write-ahead log.
    func databaseBytes() -> (database: Int64, wal: Int64) {
        func size(_ path: String) -> Int64 {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int64) ?? 0
        }
        return (size(databasePath), size(databasePath + "-wal"))
    }

    /// One request with its whole response body; any status outside `expecting` is a failure.
    @discardableResult
    func send(
        _ method: HTTPMethod, _ path: String, body: String? = nil, contentType: String = "application/json",
        expecting: Set<HTTPResponseStatus> = [.ok]
    ) async throws -> ByteBuffer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(string: body))
        }
        let status: HTTPResponseStatus
        let bytes: ByteBuffer
        do {
            let response = try await client.execute(request, timeout: .seconds(60))
            status = response.status
            bytes = try await response.body.collect(upTo: 256 << 20)
        } catch {
            throw RequestFailure(method: method, path: path, detail: "request failed: \(error)")
        }
        guard expecting.contains(status) else {
            let excerpt = String(buffer: bytes).prefix(400)
            throw RequestFailure(method: method, path: path, detail: "answered \(status.code) \(excerpt)")
        }
        return bytes
    }

    /// Opens a watch and returns its response once the server has answered 200, which it does
    /// only after subscribing the watcher, so every later write reaches it.
    func openWatch(_ path: String) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        request.headers.add(name: "Accept", value: "application/json")
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .hours(1))
        } catch {
            throw RequestFailure(method: .GET, path: path, detail: "watch failed: \(error)")
        }
        guard response.status == .ok else {
            let excerpt = String(buffer: (try? await response.body.collect(upTo: 1 << 16)) ?? ByteBuffer())
            throw RequestFailure(method: .GET, path: path, detail: "answered \(response.status.code) \(excerpt)")
        }
        return response
    }

    /// Runs operations `0..<count` on `clients` concurrent workers, each taking the next index as
    /// it finishes the last (a closed loop, like client-go's workers); returns every operation's
    /// latency and the phase's wall time. The first failure cancels the rest and is rethrown.
    func drive(
        _ count: Int, clients: Int, _ operation: @escaping @Sendable (Int) async throws -> Void
    ) async throws -> (latencies: [Duration], wall: Duration) {
        let next = IndexDispenser()
        let clock = Self.clock
        let start = clock.now
        let latencies = try await withThrowingTaskGroup(of: [Duration].self, returning: [Duration].self) { group in
            for _ in 0..<max(1, min(clients, count)) {
                group.addTask {
                    var mine: [Duration] = []
                    while let index = next.take(below: count) {
                        let begun = clock.now
                        try await operation(index)
                        mine.append(clock.now - begun)
                    }
                    return mine
                }
            }
            var all: [Duration] = []
            for try await part in group { all += part }
            return all
        }
        return (latencies, clock.now - start)
    }
}

/// Hands out the indices of a phase's operations to its workers, each exactly once.
final class IndexDispenser: Sendable {
    private let next = Atomic<Int>(0)

    func take(below count: Int) -> Int? {
        let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
        return index < count ? index : nil
    }
}
