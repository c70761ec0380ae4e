import Foundation
import GRDB
import StateStore

/// The default durable driver: one SQLite database in WAL mode, written through GRDB.
///
/// Every write is one `BEGIN IMMEDIATE` transaction that updates the key, appends to the history
/// and advances the revision together, so a crash (even SIGKILL or power loss with `.full`
/// durability) leaves either all of a write or none of it. Reads run on a pool of WAL readers and
/// see one committed snapshot each.
///
/// One store owns a database file at a time (an exclusive lock on `<path>.lock`), because watch
/// events are delivered from inside the writing process.
///
/// Leases: TTLs are stored, deadlines are not. A background sweep revokes expired leases every
/// `leaseSweepInterval` (default 0.5 s), so keys outlive their lease by at most about one interval
/// (plus the time to run the delete). On open, every stored lease gets a fresh full TTL, as etcd
/// does on leader change, so that downtime alone never expires them.
public final class SQLiteStateStore: StateStore {
    /// How hard each commit pushes data to disk.
    public enum Durability: Sendable {
        /// `synchronous = FULL`: a returned write survives power loss.
        case full
        /// `synchronous = NORMAL`: a returned write survives a process crash; the last writes may
        /// roll back on power loss (the database stays consistent). Faster.
        case normal
    }

    public struct Options: Sendable {
        public var durability: Durability
        public var leaseSweepInterval: Duration
        /// Monotonic time for lease deadlines; nil means the system's continuous clock. Tests pass
        /// a manual clock and call `expireLeases()` themselves.
        public var now: (@Sendable () -> Duration)?

        public init(
            durability: Durability = .full, leaseSweepInterval: Duration = .milliseconds(500),
            now: (@Sendable () -> Duration)? = nil
        ) {
            self.durability = durability
            self.leaseSweepInterval = leaseSweepInterval
            self.now = now
        }
    }

    let pool: DatabasePool
    let hub = WatchHub()
    let now: @Sendable () -> Duration
    let timers: LockedBox<LeaseTimers>
    private let fileLock: FileLock
    private let lifecycle = LockedBox(Lifecycle())

    private struct Lifecycle {
        var closed = false
        var sweeper: Task<Void, Never>?
    }

    /// Opens (creating file and parent directories if needed) the store at `path`.
    public convenience init(path: String) throws {
        try self.init(path: path, options: Options())
    }

    public init(path: String, options: Options) throws {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw StoreError.backend("cannot create directory for \(path): \(error)")
        }
        fileLock = try FileLock(path: path + ".lock")
        let now = options.now ?? Self.continuousNow()
        self.now = now
        do {
            pool = try DatabasePool(path: path, configuration: Self.configuration(options))
            try SQLiteSchema.migrator().migrate(pool)
            let stored = try pool.read { db in try SQLiteSchema.leaseTTLs(db) }
            timers = LockedBox(LeaseTimers(stored: stored, now: now()))
        } catch {
            fileLock.release()
            throw Self.storeError(error)
        }
        startSweeper(every: options.leaseSweepInterval)
    }

    deinit {
        lifecycle.withLock { $0.sweeper?.cancel() }
    }

    private static func continuousNow() -> @Sendable () -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        return { start.duration(to: clock.now) }
    }

    private static func configuration(_ options: Options) -> Configuration {
        var config = Configuration()
        config.label = "StateStore"
        // Readers never block the writer in WAL mode, but checkpoints can briefly contend.
        config.busyMode = .timeout(10)
        let synchronous = options.durability == .full ? "FULL" : "NORMAL"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
        }
        return config
    }

    private func startSweeper(every interval: Duration) {
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self, !Task.isCancelled else { return }
                // A failed sweep is retried on the next tick: the expired leases stay queued.
                try? await self.expireLeases()
            }
        }
        lifecycle.withLock { $0.sweeper = task }
    }

    /// Closes the database; open watches end with `closed`, later calls throw `closed`.
    public func close() async {
        let sweeper: Task<Void, Never>?? = lifecycle.withLock { state in
            guard !state.closed else { return nil }
            state.closed = true
            return state.sweeper
        }
        guard let sweeper else { return }
        sweeper?.cancel()
        hub.close()
        // Waits for in-flight reads and the current write, then closes every connection.
        try? pool.close()
        fileLock.release()
    }

    // MARK: Plumbing shared by the operation files

    func checkOpen() throws {
        if lifecycle.withLock({ $0.closed }) { throw StoreError.closed }
    }

    /// Runs `body` in a read transaction: one consistent snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try checkOpen()
        do {
            return try await pool.read(body)
        } catch {
            throw Self.storeError(error)
        }
    }

    /// Runs `body` in an immediate write transaction on the serial writer queue; see `transact`.
    func write<T: Sendable>(
        _ body: @escaping @Sendable (Database, _ nextRevision: Int64) throws -> (T, [WatchEvent])
    ) async throws -> T {
        try await onWriter { db in try self.transact(db, body) }
    }

    /// Runs `body` in an immediate transaction; must be called on the writer queue. `body`
    /// receives the next revision and returns its result and the events of that revision (empty
    /// when it wrote no key). The events are applied in the same transaction and published after
    /// commit, still on the serial writer queue, so watchers see revisions in order.
    func transact<T>(
        _ db: Database, _ body: (Database, _ nextRevision: Int64) throws -> (T, [WatchEvent])
    ) throws -> T {
        var outcome: (T, [WatchEvent])?
        try db.inTransaction(.immediate) {
            let next = try SQLiteSchema.window(db).current + 1
            let result = try body(db, next)
            try SQLiteSchema.apply(db, result.1)
            outcome = result
            return .commit
        }
        guard let outcome else { throw StoreError.backend("transaction produced no outcome") }
        hub.publish(outcome.1)
        return outcome.0
    }

    /// Runs `body` on the serial writer queue outside a transaction.
    func onWriter<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try checkOpen()
        do {
            return try await pool.writeWithoutTransaction(body)
        } catch {
            throw Self.storeError(error)
        }
    }

    static func storeError(_ error: any Error) -> any Error {
        if error is StoreError || error is CancellationError { return error }
        if let error = error as? DatabaseError, error.resultCode == .SQLITE_MISUSE,
            error.message?.contains("closed") == true
        {
            return StoreError.closed
        }
        return StoreError.backend(String(describing: error))
    }
}

/// In-memory lease deadlines: id → (TTL, deadline on the store's monotonic clock).
struct LeaseTimers {
    var leases: [Int64: (ttl: Duration, deadline: Duration)] = [:]

    init(stored: [(id: Int64, ttlMilliseconds: Int64)], now: Duration) {
        for lease in stored {
            let ttl = Duration.milliseconds(lease.ttlMilliseconds)
            leases[lease.id] = (ttl, now + ttl)
        }
    }

    func isLive(_ id: Int64, at now: Duration) -> Bool {
        guard let lease = leases[id] else { return false }
        return lease.deadline > now
    }

    /// Removes and returns the leases whose deadline has passed.
    mutating func takeExpired(at now: Duration) -> [Int64] {
        let expired = leases.filter { $0.value.deadline <= now }.keys.sorted()
        for id in expired { leases.removeValue(forKey: id) }
        return expired
    }
}
