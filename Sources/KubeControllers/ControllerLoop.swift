import KubeClient
import Logging

/// Workers of one controller: each takes a key from the queue, reconciles it, and on failure puts
/// it back with backoff (client-go's processNextWorkItem). Reconciling is level-triggered: it
/// reads the current state from informers, so a key queued many times is handled once.
public struct ControllerLoop: Sendable {
    public let name: String
    public let queue: WorkQueue<String>
    public let workers: Int
    /// Failures of one key beyond this are logged at a louder level (retries continue).
    public let loudAfter: Int
    private let reconcile: @Sendable (String) async throws -> Void
    private let logger: Logger

    public init(
        name: String, queue: WorkQueue<String>, workers: Int = 2, loudAfter: Int = 5, logger: Logger,
        reconcile: @escaping @Sendable (String) async throws -> Void
    ) {
        self.name = name
        self.queue = queue
        self.workers = workers
        self.loudAfter = loudAfter
        self.logger = logger
        self.reconcile = reconcile
    }

    /// Runs the workers until the queue is shut down.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask { await work() }
            }
        }
    }

    private func work() async {
        while let key = await queue.next() {
            do {
                try await reconcile(key)
                queue.forget(key)
            } catch {
                let failures = queue.failureCount(key) + 1
                let level: Logger.Level = failures > loudAfter ? .warning : .debug
                logger.log(
                    level: level, "reconcile failed; retrying",
                    metadata: [
                        "controller": "\(name)", "key": "\(key)", "error": "\(error)", "failures": "\(failures)",
                    ])
                queue.retry(key)
            }
            queue.done(key)
        }
    }
}
