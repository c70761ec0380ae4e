import KubeClient
import Logging

/// One informer per resource, shared by every controller that reads it, as client-go's shared
/// informer factory: each resource is listed and watched once however many controllers follow it.
public actor InformerFactory {
    public let client: KubeClient
    private let logger: Logger
    private var informers: [KubeResource: Informer] = [:]
    private var started = false

    public init(client: KubeClient, logger: Logger = Logger(label: "mesokube.informers")) {
        self.client = client
        self.logger = logger
    }

    /// The informer of a resource in every namespace, created on first use (and started at once
    /// if the factory already runs).
    public func informer(for resource: KubeResource) async -> Informer {
        if let existing = informers[resource] { return existing }
        let informer = Informer(client: client, resource: resource, logger: logger)
        informers[resource] = informer
        if started { await informer.start() }
        return informer
    }

    public func start() async {
        started = true
        for informer in informers.values { await informer.start() }
    }

    /// Returns once every informer created so far has its first list.
    public func waitForSync() async {
        for informer in informers.values { await informer.waitForSync() }
    }

    /// True once every informer created so far has its first list.
    public var hasSynced: Bool {
        get async {
            for informer in informers.values where !(await informer.hasSynced) { return false }
            return true
        }
    }

    public func stop() async {
        for informer in informers.values { await informer.stop() }
        started = false
    }
}
