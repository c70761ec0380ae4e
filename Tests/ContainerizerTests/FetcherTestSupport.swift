import Containerizer
import Foundation
import Glibc
import HTTPSupport
import MesosModel
import NIOCore
import TestSupport

/// A value guarded by a lock, shareable with the server's handler closure.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

/// A real HTTP server on 127.0.0.1 serving in-memory files, counting requests per path.
final class FetcherFileServer: Sendable {
    struct Route: Sendable {
        var body: [UInt8] = []
        var redirectTo: String?
        var delay: Duration?
    }

    private let routes: Locked<[String: Route]>
    private let counts: Locked<[String: Int]>
    private let server: HTTPServer
    let port: Int

    private init(routes: Locked<[String: Route]>, counts: Locked<[String: Int]>, server: HTTPServer, port: Int) {
        self.routes = routes
        self.counts = counts
        self.server = server
        self.port = port
    }

    static func start() async throws -> FetcherFileServer {
        let routes = Locked<[String: Route]>([:])
        let counts = Locked<[String: Int]>([:])
        let server = HTTPServer(host: "127.0.0.1", port: 0) { request in
            counts.withLock { $0[request.path, default: 0] += 1 }
            guard let route = routes.withLock({ $0[request.path] }) else {
                return .text("no such file", status: .notFound)
            }
            if let delay = route.delay { try? await Task.sleep(for: delay) }
            if let target = route.redirectTo {
                return HTTPResponse(status: .found, headers: ["Location": target])
            }
            return .bytes(ByteBuffer(bytes: route.body), contentType: "application/octet-stream")
        }
        let port = try await server.start()
        return FetcherFileServer(routes: routes, counts: counts, server: server, port: port)
    }

    func shutdown() async { await server.shutdown() }

    func serve(_ path: String, _ body: [UInt8], delay: Duration? = nil) {
        routes.withLock { $0[path] = Route(body: body, delay: delay) }
    }
    func serve(_ path: String, text: String) { serve(path, Array(text.utf8)) }
    func redirect(_ path: String, to target: String) { routes.withLock { $0[path] = Route(redirectTo: target) } }
    func requests(_ path: String) -> Int { counts.withLock { $0[path] ?? 0 } }
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }
}

/// A temp dir with a sandbox and a cache below it, a file server, and a fetcher; `run` always
/// shuts the server down and removes the directory.
struct FetcherFixture {
    let root: TemporaryDirectory
    let server: FetcherFileServer
    let fetcher: Fetcher
    var sandbox: String { root.path + "/sandbox" }
    var cache: String { root.path + "/cache" }

    static func run(
        maxCacheBytes: Int64 = 1 << 20, timeout: Duration = .seconds(60), maxFileBytes: Int64? = nil,
        _ body: (FetcherFixture) async throws -> Void
    ) async throws {
        let root = try TemporaryDirectory("fetcher")
        defer { root.remove() }
        try FileManager.default.createDirectory(atPath: root.path + "/sandbox", withIntermediateDirectories: true)
        let server = try await FetcherFileServer.start()
        let options = Fetcher.Options(
            cacheDirectory: root.path + "/cache", maxCacheBytes: maxCacheBytes, timeout: timeout,
            maxFileBytes: maxFileBytes)
        let fixture = FetcherFixture(root: root, server: server, fetcher: Fetcher(options: options))
        do {
            try await body(fixture)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    func fetch(
        _ uris: [CommandURI], into directory: String? = nil, user: String? = nil
    ) async throws(FetchError)
        -> [FetchedFile]
    {
        try await fetcher.fetch(uris, into: directory ?? sandbox, user: user)
    }

    /// The error a fetch of `uris` throws, or nil if it succeeded.
    func failure(_ uris: [CommandURI], user: String? = nil) async -> FetchError? {
        do {
            _ = try await fetch(uris, user: user)
            return nil
        } catch {
            return error
        }
    }
}

/// Builds a `CommandURI` the way a framework sends it (its memberwise init is not public).
func uri(
    _ value: String, executable: Bool? = nil, extract: Bool? = nil, cache: Bool? = nil, outputFile: String? = nil
) -> CommandURI {
    var object: [String: Any] = ["value": value]
    object["executable"] = executable
    object["extract"] = extract
    object["cache"] = cache
    object["output_file"] = outputFile
    // Force-unwraps: the dictionary is built right here from JSON-safe values.
    let data = try! JSONSerialization.data(withJSONObject: object)
    return try! JSONDecoder().decode(CommandURI.self, from: data)
}

/// Runs a shell command (building test archives) off the cooperative pool; throws on failure.
func sh(_ command: String, in directory: String) async throws {
    let status: Int32 = await runOffCooperativePool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
    if status != 0 { throw TimedOut(description: "'\(command)' exited with \(status)") }
}

func fileBytes(_ path: String) -> [UInt8] {
    (FileManager.default.contents(atPath: path).map { [UInt8]($0) }) ?? []
}

func exists(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0
}

func mode(_ path: String) -> mode_t {
    var info = stat()
    return stat(path, &info) == 0 ? info.st_mode & 0o777 : 0
}

/// Sorted directory entries; a placeholder when unreadable so "is empty" checks cannot pass vacuously.
func listing(_ path: String) -> [String] {
    (try? FileManager.default.contentsOfDirectory(atPath: path).sorted()) ?? ["<unreadable \(path)>"]
}
