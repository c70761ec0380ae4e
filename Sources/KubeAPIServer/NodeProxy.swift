import Foundation
import HTTPSupport
import KubeTypes

/// Where a node's kubelet listens, as its Node object advertises it.
struct KubeletEndpoint: Sendable {
    var host: String
    var port: Int
    var token: String
}

/// pods/log, pods/exec, pods/attach and pods/portforward: checked here as upstream's registry
/// does, then served by the kubelet of the pod's node through `NodeProxy+Relay`.
extension KubeAPIServer {
    func streamFromNode(_ request: ResourceRequest, subresource: String) async throws -> HTTPResponse {
        let method = request.http.method
        let allowed: [HTTPMethod] = subresource == "log" ? [.GET] : [.GET, .POST]
        guard allowed.contains(method) else {
            throw APIError.methodNotSupported(method.rawValue, "pods/\(subresource)")
        }
        let name = request.name ?? ""
        let namespace = request.namespace ?? ""
        // Like upstream, bad log options are refused before the pod is even looked up.
        let logQuery = subresource == "log" ? try PodLogQuery(request, podName: name) : nil
        let (pod, _) = try await fetch(request.resource, namespace: request.namespace, name: name)
        let node = pod[path: ["spec", "nodeName"]]?.stringValue ?? ""
        let target: String
        switch subresource {
        case "log":
            let container = try Self.container(request.query("container"), of: pod, name: name)
            // An unscheduled pod has no log yet: upstream answers with an empty body.
            guard !node.isEmpty else { return .bytes(ByteBuffer(), contentType: "text/plain") }
            target = "/containerLogs/\(Self.pathSegments(namespace, name, container))" + (logQuery?.kubeletQuery ?? "")
        case "exec", "attach":
            let command = request.http.queryValues["command"] ?? []
            if subresource == "exec", command.first(where: { !$0.isEmpty }) == nil {
                throw APIError.badRequest("you must specify at least one command for the container")
            }
            let container = try Self.container(request.query("container"), of: pod, name: name)
            guard !node.isEmpty else { throw APIError.badRequest("pod \(name) does not have a host assigned") }
            let path = "/\(subresource)/\(Self.pathSegments(namespace, name, container))"
            target = path + (try Self.streamQuery(request, command: subresource == "exec" ? command : []))
        default:  // portforward
            guard !node.isEmpty else { throw APIError.badRequest("pod \(name) does not have a host assigned") }
            target = "/portForward/\(Self.pathSegments(namespace, name))"
        }
        let endpoint = try await kubeletEndpoint(request, node: node, pod: name, subresource: subresource)
        if subresource == "log" { return try await proxyLog(to: endpoint, target: target) }
        return try await proxyStream(request.http, to: endpoint, target: target)
    }

    /// The named container, or the only one; upstream's messages otherwise (kubectl picks the
    /// container itself, so these reach people using curl or client libraries).
    static func container(_ requested: String?, of pod: JSON, name: String) throws -> String {
        let spec = pod["spec"] ?? .emptyObject
        let names = ["initContainers", "containers", "ephemeralContainers"].flatMap { list in
            (spec[list]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        }
        if let requested, !requested.isEmpty {
            guard names.contains(requested) else {
                throw APIError.badRequest("container \(requested) is not valid for pod \(name)")
            }
            return requested
        }
        let regular = (spec["containers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        switch regular.count {
        case 1: return regular[0]
        case 0: throw APIError.badRequest("pod \(name) does not have a container")
        default:
            throw APIError.badRequest(
                "a container name must be specified for pod \(name), choose one of: [\(names.joined(separator: " "))]")
        }
    }

    /// The kubelet query for exec and attach: the command and the streams that are wanted.
    static func streamQuery(_ request: ResourceRequest, command: [String]) throws -> String {
        var items = command.map { ("command", $0) }
        for flag in ["stdin", "stdout", "stderr", "tty"] where PodLogQuery.flag(request, flag) {
            items.append((flag, "true"))
        }
        return PodLogQuery.encode(items)
    }

    /// The node's kubelet: its `InternalIP` (else `Hostname`) address and the port in
    /// `status.daemonEndpoints.kubeletEndpoint.Port`.
    func kubeletEndpoint(
        _ request: ResourceRequest, node: String, pod: String, subresource: String
    ) async throws -> KubeletEndpoint {
        guard let nodes = request.snapshot.resource(group: "", version: "v1", plural: "nodes") else {
            throw APIError.internalError("the nodes resource is not registered")
        }
        let (object, _) = try await fetch(nodes, namespace: nil, name: node)
        let port = object[path: ["status", "daemonEndpoints", "kubeletEndpoint", "Port"]]?.intValue ?? 0
        let addresses = object[path: ["status", "addresses"]]?.arrayValue ?? []
        let host = ["InternalIP", "Hostname"].lazy.compactMap { type in
            addresses.first { $0["type"]?.stringValue == type }?["address"]?.stringValue
        }.first { !$0.isEmpty }
        guard port > 0, port <= 65535, let host else {
            throw APIError(
                code: 503, reason: "ServiceUnavailable",
                message: "the node agent on node \"\(node)\" does not serve \(subresource) for pod \(pod) yet")
        }
        guard let token = options.kubeletToken else {
            throw APIError(code: 503, reason: "ServiceUnavailable", message: "no kubelet credentials configured")
        }
        return KubeletEndpoint(host: host, port: Int(port), token: token)
    }

    /// Path segments, each percent-encoded.
    static func pathSegments(_ segments: String...) -> String {
        segments.map { PodLogQuery.escape($0) }.joined(separator: "/")
    }
}

/// The options of `pods/{name}/log`, validated as upstream's `ValidatePodLogOptions`.
struct PodLogQuery {
    var follow: Bool
    var previous: Bool
    var timestamps: Bool
    var tailLines: Int64?
    var limitBytes: Int64?
    var sinceSeconds: Int64?
    var sinceTime: String?

    init(_ request: ResourceRequest, podName: String) throws {
        self.follow = Self.flag(request, "follow")
        self.previous = Self.flag(request, "previous")
        self.timestamps = Self.flag(request, "timestamps")
        self.tailLines = try Self.integer(request, "tailLines")
        self.limitBytes = try Self.integer(request, "limitBytes")
        self.sinceSeconds = try Self.integer(request, "sinceSeconds")
        self.sinceTime = request.query("sinceTime")
        if let sinceTime, (try? Date(sinceTime, strategy: Date.ISO8601FormatStyle())) == nil,
            (try? Date(sinceTime, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))) == nil
        {
            throw APIError.badRequest("sinceTime: Invalid value: \"\(sinceTime)\": must be an RFC 3339 time")
        }
        if let stream = request.query("stream"), stream != "All" {
            // The node agent keeps one log per container, stdout and stderr interleaved.
            throw APIError.badRequest("stream \(stream) is not supported: this cluster's logs are not split by stream")
        }
        var errors: [FieldError] = []
        if let tailLines, tailLines < 0 {
            errors.append(.invalid("tailLines", .int(tailLines), "must be greater than or equal to 0"))
        }
        if let limitBytes, limitBytes < 1 {
            errors.append(.invalid("limitBytes", .int(limitBytes), "must be greater than 0"))
        }
        if sinceSeconds != nil && sinceTime != nil {
            errors.append(.forbidden("", "at most one of `sinceTime` or `sinceSeconds` may be specified"))
        } else if let sinceSeconds, sinceSeconds < 1 {
            errors.append(.invalid("sinceSeconds", .int(sinceSeconds), "must be greater than 0"))
        }
        guard errors.isEmpty else {
            throw APIError.invalid(kind: "PodLogOptions", name: podName, resource: nil, errors)
        }
    }

    /// The kubelet's query for these options (the container is in its path).
    var kubeletQuery: String {
        var items: [(String, String)] = []
        if follow { items.append(("follow", "true")) }
        if previous { items.append(("previous", "true")) }
        if timestamps { items.append(("timestamps", "true")) }
        if let tailLines { items.append(("tailLines", String(tailLines))) }
        if let limitBytes { items.append(("limitBytes", String(limitBytes))) }
        if let sinceSeconds { items.append(("sinceSeconds", String(sinceSeconds))) }
        if let sinceTime { items.append(("sinceTime", sinceTime)) }
        return Self.encode(items)
    }

    /// Upstream's boolean conversion: only "false" and "0" are false once the parameter is present.
    static func flag(_ request: ResourceRequest, _ name: String) -> Bool {
        guard let value = request.query(name) else { return false }
        return !["false", "0"].contains(value.lowercased())
    }

    static func integer(_ request: ResourceRequest, _ name: String) throws -> Int64? {
        guard let value = request.query(name) else { return nil }
        guard let number = Int64(value) else {
            throw APIError.badRequest("\(name): Invalid value: \"\(value)\": must be an integer")
        }
        return number
    }

    static func encode(_ items: [(String, String)]) -> String {
        items.isEmpty ? "" : "?" + items.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    /// Percent-encodes all but RFC 3986's unreserved characters.
    static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}
