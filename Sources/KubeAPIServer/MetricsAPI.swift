import Foundation
import HTTPSupport
import KubeTypes
import NIOCore
import NIOHTTP1

/// `metrics.k8s.io/v1beta1` as metrics-server serves it: NodeMetrics and PodMetrics built from
/// every kubelet's `GET /stats/summary` (reached with the same address and token as logs and
/// exec), scraped on demand and reused for `MetricsScrapes.maxAge`. Read-only: get and list,
/// with label selectors; everything else is 405.
extension KubeAPIServer {
    func serveMetrics(_ request: ResourceRequest) async throws -> HTTPResponse {
        let resource = request.resource
        let method = request.http.method
        guard request.info.subresource == nil else { throw APIError.pathNotFound }
        guard method == .GET, !isWatch(request.http) else {
            throw APIError.methodNotSupported(isWatch(request.http) ? "watch" : method.rawValue, resource.plural)
        }
        let filter = try ObjectFilter(request)
        let summaries = await metricsScrapes.summaries { await self.scrapeKubelets(request) }
        let now = environment.now()
        var items: [JSON]
        if resource.kind == "NodeMetrics" {
            let nodes = try await storedObjects(request, plural: "nodes", namespace: nil)
            items = nodes.compactMap { node in
                summaries[node.name].flatMap { MetricsConversion.nodeMetrics(node: node, summary: $0, now: now) }
            }
        } else {
            let pods = try await storedObjects(request, plural: "pods", namespace: request.namespace)
            let usage = MetricsConversion.podUsageByUID(summaries.values)
            items = pods.compactMap { pod in
                usage[pod.uid].flatMap { MetricsConversion.podMetrics(pod: pod, usage: $0, now: now) }
            }
        }
        if let name = request.name {
            guard let item = items.first(where: { $0.name == name }) else {
                let shown = request.namespace.map { "\($0)/\(name)" } ?? name
                throw APIError(
                    code: 404, reason: "NotFound",
                    message: "\(resource.kind.lowercased()).\(resource.group) \"\(shown)\" not found",
                    details: [
                        "name": .string(shown), "group": .string(resource.group),
                        "kind": .string(resource.kind.lowercased()),
                    ])
            }
            return try objectResponse(item, request)
        }
        items = items.filter(filter.matches).sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
        let listMeta: JSON = ["resourceVersion": ""]
        if case .table = try MediaTypes.responseShape(request.accept) {
            let table = Tables.table(
                for: items, resource: resource, listMeta: listMeta, includeObject: request.query("includeObject"),
                now: now, headers: true)
            return Self.jsonResponse(table, contentType: "application/json;as=Table;v=v1;g=meta.k8s.io")
        }
        return Self.jsonResponse([
            "kind": .string(resource.kind + "List"), "apiVersion": .string(resource.apiVersion),
            "metadata": listMeta, "items": .array(items),
        ])
    }

    private func storedObjects(_ request: ResourceRequest, plural: String, namespace: String?) async throws -> [JSON] {
        guard let resource = request.snapshot.resource(group: "", version: "v1", plural: plural) else {
            throw APIError.internalError("the \(plural) resource is not registered")
        }
        let (items, _) = try await storage.store.listAll(prefix: ObjectStorage.prefix(resource, namespace: namespace))
        return items.compactMap { try? ObjectStorage.decode($0) }
    }

    /// Every reachable kubelet's summary by node name. A node whose kubelet does not answer in
    /// time is left out, as metrics-server leaves it out.
    func scrapeKubelets(_ request: ResourceRequest) async -> [String: JSON] {
        guard let token = options.kubeletToken,
            let nodes = try? await storedObjects(request, plural: "nodes", namespace: nil)
        else { return [:] }
        return await withTaskGroup(of: (String, JSON?).self) { group in
            for node in nodes {
                guard let (host, port) = MetricsConversion.kubeletAddress(of: node) else { continue }
                group.addTask {
                    let summary = await Self.fetchSummary(host: host, port: port, token: token)
                    return (node.name, summary)
                }
            }
            var result: [String: JSON] = [:]
            for await (name, summary) in group { result[name] = summary }
            return result
        }
    }

    /// `GET /stats/summary`, given up after 5 s.
    static func fetchSummary(host: String, port: Int, token: String) async -> JSON? {
        await withTaskGroup(of: JSON?.self) { group in
            group.addTask {
                try? await HTTPStreamClient.withConnection(host: host, port: port, connectTimeout: .seconds(3)) {
                    connection -> JSON? in
                    let head = try await connection.request(
                        method: .GET, target: "/stats/summary",
                        headers: ["Authorization": "Bearer \(token)", "Accept": "application/json"])
                    let body = try await connection.collectBody(upTo: 32 << 20)
                    guard head.status == .ok else { return nil }
                    return try JSONReader.parse(Array(body.readableBytesView))
                }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(5))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}

/// The last scrape of the kubelets, shared by concurrent requests and reused while fresh (the
/// kubelets' CPU rates change only every 10 s window anyway).
actor MetricsScrapes {
    let maxAge: Duration
    var last: (summaries: [String: JSON], at: ContinuousClock.Instant)?
    var running: Task<[String: JSON], Never>?

    init(maxAge: Duration = .seconds(10)) { self.maxAge = maxAge }

    func summaries(_ scrape: @escaping @Sendable () async -> [String: JSON]) async -> [String: JSON] {
        if let last, ContinuousClock.now - last.at < maxAge { return last.summaries }
        if let running { return await running.value }
        let task = Task { await scrape() }
        running = task
        let result = await task.value
        last = (result, ContinuousClock.now)
        running = nil
        return result
    }
}

/// Summary API documents into metrics objects (pure).
enum MetricsConversion {
    /// The window the kubelets' CPU rates are computed over.
    static let window = "10s"

    /// The kubelet's address as the node advertises it (`InternalIP`, else `Hostname`, and
    /// `status.daemonEndpoints.kubeletEndpoint.Port`).
    static func kubeletAddress(of node: JSON) -> (String, Int)? {
        let port = node[path: ["status", "daemonEndpoints", "kubeletEndpoint", "Port"]]?.intValue ?? 0
        let addresses = node[path: ["status", "addresses"]]?.arrayValue ?? []
        let host = ["InternalIP", "Hostname"].lazy.compactMap { type in
            addresses.first { $0["type"]?.stringValue == type }?["address"]?.stringValue
        }.first { !$0.isEmpty }
        guard port > 0, port <= 65535, let host else { return nil }
        return (host, Int(port))
    }

    /// `usage` from a summary's cpu and memory blocks; nil without a CPU rate (a container
    /// seen only once so far), as metrics-server drops such points.
    static func usage(cpu: JSON?, memory: JSON?) -> JSON? {
        guard let nanoCores = cpu?["usageNanoCores"]?.intValue else { return nil }
        let workingSet = memory?["workingSetBytes"]?.intValue ?? 0
        return ["cpu": .string("\(nanoCores)n"), "memory": .string("\(workingSet / 1024)Ki")]
    }

    static func nodeMetrics(node: JSON, summary: JSON, now: Int64) -> JSON? {
        guard let usage = usage(cpu: summary[path: ["node", "cpu"]], memory: summary[path: ["node", "memory"]]) else {
            return nil
        }
        return [
            "kind": "NodeMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
            "metadata": metadata(of: node, now: now),
            "timestamp": summary[path: ["node", "cpu", "time"]] ?? .string(Timestamp.format(now)),
            "window": .string(window), "usage": usage,
        ]
    }

    /// Each pod's summary entry by pod uid, across nodes.
    static func podUsageByUID(_ summaries: some Sequence<JSON>) -> [String: JSON] {
        var result: [String: JSON] = [:]
        for summary in summaries {
            for pod in summary["pods"]?.arrayValue ?? [] {
                if let uid = pod[path: ["podRef", "uid"]]?.stringValue { result[uid] = pod }
            }
        }
        return result
    }

    /// A pod's metrics; nil when it has no container with a usable reading, or when any of its
    /// containers lacks one (metrics-server reports pods whole or not at all).
    static func podMetrics(pod: JSON, usage podUsage: JSON, now: Int64) -> JSON? {
        let entries = podUsage["containers"]?.arrayValue ?? []
        var containers: [JSON] = []
        for entry in entries {
            guard let name = entry["name"]?.stringValue, let usage = usage(cpu: entry["cpu"], memory: entry["memory"])
            else { return nil }
            containers.append(["name": .string(name), "usage": usage])
        }
        guard !containers.isEmpty else { return nil }
        return [
            "kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
            "metadata": metadata(of: pod, now: now),
            "timestamp": entries.first?[path: ["cpu", "time"]] ?? .string(Timestamp.format(now)),
            "window": .string(window), "containers": .array(containers),
        ]
    }

    static func metadata(of object: JSON, now: Int64) -> JSON {
        var metadata: JSON = ["name": .string(object.name), "creationTimestamp": .string(Timestamp.format(now))]
        if !object.namespace.isEmpty { metadata["namespace"] = .string(object.namespace) }
        if let labels = object[path: ["metadata", "labels"]] { metadata["labels"] = labels }
        return metadata
    }
}
