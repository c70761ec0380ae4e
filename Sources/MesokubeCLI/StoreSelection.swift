import ArgumentParser
import Foundation
import StateStore
import StateStoreEtcd
import StateStoreSQLite

/// `--store`: where the master keeps everything durable (ARCHITECTURE.md §3 rule 4: the
/// executable alone picks the driver).
enum StoreSelection {
    /// `sqlite://PATH` (relative paths are taken from the working directory) or
    /// `etcd://HOST:PORT[,HOST:PORT...]`; nil means SQLite at `defaultPath`.
    static func open(_ url: String?, defaultPath: String) throws -> any StateStore {
        guard let url else { return try SQLiteStateStore(path: defaultPath) }
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw ValidationError("--store sqlite:// needs a path, e.g. sqlite://state.db") }
            return try SQLiteStateStore(path: path)
        }
        if url.hasPrefix("etcd://") {
            do {
                return try EtcdStateStore(endpoints: EtcdStateStore.endpoints(fromStoreURL: url))
            } catch let error as StoreError {
                throw ValidationError("--store \(url): \(error)")
            }
        }
        throw ValidationError("--store must be sqlite://PATH or etcd://HOST:PORT[,HOST:PORT...], got '\(url)'")
    }

    /// How the store is named in start-up messages.
    static func describe(_ url: String?, defaultPath: String) -> String {
        url ?? "sqlite://\(defaultPath)"
    }
}
