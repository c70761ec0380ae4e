import Foundation
import GRDB
import StateStore

/// Tables, migrations and row codecs of the SQLite driver.
///
/// - `meta`: one row with the global revision, the compaction point and the last lease id.
/// - `kv`: the current value of every key (an empty value may be stored as NULL). Keys are BLOBs of their UTF-8 bytes so that SQLite's
///   memcmp order is the protocol's byte order and prefix ranges can use exact byte bounds.
/// - `changes`: one row per event, keyed by (revision, seq) because a lease expiry deletes several
///   keys at one revision; it carries the previous value so watches and past snapshots need no
///   other source. Rows older than the compaction point are deleted by `compact(before:)`.
/// - `leases`: granted leases and their TTL. Deadlines live in memory only (see `LeaseTimers`).
enum SQLiteSchema {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        revision INTEGER NOT NULL,
                        compacted_at INTEGER NOT NULL,
                        last_lease INTEGER NOT NULL);
                    INSERT INTO meta (id, revision, compacted_at, last_lease) VALUES (1, 0, 0, 0);
                    CREATE TABLE kv (
                        key BLOB NOT NULL PRIMARY KEY,
                        value BLOB,
                        create_revision INTEGER NOT NULL,
                        mod_revision INTEGER NOT NULL,
                        version INTEGER NOT NULL,
                        lease INTEGER);
                    CREATE INDEX kv_by_lease ON kv (lease) WHERE lease IS NOT NULL;
                    CREATE TABLE changes (
                        revision INTEGER NOT NULL,
                        seq INTEGER NOT NULL,
                        key BLOB NOT NULL,
                        deleted INTEGER NOT NULL,
                        value BLOB,
                        create_revision INTEGER,
                        version INTEGER,
                        lease INTEGER,
                        prev_value BLOB,
                        prev_create_revision INTEGER,
                        prev_mod_revision INTEGER,
                        prev_version INTEGER,
                        prev_lease INTEGER,
                        PRIMARY KEY (revision, seq));
                    CREATE TABLE leases (
                        id INTEGER PRIMARY KEY,
                        ttl_ms INTEGER NOT NULL);
                    """)
        }
        return migrator
    }

    // MARK: meta

    static func window(_ db: Database) throws -> RevisionWindow {
        guard let row = try Row.fetchOne(db, sql: "SELECT revision, compacted_at FROM meta WHERE id = 1") else {
            throw StoreError.backend("meta row missing")
        }
        return RevisionWindow(compactedAt: row["compacted_at"], current: row["revision"])
    }

    static func setRevision(_ db: Database, _ revision: Int64) throws {
        try db.execute(sql: "UPDATE meta SET revision = ? WHERE id = 1", arguments: [revision])
    }

    static func setCompactedAt(_ db: Database, _ point: Int64) throws {
        try db.execute(sql: "DELETE FROM changes WHERE revision < ?", arguments: [point])
        try db.execute(sql: "UPDATE meta SET compacted_at = ? WHERE id = 1", arguments: [point])
    }

    // MARK: kv

    static func keyValue(_ db: Database, _ key: String) throws -> KeyValue? {
        try Row.fetchOne(db, sql: "SELECT * FROM kv WHERE key = ?", arguments: [Data(key.utf8)]).map(keyValue)
    }

    /// Current values in `range`, in key order, at most `limit` when given.
    static func keyValues(_ db: Database, in range: KeyRange, limit: Int?) throws -> [KeyValue] {
        var (sql, arguments) = condition(on: "key", in: range)
        sql = "SELECT * FROM kv WHERE \(sql) ORDER BY key"
        if let limit {
            sql += " LIMIT ?"
            _ = arguments.append(contentsOf: [limit])
        }
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map(keyValue)
    }

    static func keyValues(_ db: Database, lease: Int64) throws -> [KeyValue] {
        try Row.fetchAll(db, sql: "SELECT * FROM kv WHERE lease = ? ORDER BY key", arguments: [lease])
            .map(keyValue)
    }

    private static func keyValue(_ row: Row) -> KeyValue {
        KeyValue(
            key: string(row["key"]), value: blob(row["value"]), createRevision: row["create_revision"],
            modRevision: row["mod_revision"], version: row["version"], lease: row["lease"])
    }

    // MARK: changes

    /// Events with revision >= `revision` for keys in `range`, oldest first.
    static func events(_ db: Database, from revision: Int64, in range: KeyRange) throws -> [WatchEvent] {
        var (sql, arguments) = condition(on: "key", in: range)
        sql = "SELECT * FROM changes WHERE revision >= ? AND \(sql) ORDER BY revision, seq"
        arguments = [revision] + arguments
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map(event)
    }

    /// Events after `revision` for keys in `range`, newest first: what to undo to go back to it.
    static func eventsToUndo(_ db: Database, after revision: Int64, in range: KeyRange) throws -> [WatchEvent] {
        var (sql, arguments) = condition(on: "key", in: range)
        sql = "SELECT * FROM changes WHERE revision > ? AND \(sql) ORDER BY revision DESC, seq DESC"
        arguments = [revision] + arguments
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map(event)
    }

    /// Applies the events of one new revision: current values, history and the revision counter.
    static func apply(_ db: Database, _ events: [WatchEvent]) throws {
        guard let revision = events.first?.revision else { return }
        for (seq, event) in events.enumerated() {
            let key = Data(event.key.utf8)
            let previous = event.previous
            var current: KeyValue?
            switch event {
            case .put(let kv, _):
                current = kv
                try db.execute(
                    sql: """
                        INSERT INTO kv (key, value, create_revision, mod_revision, version, lease)
                        VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT (key) DO UPDATE SET value = excluded.value,
                            create_revision = excluded.create_revision, mod_revision = excluded.mod_revision,
                            version = excluded.version, lease = excluded.lease
                        """,
                    arguments: [key, kv.value, kv.createRevision, kv.modRevision, kv.version, kv.lease])
            case .delete:
                try db.execute(sql: "DELETE FROM kv WHERE key = ?", arguments: [key])
            }
            try db.execute(
                sql: """
                    INSERT INTO changes (revision, seq, key, deleted, value, create_revision, version, lease,
                        prev_value, prev_create_revision, prev_mod_revision, prev_version, prev_lease)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    revision, seq, key, current == nil, current?.value, current?.createRevision, current?.version,
                    current?.lease, previous?.value, previous?.createRevision, previous?.modRevision,
                    previous?.version, previous?.lease,
                ])
        }
        try setRevision(db, revision)
    }

    private static func event(_ row: Row) -> WatchEvent {
        let key = string(row["key"])
        let revision: Int64 = row["revision"]
        var previous: KeyValue?
        if let modRevision: Int64 = row["prev_mod_revision"] {
            previous = KeyValue(
                key: key, value: blob(row["prev_value"]), createRevision: row["prev_create_revision"],
                modRevision: modRevision, version: row["prev_version"], lease: row["prev_lease"])
        }
        if row["deleted"] as Bool {
            return .delete(key: key, previous: previous, revision: revision)
        }
        let kv = KeyValue(
            key: key, value: blob(row["value"]), createRevision: row["create_revision"], modRevision: revision,
            version: row["version"], lease: row["lease"])
        return .put(kv, previous: previous)
    }

    // MARK: leases

    static func nextLeaseID(_ db: Database) throws -> Int64 {
        try db.execute(sql: "UPDATE meta SET last_lease = last_lease + 1 WHERE id = 1")
        return try Int64.fetchOne(db, sql: "SELECT last_lease FROM meta WHERE id = 1") ?? 0
    }

    static func leaseExists(_ db: Database, _ id: Int64) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM leases WHERE id = ?", arguments: [id]) ?? false
    }

    static func leaseTTLs(_ db: Database) throws -> [(id: Int64, ttlMilliseconds: Int64)] {
        try Row.fetchAll(db, sql: "SELECT id, ttl_ms FROM leases").map { ($0["id"], $0["ttl_ms"]) }
    }

    // MARK: helpers

    /// SQL condition selecting `column` in the byte range, with its arguments.
    /// An empty bound is left out: GRDB binds empty `Data` as NULL, and `key >= NULL` is never true.
    private static func condition(on column: String, in range: KeyRange) -> (String, StatementArguments) {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if !range.lower.isEmpty {
            clauses.append("\(column) >= ?")
            _ = arguments.append(contentsOf: [Data(range.lower)])
        }
        if let upper = range.upper {
            clauses.append("\(column) < ?")
            _ = arguments.append(contentsOf: [Data(upper)])
        }
        return (clauses.isEmpty ? "1" : clauses.joined(separator: " AND "), arguments)
    }

    /// A zero-length BLOB may come back as NULL depending on how it was bound; both mean "empty".
    private static func blob(_ data: Data?) -> Data {
        data ?? Data()
    }

    private static func string(_ data: Data) -> String {
        String(decoding: data, as: UTF8.self)
    }
}
