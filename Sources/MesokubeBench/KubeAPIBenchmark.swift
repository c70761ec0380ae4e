import Foundation
import KubeTypes
import NIOCore

/// The Kubernetes API server under client load, through real HTTP: create, get, list, patch,
/// watch fan-out and delete, each phase printing throughput and latency percentiles.
enum KubeAPIBenchmark {
    struct Settings: Sendable {
        /// ConfigMaps, and as many Pods, created by phase 1.
        var objects: Int
        /// Concurrent clients, each issuing its next request when the last one is answered.
        var clients: Int
        var watchers: Int
        var updates: Int
        var json: Bool

        var common: [String: JSON] {
            [
                "objects": .int(Int64(objects)), "clients": .int(Int64(clients)),
                "watchers": .int(Int64(watchers)), "updates": .int(Int64(updates)),
            ]
        }
    }

    static let namespace = "bench"
    /// Pods carry `app=web-<index % appCount>`, so one selector matches a tenth of them.
    static let appCount = 10
    static let selectedApp = "web-3"
    /// The page size kubectl and client-go informers use.
    static let pageSize = 500
    /// Full LISTs timed per variant: enough for p90, while each one reads every pod.
    static let listRepeats = 100

    static func run(_ settings: Settings) async throws {
        let harness = try await KubeAPIHarness.start(connections: settings.clients + settings.watchers + 4)
        print(
            "Kubernetes API server at \(harness.baseURL) on SQLite \(harness.databasePath); "
                + "\(settings.objects) objects, \(settings.clients) clients, \(settings.watchers) watchers, "
                + "\(settings.updates) updates")
        do {
            try await runPhases(settings, harness)
        } catch {
            await harness.stop()
            harness.removeDirectory()
            throw error
        }
        await harness.stop()
        // The floor: the same creates straight into the stores, after the API server has stopped.
        for figure in try await StoreFloorBenchmark.run(.init(objects: settings.objects, clients: settings.clients)) {
            print(figure.line)
            if settings.json { print(figure.json(common: settings.common).serialized()) }
        }
        let (database, wal) = harness.databaseBytes()
        let size = PhaseFigure.fixed(Double(database + wal) / 1_000_000, 2)
        print("SQLite store after the run: \(database) bytes + \(wal) bytes WAL = \(size) MB (no compaction ran)")
        if settings.json {
            var object = JSON.object(settings.common)
            object["benchmark"] = "kube_api.sqlite_size"
            object["database_bytes"] = .int(database)
            object["wal_bytes"] = .int(wal)
            print(object.serialized())
        }
        harness.removeDirectory()
    }

    static func runPhases(_ settings: Settings, _ harness: KubeAPIHarness) async throws {
        let report = { (figure: PhaseFigure) in
            print(figure.line)
            if settings.json { print(figure.json(common: settings.common).serialized()) }
        }
        let namespace: JSON = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(Self.namespace)]]
        try await harness.send(.POST, "/api/v1/namespaces", body: namespace.serialized(), expecting: [.created])

        report(try await create(.configMap, settings, harness))
        report(try await create(.pod, settings, harness))
        report(try await getPods(settings, harness))
        report(try await listPods(selector: nil, settings, harness))
        report(try await listPods(selector: "app=\(selectedApp)", settings, harness))
        report(try await patchPods(settings, harness))
        report(try await WatchFanout.run(settings, harness))
        report(try await delete(.configMap, settings, harness))
        report(try await delete(.pod, settings, harness))
    }

    // MARK: Phases

    static func create(_ kind: BenchKind, _ settings: Settings, _ harness: KubeAPIHarness) async throws -> PhaseFigure {
        let bodies = (0..<settings.objects).map { kind.manifest($0).serialized() }
        let collection = kind.collectionPath
        let (latencies, wall) = try await harness.drive(settings.objects, clients: settings.clients) { index in
            try await harness.send(.POST, collection, body: bodies[index], expecting: [.created])
        }
        return PhaseFigure(
            name: "create_\(kind.plural)", label: "create \(kind.label)", operations: settings.objects, wall: wall,
            latency: LatencySample(latencies))
    }

    static func getPods(_ settings: Settings, _ harness: KubeAPIHarness) async throws -> PhaseFigure {
        let (latencies, wall) = try await harness.drive(settings.objects, clients: settings.clients) { index in
            try await harness.send(.GET, BenchKind.pod.objectPath(index))
        }
        return PhaseFigure(
            name: "get_pod", label: "GET one Pod", operations: settings.objects, wall: wall,
            latency: LatencySample(latencies))
    }

    /// Times complete LISTs of the namespace's pods, following `continue` tokens page by page. One
    /// untimed LIST first counts the items, so a broken continue chain cannot pass for a fast one.
    static func listPods(
        selector: String?, _ settings: Settings, _ harness: KubeAPIHarness
    ) async throws
        -> PhaseFigure
    {
        let expected = selector == nil ? settings.objects : (0..<settings.objects).filter(isSelected).count
        let (pages, items) = try await listAll(selector: selector, count: true, harness)
        var extra: [(key: String, value: JSON, text: String)] = [
            ("pages_per_list", .int(Int64(pages)), "\(pages) page(s) of limit=\(pageSize)"),
            ("items_per_list", .int(Int64(items)), "\(items) pods each"),
        ]
        if items != expected {
            let warning = "MISMATCH: expected \(expected) pods, listed \(items)"
            FileHandle.standardError.write(Data("kube-api list: \(warning)\n".utf8))
            extra.append(("expected_items", .int(Int64(expected)), warning))
        }
        let (latencies, wall) = try await harness.drive(listRepeats, clients: settings.clients) { _ in
            _ = try await listAll(selector: selector, count: false, harness)
        }
        // Every list reads all the namespace's pods from the store, selector or not.
        let podsRead = Double(settings.objects * listRepeats) / wall.seconds
        extra.append(
            (
                "pods_read_per_second", .double(PhaseFigure.rounded(podsRead)),
                "\(PhaseFigure.fixed(podsRead, 0)) pods read/s"
            ))
        let name = selector == nil ? "list_pods" : "list_pods_selector"
        let label = selector.map { "LIST Pods labelSelector=\($0)" } ?? "LIST all Pods"
        return PhaseFigure(
            name: name, label: label, operations: listRepeats, wall: wall, latency: LatencySample(latencies),
            extra: extra)
    }

    /// One complete LIST; returns the pages read and, when `count` is set, the items (parsing
    /// every page is left out of the timed runs, which only look for the continue token).
    static func listAll(selector: String?, count: Bool, _ harness: KubeAPIHarness) async throws -> (Int, Int) {
        var query = "?limit=\(pageSize)"
        if let selector { query += "&labelSelector=" + queryEscaped(selector) }
        var token: String?
        var pages = 0
        var items = 0
        repeat {
            let page = try await harness.send(
                .GET, BenchKind.pod.collectionPath + query + (token.map { "&continue=" + queryEscaped($0) } ?? ""))
            pages += 1
            if count {
                items += try JSONReader.parse(Array(page.readableBytesView))["items"]?.arrayValue?.count ?? 0
            }
            token = JSONScan.lastString(of: "continue", in: page.readableBytesView).flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return (pages, items)
    }

    static func patchPods(_ settings: Settings, _ harness: KubeAPIHarness) async throws -> PhaseFigure {
        let (latencies, wall) = try await harness.drive(settings.objects, clients: settings.clients) { index in
            try await harness.send(
                .PATCH, BenchKind.pod.objectPath(index), body: annotationPatch("bench.mesokube.io/patched", "true"),
                contentType: "application/merge-patch+json")
        }
        return PhaseFigure(
            name: "patch_pod", label: "merge-PATCH Pods", operations: settings.objects, wall: wall,
            latency: LatencySample(latencies))
    }

    static func delete(_ kind: BenchKind, _ settings: Settings, _ harness: KubeAPIHarness) async throws -> PhaseFigure {
        // Unscheduled pods have no containers to stop, so they go at once (200) rather than
        // terminating gracefully (202).
        let (latencies, wall) = try await harness.drive(settings.objects, clients: settings.clients) { index in
            try await harness.send(.DELETE, kind.objectPath(index), expecting: [.ok])
        }
        return PhaseFigure(
            name: "delete_\(kind.plural)", label: "DELETE \(kind.label)", operations: settings.objects, wall: wall,
            latency: LatencySample(latencies))
    }

    // MARK: Objects and requests

    static func isSelected(_ index: Int) -> Bool { "web-\(index % appCount)" == selectedApp }

    static func annotationPatch(_ key: String, _ value: String) -> String {
        let patch: JSON = ["metadata": ["annotations": [key: .string(value)]]]
        return patch.serialized()
    }

    /// Percent-encodes everything but unreserved characters: continue tokens are base64 (`+`,
    /// `/`, `=`) and the server decodes `+` in a query as a space.
    static func queryEscaped(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}

/// The two kinds the benchmark creates: a small, common object and the one the control plane
/// writes most.
enum BenchKind {
    case configMap
    case pod

    var plural: String { self == .pod ? "pods" : "configmaps" }
    var label: String { self == .pod ? "Pods" : "ConfigMaps" }
    var collectionPath: String { "/api/v1/namespaces/\(KubeAPIBenchmark.namespace)/\(plural)" }

    func name(_ index: Int) -> String { self == .pod ? "web-\(index)" : "web-config-\(index)" }
    func objectPath(_ index: Int) -> String { collectionPath + "/" + name(index) }

    func manifest(_ index: Int) -> JSON {
        let labels: JSON = [
            "app": .string("web-\(index % KubeAPIBenchmark.appCount)"), "tier": "frontend",
            "pod-template-hash": "5d8f6c9b7",
        ]
        let metadata: JSON = ["name": .string(name(index)), "labels": labels]
        switch self {
        case .configMap:
            return [
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata,
                "data": [
                    "LOG_LEVEL": "info", "UPSTREAM": "http://api.bench.svc.cluster.local:8080",
                    "app.properties": "cache.size=512\nworkers=8\nrequest.timeout=30s\nfeature.flags=a,b,c\n",
                ],
            ]
        case .pod:
            return ["apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": Self.podSpec]
        }
    }

    /// What a Deployment's pod looks like: one container with ports, env, resources, a probe and
    /// a scratch volume, so the API server validates and defaults a realistic amount of spec.
    static let podSpec: JSON = [
        "containers": [
            [
                "name": "web", "image": "registry.k8s.io/nginx-slim:0.27", "imagePullPolicy": "IfNotPresent",
                "ports": [["name": "http", "containerPort": 8080, "protocol": "TCP"]],
                "env": [
                    ["name": "POD_NAME", "valueFrom": ["fieldRef": ["fieldPath": "metadata.name"]]],
                    ["name": "LOG_LEVEL", "value": "info"],
                ],
                "resources": [
                    "requests": ["cpu": "100m", "memory": "128Mi"], "limits": ["cpu": "500m", "memory": "256Mi"],
                ],
                "readinessProbe": [
                    "httpGet": ["path": "/healthz", "port": 8080], "periodSeconds": 10, "failureThreshold": 3,
                ],
                "volumeMounts": [["name": "cache", "mountPath": "/var/cache/nginx"]],
            ]
        ],
        "volumes": [["name": "cache", "emptyDir": [:]]],
        "restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
    ]
}

/// Reads one string member out of a serialized object without parsing it. The server writes
/// members in sorted order, and the client shares the machine's two cores with the server, so
/// parsing every watch event and list page in full would slow the server being measured.
enum JSONScan {
    /// The value of the first `"key":"…"` in `bytes` (for an object, `metadata.resourceVersion`
    /// precedes any nested one because `metadata` sorts before `spec` and `status`).
    static func firstString(of key: String, in bytes: some Collection<UInt8>) -> String? {
        let needle = Array("\"\(key)\":\"".utf8)
        let haystack = Array(bytes)
        guard haystack.count >= needle.count else { return nil }
        var position = 0
        while position <= haystack.count - needle.count {
            if haystack[position] == needle[0], haystack[position..<position + needle.count].elementsEqual(needle) {
                return value(in: haystack, from: position + needle.count)
            }
            position += 1
        }
        return nil
    }

    /// The value of the last `"key":"…"` in `bytes` (a list's `metadata` sorts after `items`).
    static func lastString(of key: String, in bytes: some Collection<UInt8>) -> String? {
        let needle = Array("\"\(key)\":\"".utf8)
        let haystack = Array(bytes)
        guard haystack.count >= needle.count else { return nil }
        var position = haystack.count - needle.count
        while position >= 0 {
            if haystack[position] == needle[0], haystack[position..<position + needle.count].elementsEqual(needle) {
                return value(in: haystack, from: position + needle.count)
            }
            position -= 1
        }
        return nil
    }

    /// The string starting at `start` up to its closing quote; the values read here (revisions,
    /// continue tokens) contain no escapes.
    private static func value(in haystack: [UInt8], from start: Int) -> String? {
        guard let end = haystack[start...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(decoding: haystack[start..<end], as: UTF8.self)
    }
}
