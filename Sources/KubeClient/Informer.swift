import KubeTypes
import Logging

/// A change an informer saw, handed to its handlers.
public enum InformerEvent: Sendable {
    case added(JSON)
    case updated(old: JSON, new: JSON)
    case deleted(JSON)

    /// The object as it is now (for deletions, as it was last seen).
    public var object: JSON {
        switch self {
        case .added(let object), .deleted(let object): object
        case .updated(_, let new): new
        }
    }

    /// The object as it was before an update; nil for additions and deletions.
    public var previous: JSON? {
        if case .updated(let old, _) = self { return old }
        return nil
    }
}

/// A local copy of one resource's objects, kept by list-then-watch, and the handlers told about
/// every change. After a watch ends it resumes from the last resourceVersion; when the server says
/// that history is gone (410) or the connection fails it lists again, telling handlers about what
/// changed meanwhile (deletions included) by comparing the new list with the copy.
public actor Informer {
    public nonisolated let resource: KubeResource
    private let client: KubeClient
    private let namespace: String?
    private let labelSelector: String?
    private let fieldSelector: String?
    private let watchTimeoutSeconds: Int
    private let retryDelay: Duration
    private let logger: Logger
    private var objects: [String: JSON] = [:]
    private var handlers: [@Sendable (InformerEvent) -> Void] = []
    private var synced = false
    private var syncWaiters: [CheckedContinuation<Void, Never>] = []
    private var loop: Task<Void, Never>?

    public init(
        client: KubeClient, resource: KubeResource, namespace: String? = nil, labelSelector: String? = nil,
        fieldSelector: String? = nil, watchTimeoutSeconds: Int = 300, retryDelay: Duration = .seconds(1),
        logger: Logger = Logger(label: "mesokube.informer")
    ) {
        self.client = client
        self.resource = resource
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.watchTimeoutSeconds = watchTimeoutSeconds
        self.retryDelay = retryDelay
        self.logger = logger
    }

    /// `namespace/name`, or `name` for cluster-scoped objects: the key work queues carry.
    public static func key(_ object: JSON) -> String { key(namespace: object.namespace, name: object.name) }

    public static func key(namespace: String, name: String) -> String {
        namespace.isEmpty ? name : "\(namespace)/\(name)"
    }

    /// A key back into its parts; a key without a slash is a cluster-scoped name.
    public static func split(key: String) -> (namespace: String, name: String) {
        guard let slash = key.firstIndex(of: "/") else { return ("", key) }
        return (String(key[..<slash]), String(key[key.index(after: slash)...]))
    }

    /// Registers a handler; one added after the first list is told about every object as added.
    public func addHandler(_ handler: @escaping @Sendable (InformerEvent) -> Void) {
        handlers.append(handler)
        if synced { for object in objects.values { handler(.added(object)) } }
    }

    public func start() {
        guard loop == nil else { return }
        loop = Task { await self.run() }
    }

    public func stop() {
        loop?.cancel()
        loop = nil
    }

    public var hasSynced: Bool { synced }

    /// Returns once the first list has been taken in.
    public func waitForSync() async {
        if synced { return }
        await withCheckedContinuation { syncWaiters.append($0) }
    }

    public func get(namespace: String = "", name: String) -> JSON? {
        objects[Self.key(namespace: namespace, name: name)]
    }

    public func get(key: String) -> JSON? { objects[key] }

    /// Every object, or those of one namespace.
    public func list(namespace: String? = nil) -> [JSON] {
        guard let namespace else { return Array(objects.values) }
        return objects.values.filter { $0.namespace == namespace }
    }

    public var count: Int { objects.count }

    // MARK: The loop

    private func run() async {
        while !Task.isCancelled {
            do {
                let (items, version) = try await client.listAll(
                    resource, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector)
                replaceAll(items)
                try await follow(from: version)
            } catch is CancellationError {
                return
            } catch let error as KubeAPIError where error.isGone {
                logger.debug("watch history gone, listing again", metadata: ["resource": "\(resource)"])
            } catch {
                if Task.isCancelled { return }
                logger.debug("list or watch failed", metadata: ["resource": "\(resource)", "error": "\(error)"])
                try? await Task.sleep(for: retryDelay)
            }
        }
    }

    /// Watches from `version` until an error, resuming each time the server ends a watch.
    private func follow(from version: String) async throws {
        var version = version
        while !Task.isCancelled {
            let events = try await client.watch(
                resource, namespace: namespace, resourceVersion: version, labelSelector: labelSelector,
                fieldSelector: fieldSelector, timeoutSeconds: watchTimeoutSeconds)
            for try await event in events {
                apply(event)
                if let reached = event.resourceVersion { version = reached }
            }
        }
        throw CancellationError()
    }

    private func apply(_ event: WatchEvent) {
        let key = Self.key(event.object)
        switch event.kind {
        case .bookmark:
            return
        case .added, .modified:
            let old = objects.updateValue(event.object, forKey: key)
            notify(old.map { .updated(old: $0, new: event.object) } ?? .added(event.object))
        case .deleted:
            objects.removeValue(forKey: key)
            notify(.deleted(event.object))
        }
    }

    /// Takes in a fresh list: what is new is added, what changed is updated, what is missing was
    /// deleted while nobody watched.
    private func replaceAll(_ items: [JSON]) {
        var fresh: [String: JSON] = [:]
        for item in items { fresh[Self.key(item)] = item }
        let previous = objects
        objects = fresh
        for (key, object) in fresh {
            if let old = previous[key] {
                if old != object { notify(.updated(old: old, new: object)) }
            } else {
                notify(.added(object))
            }
        }
        for (key, object) in previous where fresh[key] == nil { notify(.deleted(object)) }
        if !synced {
            synced = true
            for waiter in syncWaiters { waiter.resume() }
            syncWaiters.removeAll()
        }
    }

    private func notify(_ event: InformerEvent) {
        for handler in handlers { handler(event) }
    }
}
