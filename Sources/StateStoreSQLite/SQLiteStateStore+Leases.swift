import Foundation
import GRDB
import StateStore

extension SQLiteStateStore {
    public func grantLease(ttl: Duration) async throws -> Int64 {
        try StoreValidation.ttl(ttl)
        // Whole milliseconds, rounded up so that a tiny TTL never becomes zero.
        let milliseconds = max(1, Int64((ttl / .milliseconds(1)).rounded(.up)))
        return try await write { db, _ in
            let id = try SQLiteSchema.nextLeaseID(db)
            try db.execute(sql: "INSERT INTO leases (id, ttl_ms) VALUES (?, ?)", arguments: [id, milliseconds])
            // Armed before commit; if the commit fails the timer only names a lease that does not exist.
            let deadline = self.now() + ttl
            self.timers.withLock { $0.leases[id] = (ttl, deadline) }
            return (id, [])
        }
    }

    public func keepAlive(lease: Int64) async throws {
        try checkOpen()
        let now = self.now()
        let renewed = timers.withLock { timers -> Bool in
            guard let entry = timers.leases[lease], entry.deadline > now else { return false }
            timers.leases[lease] = (entry.ttl, now + entry.ttl)
            return true
        }
        guard renewed else {
            // Too late: revoke it now rather than at the next sweep, so its keys go promptly.
            try await expireLeases()
            throw StoreError.leaseNotFound(lease)
        }
    }

    public func revokeLease(_ lease: Int64) async throws {
        try await write { db, next in
            guard try SQLiteSchema.leaseExists(db, lease) else { throw StoreError.leaseNotFound(lease) }
            return ((), try Self.revoke([lease], db: db, revision: next))
        }
        _ = timers.withLock { $0.leases.removeValue(forKey: lease) }
    }

    /// Revokes every lease whose TTL has run out, deleting their keys in one revision. The
    /// background sweep calls this; tests with a manual clock call it directly.
    ///
    /// The expired leases are picked on the writer queue, so a call that returns has seen the end
    /// of any sweep running at the same time: afterwards no key of a lease expired by then is left.
    public func expireLeases() async throws {
        try await onWriter { db in
            let now = self.now()
            let expired = self.timers.withLock { $0.takeExpired(at: now) }
            guard !expired.isEmpty else { return }
            do {
                try self.transact(db) { db, next in ((), try Self.revoke(expired, db: db, revision: next)) }
            } catch {
                // Put them back as already expired so that the next sweep tries again.
                self.timers.withLock { timers in
                    for id in expired { timers.leases[id] = (.zero, now) }
                }
                throw error
            }
        }
    }

    /// Deletes the leases' rows and their keys; returns one delete event per key at `revision`.
    private static func revoke(_ leases: [Int64], db: Database, revision: Int64) throws -> [WatchEvent] {
        var events: [WatchEvent] = []
        for lease in leases {
            for kv in try SQLiteSchema.keyValues(db, lease: lease) {
                events.append(.delete(key: kv.key, previous: kv, revision: revision))
            }
            try db.execute(sql: "DELETE FROM leases WHERE id = ?", arguments: [lease])
        }
        // Keys in byte order, as the memory driver emits them.
        return events.sorted { KeyBytes($0.key) < KeyBytes($1.key) }
    }
}
