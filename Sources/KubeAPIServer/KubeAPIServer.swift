import Foundation
import HTTPSupport
import KubeTypes
import Logging
import NIOCore
import NIOHTTP1
import StateStore
import Synchronization

/// What the API server reads from its surroundings, injected so tests control time and names.
public struct KubeEnvironment: Sendable {
    /// Seconds since the epoch.
    public var now: @Sendable () -> Int64
    /// A fresh object uid.
    public var makeUID: @Sendable () -> String
    /// `count` random characters from upstream's generateName alphabet.
    public var randomSuffix: @Sendable (_ count: Int) -> String
    /// A random number below `bound` (where service addresses start their search).
    public var randomNumber: @Sendable (_ bound: UInt64) -> UInt64

    public init(
        now: @escaping @Sendable () -> Int64, makeUID: @escaping @Sendable () -> String,
        randomSuffix: @escaping @Sendable (Int) -> String,
        randomNumber: @escaping @Sendable (UInt64) -> UInt64 = { UInt64.random(in: 0..<max($0, 1)) }
    ) {
        self.now = now
        self.makeUID = makeUID
        self.randomSuffix = randomSuffix
        self.randomNumber = randomNumber
    }

    /// The real clock and random source.
    public static let system = KubeEnvironment(
        now: { Int64(Date().timeIntervalSince1970) },
        makeUID: { UUID().uuidString.lowercased() },
        randomSuffix: { count in
            // Upstream's alphabet leaves out vowels and look-alike characters, so names never spell words.
            let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
            return String((0..<count).map { _ in alphabet.randomElement()! })
        })
}

/// Settings of the Kubernetes API server.
public struct KubeAPIOptions: Sendable {
    /// Bearer tokens that authenticate a request; empty means no authentication (plain HTTP dev mode).
    public var bearerTokens: Set<String> = []
    /// The address clients should use, advertised in `/api`'s serverAddressByClientCIDRs.
    public var advertiseAddress = "127.0.0.1:6443"
    /// How many revisions of history compaction keeps (kine keeps at least 1000).
    public var compactionRetain: Int64 = 1000
    /// How often history is compacted (kube-apiserver's default is five minutes).
    public var compactionInterval: Duration = .seconds(300)
    /// Seconds between BOOKMARK events on watches that asked for them.
    public var bookmarkInterval: Duration = .seconds(60)
    /// Where services get cluster IPs and node ports (`--service-cidr`, `--node-port-range`).
    public var serviceNetwork: ServiceNetwork = .standard
    /// The bearer token presented to kubelets when proxying pods/log, exec and port-forward;
    /// nil answers those with 503.
    public var kubeletToken: String?
    /// The cluster DNS server (HOST, port) behind the `kube-dns` Service; nil keeps no such Service.
    public var clusterDNS: (host: String, port: Int)?

    public init() {}
}

/// The Kubernetes API server: discovery, OpenAPI, and every resource, over the StateStore.
/// It is an `HTTPHandler`; the caller decides how it is served (TLS or plain HTTP).
public final class KubeAPIServer: HTTPHandler, Sendable {
    let options: KubeAPIOptions
    let environment: KubeEnvironment
    let storage: ObjectStorage
    let registry: ResourceRegistry
    let logger: Logger
    /// The kubelets' last statistics, behind metrics.k8s.io.
    let metricsScrapes = MetricsScrapes()
    private let caches = Mutex<[String: WatchCache]>([:])
    private let documents = Mutex<DocumentCache>(DocumentCache())
    private let background = Mutex<[Task<Void, Never>]>([])
    /// Names and versions of the definitions last loaded, to notice when custom resources change.
    let crdFingerprint = Mutex("")
    private let advertised: Mutex<String>
    private let runsClusterWork: Mutex<Bool>
    let serviceGate = SerialGate()

    public init(
        store: any StateStore, options: KubeAPIOptions = KubeAPIOptions(), environment: KubeEnvironment = .system,
        logger: Logger = Logger(label: "mesokube.kube-apiserver")
    ) {
        self.options = options
        self.environment = environment
        self.storage = ObjectStorage(store: store)
        self.registry = ResourceRegistry()
        self.logger = logger
        self.advertised = Mutex(options.advertiseAddress)
        self.runsClusterWork = Mutex(true)
    }

    /// Where clients reach this server (`host:port`), once the listener has bound its port.
    public func setAdvertiseAddress(_ address: String) {
        advertised.withLock { $0 = address }
    }

    var advertiseAddress: String { advertised.withLock { $0 } }

    /// With several API servers on one store (HA masters), only the leader's runs the
    /// cluster-wide work (garbage collection, namespace termination, the `kubernetes` and
    /// `kube-dns` endpoints, compaction), as controller-manager is leader-elected upstream.
    /// Every server keeps serving, and keeps following custom resource definitions.
    public func setRunsClusterWork(_ runs: Bool) {
        runsClusterWork.withLock { $0 = runs }
    }

    var isRunningClusterWork: Bool { runsClusterWork.withLock { $0 } }

    /// Creates the default namespaces, loads custom resources and starts the watch caches and the
    /// controllers that run inside the API server (garbage collector, namespace lifecycle, compaction).
    public func start() async throws {
        for resource in registry.snapshot.resources {
            _ = try await watchCache(for: resource)
        }
        try await ensureDefaultNamespaces()
        try await ensureSystemPriorityClasses()
        try await reloadCustomResources()
        startBackgroundWork()
    }

    public func stop() async {
        let tasks = background.withLock { tasks in
            defer { tasks.removeAll() }
            return tasks
        }
        for task in tasks { task.cancel() }
        let all = caches.withLock { Array($0.values) }
        for cache in all { await cache.stop() }
    }

    func addBackground(_ task: Task<Void, Never>) {
        background.withLock { $0.append(task) }
    }

    /// The watch cache of a resource, started on first use.
    func watchCache(for resource: ResourceType) async throws -> WatchCache {
        let prefix = ObjectStorage.prefix(resource, namespace: nil)
        let (cache, isNew) = caches.withLock { caches -> (WatchCache, Bool) in
            if let existing = caches[prefix] { return (existing, false) }
            let cache = WatchCache(prefix: prefix, store: storage.store)
            caches[prefix] = cache
            return (cache, true)
        }
        if isNew { try await cache.start() }
        return cache
    }

    func allWatchCaches() -> [WatchCache] {
        caches.withLock { Array($0.values) }
    }

    func cachedDocument(_ key: String, generation: Int, build: () -> JSON) -> (JSON, String) {
        if let hit = documents.withLock({ $0.get(key, generation: generation) }) { return hit }
        let document = build()
        let hash = OpenAPIDocuments.contentHash(document)
        documents.withLock { $0.put(key, generation: generation, document: document, hash: hash) }
        return (document, hash)
    }

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        do {
            try authenticate(request)
            return try await route(request)
        } catch let error as APIError {
            return Self.statusResponse(error)
        } catch {
            logger.error("request failed", metadata: ["path": "\(request.path)", "error": "\(error)"])
            return Self.statusResponse(APIError.internalError("\(error)"))
        }
    }

    private static let publicPaths: Set<String> = ["/healthz", "/livez", "/readyz", "/version"]

    private func authenticate(_ request: HTTPRequest) throws {
        guard !options.bearerTokens.isEmpty, !Self.publicPaths.contains(request.path) else { return }
        let header = request.headers.first(name: "Authorization") ?? ""
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer",
            options.bearerTokens.contains(String(parts[1]).trimmingCharacters(in: .whitespaces))
        else { throw APIError.unauthorized }
    }

    func route(_ request: HTTPRequest) async throws -> HTTPResponse {
        var path = request.path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        switch path {
        case "/healthz", "/livez", "/readyz":
            return health(request, check: String(path.dropFirst()))
        case "/version":
            return Self.jsonResponse(Self.version)
        case "/api", "/apis":
            return discoveryRoot(request, legacyCore: path == "/api")
        case "/openapi/v3":
            return openAPIIndex()
        case "/openapi/v2":
            return openAPIV2(request)
        default:
            break
        }
        if path.hasPrefix("/openapi/v3/") {
            return try openAPIDocument(String(path.dropFirst("/openapi/v3/".count)))
        }
        if let response = try discoveryGroup(request, path: path) { return response }
        guard let info = RequestInfo(path: path) else { throw APIError.pathNotFound }
        return try await serveResource(request, info: info)
    }

    private func health(_ request: HTTPRequest, check: String) -> HTTPResponse {
        if request.query["verbose"] != nil {
            let lines = ["[+]ping ok", "[+]etcd ok", "[+]poststarthook/start-watch-caches ok", "\(check) check passed"]
            return .text(lines.joined(separator: "\n") + "\n")
        }
        return .text("ok")
    }

    static let version: JSON = [
        "major": "1", "minor": "37", "gitVersion": "v1.37.0-mesokube", "gitCommit": "mesokube",
        "gitTreeState": "clean", "buildDate": "2026-11-01T00:00:00Z", "goVersion": "swift6.3",
        "compiler": "swiftc", "platform": "linux/amd64", "emulationMajor": "1", "emulationMinor": "37",
        "minCompatibilityMajor": "1", "minCompatibilityMinor": "36",
    ]

    static func jsonResponse(
        _ value: JSON, status: HTTPResponseStatus = .ok, contentType: String = "application/json",
        headers: HTTPHeaders = [:]
    ) -> HTTPResponse {
        var response = HTTPResponse.bytes(
            ByteBuffer(bytes: value.serializedBytes()), contentType: contentType, status: status)
        for (name, value) in headers { response.headers.add(name: name, value: value) }
        return response
    }

    static func statusResponse(_ error: APIError) -> HTTPResponse {
        jsonResponse(error.status, status: HTTPResponseStatus(statusCode: error.code))
    }
}

/// Discovery and OpenAPI documents, rebuilt only when the set of resources changes.
struct DocumentCache: Sendable {
    private var entries: [String: (generation: Int, document: JSON, hash: String)] = [:]

    func get(_ key: String, generation: Int) -> (JSON, String)? {
        guard let entry = entries[key], entry.generation == generation else { return nil }
        return (entry.document, entry.hash)
    }

    mutating func put(_ key: String, generation: Int, document: JSON, hash: String) {
        entries[key] = (generation, document, hash)
    }
}
