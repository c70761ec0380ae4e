import KubeClient
import KubeControllersCore
import KubeTypes
import Logging

/// What one controller shell is built from, as upstream controllers get it from
/// kube-controller-manager's ControllerContext: the shared informers, an API connection that
/// names the controller (field manager and event source), its work queue and workers, the clock.
/// It also registers the informer handlers that turn changes into queue keys, so a shell keeps
/// only what is its own: which keys a change concerns, and its sync.
struct ControllerContext: Sendable {
    /// The loop's name in logs (upstream's controller name, e.g. `daemonset`).
    let name: String
    let factory: InformerFactory
    let client: KubeClient
    let events: EventRecorder
    let queue: WorkQueue<String>
    let workers: Int
    let logger: Logger
    let now: @Sendable () -> Int64

    init(
        name: String, component: String, factory: InformerFactory, queue: WorkQueue<String>, workers: Int,
        logger: Logger, now: @escaping @Sendable () -> Int64 = WallClock.seconds
    ) {
        self.name = name
        self.factory = factory
        self.client = factory.client.managed(by: component)
        self.events = EventRecorder(client: client, component: component, logger: logger)
        self.queue = queue
        self.workers = workers
        self.logger = logger
        self.now = now
    }

    /// The factory's shared informer of `resource`.
    func informer(_ resource: KubeResource) async -> Informer { await factory.informer(for: resource) }

    /// The workers that hand the queue's keys to `sync`.
    func loop(_ sync: @escaping @Sendable (String) async throws -> Void) -> ControllerLoop {
        ControllerLoop(name: name, queue: queue, workers: workers, logger: logger, reconcile: sync)
    }

    // MARK: Informer handlers

    /// Queues every object the informer shows under its own key; a deleted object's key goes to
    /// `forget` first, so what the controller kept about it (expectations, backoffs) goes too.
    func enqueueKeys(of informer: Informer, forgetting forget: (@Sendable (String) -> Void)? = nil) async {
        await enqueue(from: informer) { event in
            let key = Informer.key(event.object)
            if event.isDeletion { forget?(key) }
            return [key]
        }
    }

    /// Queues the controller of `kind` named in each changed object's ownerReferences (and, with
    /// `includingPrevious`, the one its previous version named, which loses the object).
    func enqueueController(ofKind kind: String, from informer: Informer, includingPrevious: Bool = false) async {
        await enqueue(from: informer) { event in
            var versions = [event.object]
            if includingPrevious, let previous = event.previous { versions.append(previous) }
            return Array(Set(versions.compactMap { ControllerShell.controllerKey(of: $0, kind: kind) }))
        }
    }

    /// Queues the controllers among `owners` in the changed object's namespace that `pick` names
    /// for it: the one that controls it, or those that may adopt it.
    func enqueueOwners(
        from informer: Informer, among owners: Informer,
        _ pick: @escaping @Sendable (_ object: JSON, _ previous: JSON?, _ candidates: [JSON]) -> [ObjectReference]
    ) async {
        await enqueueLater(from: informer) { event in
            let object = event.object
            let candidates = await owners.list(namespace: object.namespace)
            return pick(object, event.previous, candidates).map(\.description)
        }
    }

    /// Queues the keys `keys` names for each event, at once.
    func enqueue(from informer: Informer, _ keys: @escaping @Sendable (InformerEvent) -> [String]) async {
        let queue = self.queue
        await informer.addHandler { event in
            for key in keys(event) { queue.add(key) }
        }
    }

    /// Queues the keys `keys` names for each event that `matters`; `keys` reads other informers,
    /// so it runs in a task of its own rather than hold up the informer's other handlers.
    func enqueueLater(
        from informer: Informer, when matters: @escaping @Sendable (InformerEvent) -> Bool = { _ in true },
        _ keys: @escaping @Sendable (InformerEvent) async -> [String]
    ) async {
        let queue = self.queue
        await informer.addHandler { event in
            guard matters(event) else { return }
            Task { for key in await keys(event) { queue.add(key) } }
        }
    }
}

extension InformerEvent {
    var isDeletion: Bool {
        if case .deleted = self { return true }
        return false
    }
}

/// A controller shell built on a `ControllerContext`: its connection, events, log and clock come
/// from there.
protocol ContextualController: Sendable {
    var context: ControllerContext { get }
}

extension ContextualController {
    var client: KubeClient { context.client }
    var events: EventRecorder { context.events }
    var logger: Logger { context.logger }
    var now: @Sendable () -> Int64 { context.now }
}
