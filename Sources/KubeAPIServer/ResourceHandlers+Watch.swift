import HTTPSupport
import KubeTypes
import NIOCore
import Synchronization

/// Watches: chunked JSON lines (`{"type":"ADDED","object":{...}}`), resumable from a
/// resourceVersion, with bookmarks, timeouts, 410 Expired as an ERROR event, and the streaming
/// list (`sendInitialEvents=true`) that kubectl rollout status and wait use.
extension KubeAPIServer {
    struct WatchPlan: Sendable {
        var initial: [JSON]
        var after: Int64
        var sendInitialEventsEnd: Bool
        var bookmarks: Bool
        var timeout: Duration
        var shape: MediaTypes.ResponseShape
    }

    func watch(_ request: ResourceRequest) async throws -> HTTPResponse {
        let filter = try ObjectFilter(request)
        let plan = try await watchPlan(request, filter: filter)
        let cache = try await watchCache(for: request.resource)
        let stream = ResponseStream()
        let encoder = WatchEncoder(resource: request.resource, shape: plan.shape, now: environment.now)
        let events: AsyncStream<ObjectEvent>
        let subscription: UInt64
        do {
            (events, subscription) = try await cache.subscribe(after: plan.after)
        } catch WatchCacheError.expired(let requested, let oldest) {
            let error = APIError.gone("too old resource version: \(requested) (\(oldest))")
            _ = stream.send(WatchEncoder.line(type: "ERROR", object: error.status))
            stream.finish()
            return .stream(stream, contentType: "application/json")
        }
        for object in plan.initial {
            _ = stream.send(encoder.encode(type: "ADDED", object: object))
        }
        if plan.sendInitialEventsEnd {
            _ = stream.send(encoder.bookmark(revision: plan.after, initialEventsEnd: true))
        }
        let namespacePrefix = ObjectStorage.prefix(request.resource, namespace: request.namespace)
        let interval = options.bookmarkInterval
        let pump = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await event in events {
                        guard event.key.hasPrefix(namespacePrefix),
                            let (type, object) = Self.filtered(event, filter: filter)
                        else { continue }
                        guard stream.send(encoder.encode(event, type: type, object: object)) else { return }
                    }
                }
                group.addTask {
                    var elapsed = Duration.zero
                    while elapsed < plan.timeout, !Task.isCancelled {
                        let step = min(interval, plan.timeout - elapsed)
                        try? await Task.sleep(for: step)
                        elapsed += step
                        if plan.bookmarks, elapsed < plan.timeout {
                            let revision = await cache.latestRevision
                            _ = stream.send(encoder.bookmark(revision: revision, initialEventsEnd: false))
                        }
                    }
                }
                await group.next()
                group.cancelAll()
            }
            await cache.unsubscribe(subscription)
            stream.finish()
        }
        stream.onClose { _ in pump.cancel() }
        let contentType =
            plan.shape == .table ? "application/json;as=Table;v=v1;g=meta.k8s.io" : "application/json"
        return .stream(stream, contentType: contentType)
    }

    private func watchPlan(_ request: ResourceRequest, filter: ObjectFilter) async throws -> WatchPlan {
        let shape = try MediaTypes.responseShape(request.accept)
        let sendInitial = request.query("sendInitialEvents") == "true"
        let bookmarks = request.query("allowWatchBookmarks") == "true"
        if sendInitial && request.query("resourceVersionMatch") != "NotOlderThan" {
            throw APIError.invalid(
                kind: "ListOptions.meta.k8s.io", name: "", resource: nil,
                [
                    .forbidden(
                        "sendInitialEvents",
                        "sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan")
                ])
        }
        var timeout = Duration.seconds(Int64.random(in: 1800...3600))
        if let text = request.query("timeoutSeconds"), !text.isEmpty {
            guard let seconds = Int64(text), seconds >= 0 else {
                throw APIError.badRequest("invalid timeoutSeconds \"\(text)\"")
            }
            if seconds > 0 { timeout = .seconds(seconds) }
        }
        let version = request.query("resourceVersion") ?? ""
        if sendInitial || version.isEmpty || version == "0" {
            let page = try await readPage(request, filter: filter, limit: nil)
            return WatchPlan(
                initial: page.items, after: page.revision, sendInitialEventsEnd: sendInitial,
                bookmarks: bookmarks, timeout: timeout, shape: shape)
        }
        guard let after = Int64(version), after >= 0 else {
            throw APIError.badRequest("invalid resourceVersion \"\(version)\"")
        }
        return WatchPlan(
            initial: [], after: after, sendInitialEventsEnd: false, bookmarks: bookmarks, timeout: timeout, shape: shape
        )
    }

    /// The event as a selective watcher sees it: an object that starts matching is ADDED, one that
    /// stops matching is DELETED, one that never matched is not sent.
    static func filtered(_ event: ObjectEvent, filter: ObjectFilter) -> (String, JSON)? {
        if filter.isEmpty { return (event.kind.rawValue, event.object) }
        switch event.kind {
        case .added:
            return filter.matches(event.object) ? ("ADDED", event.object) : nil
        case .deleted:
            return filter.matches(event.previous ?? event.object) ? ("DELETED", event.object) : nil
        case .modified:
            let now = filter.matches(event.object)
            let before = event.previous.map(filter.matches) ?? false
            switch (before, now) {
            case (true, true): return ("MODIFIED", event.object)
            case (false, true): return ("ADDED", event.object)
            case (true, false): return ("DELETED", event.object)
            case (false, false): return nil
            }
        }
    }
}

/// Renders watch events in the representation the client negotiated.
struct WatchEncoder: Sendable {
    let resource: ResourceType
    let shape: MediaTypes.ResponseShape
    let now: @Sendable () -> Int64
    private let sentHeaders = HeaderLatch()

    init(resource: ResourceType, shape: MediaTypes.ResponseShape, now: @escaping @Sendable () -> Int64) {
        self.resource = resource
        self.shape = shape
        self.now = now
    }

    static func line(type: String, object: JSON) -> ByteBuffer {
        var bytes = JSON.object(["type": .string(type), "object": object]).serializedBytes()
        bytes.append(UInt8(ascii: "\n"))
        return ByteBuffer(bytes: bytes)
    }

    /// A live event: in the plain object shape its line is shared with every other watcher.
    func encode(_ event: ObjectEvent, type: String, object: JSON) -> ByteBuffer {
        guard case .object = shape else { return encode(type: type, object: object) }
        return event.rendered.line(type) { Self.line(type: type, object: object) }
    }

    func encode(type: String, object: JSON) -> ByteBuffer {
        let rendered: JSON
        switch shape {
        case .object:
            rendered = object
        case .partialMetadata:
            rendered = Tables.partialMetadata(object)
        case .table:
            // Only the first event carries the column definitions, as upstream's watch encoder does.
            rendered = Tables.table(
                for: [object], resource: resource,
                listMeta: ["resourceVersion": object["metadata"]?["resourceVersion"] ?? ""], includeObject: nil,
                now: now(), headers: sentHeaders.first())
        }
        return Self.line(type: type, object: rendered)
    }

    func bookmark(revision: Int64, initialEventsEnd: Bool) -> ByteBuffer {
        var metadata: JSON = ["resourceVersion": .string(String(revision))]
        if initialEventsEnd { metadata["annotations"] = ["k8s.io/initial-events-end": "true"] }
        let object: JSON = [
            "kind": .string(resource.kind), "apiVersion": .string(resource.apiVersion), "metadata": metadata,
        ]
        return Self.line(type: "BOOKMARK", object: object)
    }
}

/// True exactly once: whether the Table headers still have to be sent on a watch.
final class HeaderLatch: Sendable {
    private let sent = Mutex(false)

    func first() -> Bool {
        sent.withLock { sent in
            defer { sent = true }
            return !sent
        }
    }
}
