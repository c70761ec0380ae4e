import KubeTypes

/// REST calls on Kubernetes objects, as JSON values. Errors the server answers arrive as
/// `KubeAPIError` with the Status object; writes name `fieldManager` so managedFields say who wrote.
public struct KubeClient: Sendable {
    public enum PatchType: String, Sendable {
        case json = "application/json-patch+json"
        case merge = "application/merge-patch+json"
        case strategic = "application/strategic-merge-patch+json"
        case apply = "application/apply-patch+yaml"
    }

    public let transport: any KubeTransport
    public let fieldManager: String

    public init(transport: any KubeTransport, fieldManager: String) {
        self.transport = transport
        self.fieldManager = fieldManager
    }

    /// The same connection, writing under another manager name.
    public func managed(by fieldManager: String) -> KubeClient {
        KubeClient(transport: transport, fieldManager: fieldManager)
    }

    public func get(
        _ resource: KubeResource, namespace: String? = nil, name: String, subresource: String? = nil
    ) async throws -> JSON {
        try await call(
            KubeRequest(method: "GET", path: resource.path(namespace: namespace, name: name, subresource: subresource)))
    }

    /// One page of a list (`metadata.continue` names the next).
    public func list(
        _ resource: KubeResource, namespace: String? = nil, labelSelector: String? = nil,
        fieldSelector: String? = nil, limit: Int? = nil, continueToken: String? = nil
    ) async throws -> JSON {
        var query: [(String, String)] = []
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
        if let limit { query.append(("limit", String(limit))) }
        if let continueToken { query.append(("continue", continueToken)) }
        return try await call(KubeRequest(method: "GET", path: resource.path(namespace: namespace), query: query))
    }

    /// Every item, page by page, with the list's resourceVersion (where a watch should start).
    public func listAll(
        _ resource: KubeResource, namespace: String? = nil, labelSelector: String? = nil,
        fieldSelector: String? = nil, pageSize: Int = 500
    ) async throws -> (items: [JSON], resourceVersion: String) {
        var items: [JSON] = []
        var token: String?
        var version = ""
        repeat {
            let page = try await list(
                resource, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector,
                limit: pageSize, continueToken: token)
            items += Self.typedItems(page)
            if version.isEmpty { version = page[path: ["metadata", "resourceVersion"]]?.stringValue ?? "" }
            token = page[path: ["metadata", "continue"]]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return (items, version)
    }

    /// A list's items with the apiVersion and kind that upstream leaves out of them (a watch
    /// event's object carries both, so the two compare equal).
    static func typedItems(_ list: JSON) -> [JSON] {
        let items = list["items"]?.arrayValue ?? []
        guard let listKind = list["kind"]?.stringValue, listKind.hasSuffix("List"),
            let apiVersion = list["apiVersion"]?.stringValue
        else { return items }
        let kind = String(listKind.dropLast(4))
        return items.map { item in
            var typed = item
            if typed["kind"] == nil { typed["kind"] = .string(kind) }
            if typed["apiVersion"] == nil { typed["apiVersion"] = .string(apiVersion) }
            return typed
        }
    }

    public func create(_ resource: KubeResource, namespace: String? = nil, _ object: JSON) async throws -> JSON {
        let namespace = namespace ?? object.namespace
        return try await write("POST", resource.path(namespace: namespace), object)
    }

    /// POST to a subresource of an object: `pods/binding`, `pods/eviction`.
    public func create(
        _ resource: KubeResource, namespace: String?, name: String, subresource: String, _ object: JSON
    ) async throws -> JSON {
        try await write("POST", resource.path(namespace: namespace, name: name, subresource: subresource), object)
    }

    /// PUT of the whole object; its resourceVersion makes it fail with 409 if the object changed.
    public func update(_ resource: KubeResource, _ object: JSON, subresource: String? = nil) async throws -> JSON {
        try await write(
            "PUT", resource.path(namespace: object.namespace, name: object.name, subresource: subresource), object)
    }

    public func updateStatus(_ resource: KubeResource, _ object: JSON) async throws -> JSON {
        try await update(resource, object, subresource: "status")
    }

    public func patch(
        _ resource: KubeResource, namespace: String? = nil, name: String, _ patch: JSON, type: PatchType = .merge,
        subresource: String? = nil, force: Bool = false
    ) async throws -> JSON {
        var request = KubeRequest(
            method: "PATCH", path: resource.path(namespace: namespace, name: name, subresource: subresource),
            query: [("fieldManager", fieldManager)], body: Array(patch.serialized().utf8),
            contentType: type.rawValue)
        if force { request.query.append(("force", "true")) }
        return try await call(request)
    }

    /// Deletes an object; `options` is a DeleteOptions body (propagationPolicy, preconditions,
    /// gracePeriodSeconds). Returns what the server answered: the object while it terminates, or a
    /// Status once it is gone.
    @discardableResult
    public func delete(
        _ resource: KubeResource, namespace: String? = nil, name: String, options: JSON? = nil
    ) async throws -> JSON {
        var request = KubeRequest(method: "DELETE", path: resource.path(namespace: namespace, name: name))
        if let options {
            request.body = Array(options.serialized().utf8)
            request.contentType = "application/json"
        }
        return try await call(request)
    }

    /// Changes after `resourceVersion`, as watch events; the stream ends when the server ends the
    /// watch (its timeout) and throws `KubeAPIError` for an ERROR event (410 when history is gone).
    public func watch(
        _ resource: KubeResource, namespace: String? = nil, resourceVersion: String,
        labelSelector: String? = nil, fieldSelector: String? = nil, timeoutSeconds: Int = 300
    ) async throws -> AsyncThrowingStream<WatchEvent, any Error> {
        var query: [(String, String)] = [
            ("watch", "true"), ("resourceVersion", resourceVersion), ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", String(timeoutSeconds)),
        ]
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
        let answer = try await transport.streamLines(
            KubeRequest(method: "GET", path: resource.path(namespace: namespace), query: query))
        guard answer.status == 200 else { throw KubeAPIError(code: answer.status, body: answer.errorBody) }
        return WatchEvent.decode(answer.lines)
    }

    private func write(_ method: String, _ path: String, _ object: JSON) async throws -> JSON {
        try await call(
            KubeRequest(
                method: method, path: path, query: [("fieldManager", fieldManager)],
                body: Array(object.serialized().utf8), contentType: "application/json"))
    }

    private func call(_ request: KubeRequest) async throws -> JSON {
        let response = try await transport.send(request)
        guard (200..<300).contains(response.status) else {
            throw KubeAPIError(code: response.status, body: response.body)
        }
        do {
            return try JSONReader.parse(response.body)
        } catch {
            throw KubeClientError.protocolViolation("\(request.method) \(request.path): the answer is not JSON")
        }
    }
}

/// One line of a watch.
public struct WatchEvent: Sendable {
    public enum Kind: String, Sendable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
        case bookmark = "BOOKMARK"
    }

    public var kind: Kind
    public var object: JSON

    public init(kind: Kind, object: JSON) {
        self.kind = kind
        self.object = object
    }

    /// The resourceVersion the watch has reached with this event.
    public var resourceVersion: String? { object[path: ["metadata", "resourceVersion"]]?.stringValue }

    static func decode(_ lines: AsyncThrowingStream<[UInt8], any Error>) -> AsyncThrowingStream<WatchEvent, any Error> {
        let (events, continuation) = AsyncThrowingStream.makeStream(of: WatchEvent.self)
        let reader = Task {
            do {
                for try await line in lines {
                    continuation.yield(try parse(line))
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in reader.cancel() }
        return events
    }

    static func parse(_ line: [UInt8]) throws -> WatchEvent {
        guard let event = try? JSONReader.parse(line), let type = event["type"]?.stringValue,
            let object = event["object"]
        else { throw KubeClientError.protocolViolation("a watch line is not a watch event") }
        if type == "ERROR" {
            let code = object["code"]?.intValue.map(Int.init) ?? 500
            throw KubeAPIError(
                code: code, reason: object["reason"]?.stringValue ?? "", message: object["message"]?.stringValue ?? "")
        }
        guard let kind = Kind(rawValue: type) else {
            throw KubeClientError.protocolViolation("unknown watch event type \(type)")
        }
        return WatchEvent(kind: kind, object: object)
    }
}
