import Foundation
import Glibc

/// The agent-wide download cache for URIs with `cache: true`. Each entry is a directory named by
/// a stable hash of (user, URI) holding `key` (the unhashed text, checked on every hit so a hash
/// collision degrades to an uncached fetch, never to wrong bytes) and `blob`. Concurrent fetches
/// of one URI share a single download; entries in use are never evicted.
actor FetchCache {
    let directory: String
    let maxBytes: Int64
    private var inFlight: [String: Task<Void, any Error>] = [:]
    private var pins: [String: Int] = [:]
    /// Use order within this process; mtime (coarse) only orders entries left by earlier runs.
    private var lastUse: [String: UInt64] = [:]
    private var useCounter: UInt64 = 0

    init(directory: String, maxBytes: Int64) {
        self.directory = directory
        self.maxBytes = maxBytes
    }

    /// The cache key text: Mesos keys its cache by user and URI.
    static func key(uri: String, user: String?) -> String { (user ?? "") + "\n" + uri }

    /// FNV-1a 64: stable across runs and processes (unlike `Hasher`), which a disk cache needs.
    static func hashName(_ key: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Places the cached bytes for `key` at `destination`, downloading them first (once, however
    /// many callers ask at the same time) if absent. Returns true when this call did not download.
    nonisolated func fetch(
        key: String, to destination: String, download: @escaping @Sendable (String) async throws -> Void
    ) async throws -> Bool {
        let name = Self.hashName(key)
        guard let (blob, downloaded) = try await acquire(name: name, key: key, download: download) else {
            // Hash collision with a different URI: fetch without the cache.
            try await download(destination)
            return false
        }
        do {
            try Self.copy(blob, to: destination)
        } catch {
            await release(name: name)
            throw error
        }
        await release(name: name)
        return !downloaded
    }

    private nonisolated static func copy(_ blob: String, to destination: String) throws {
        let staging = destination + ".fetching-" + UUID().uuidString
        defer { unlink(staging) }
        try FileManager.default.copyItem(atPath: blob, toPath: staging)
        guard rename(staging, destination) == 0 else {
            throw CacheFailure(description: "Failed to move cached file to '\(destination)': \(errnoText())")
        }
    }

    /// Ensures the entry exists and pins it; nil when its directory belongs to another key.
    private func acquire(
        name: String, key: String, download: @escaping @Sendable (String) async throws -> Void
    ) async throws -> (blob: String, downloaded: Bool)? {
        let entry = directory + "/" + name
        var downloaded = false
        while true {
            if let stored = try? String(contentsOfFile: entry + "/key", encoding: .utf8) {
                guard stored == key else { return nil }
                if access(entry + "/blob", F_OK) == 0 { break }
            }
            if let pending = inFlight[name] {
                try await pending.value
                continue
            }
            let task = Task {
                try Self.prepare(entry: entry, key: key)
                try await download(entry + "/blob")
            }
            inFlight[name] = task
            defer { inFlight[name] = nil }
            do {
                try await task.value
            } catch {
                try? FileManager.default.removeItem(atPath: entry)
                throw error
            }
            downloaded = true
        }
        pins[name, default: 0] += 1
        useCounter += 1
        lastUse[name] = useCounter
        utimensat(AT_FDCWD, entry + "/blob", nil, 0)
        return (entry + "/blob", downloaded)
    }

    private static func prepare(entry: String, key: String) throws {
        try FileManager.default.createDirectory(atPath: entry, withIntermediateDirectories: true)
        try FileReplacement.write(Data(key.utf8), to: entry + "/key")
    }

    private func release(name: String) {
        pins[name, default: 1] -= 1
        if pins[name] == 0 { pins[name] = nil }
        evictIfNeeded()
    }

    /// Removes least recently used, unpinned entries until the cache fits `maxBytes`.
    private func evictIfNeeded() {
        struct Entry {
            let name: String
            let bytes: Int64
            let order: (UInt64, Int)
        }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        var entries: [Entry] = []
        var total: Int64 = 0
        for name in names {
            var info = stat()
            guard stat(directory + "/" + name + "/blob", &info) == 0 else { continue }
            total += Int64(info.st_size)
            entries.append(
                Entry(name: name, bytes: Int64(info.st_size), order: (lastUse[name] ?? 0, info.st_mtim.tv_sec)))
        }
        entries.sort { $0.order.0 != $1.order.0 ? $0.order.0 < $1.order.0 : $0.order.1 < $1.order.1 }
        for entry in entries where total > maxBytes {
            if pins[entry.name] != nil || inFlight[entry.name] != nil { continue }
            try? FileManager.default.removeItem(atPath: directory + "/" + entry.name)
            lastUse[entry.name] = nil
            total -= entry.bytes
        }
    }
}

struct CacheFailure: Error, CustomStringConvertible {
    let description: String
}

/// Hands the sandbox to the task's user, as Mesos does before running the fetcher as that user.
enum FetchOwnership {
    static func chown(sandbox: String, uid: uid_t, gid: gid_t) throws {
        guard lchown(sandbox, uid, gid) == 0 else {
            throw CacheFailure(description: "Failed to chown '\(sandbox)': \(errnoText())")
        }
        guard let enumerator = FileManager.default.enumerator(atPath: sandbox) else { return }
        while let relative = enumerator.nextObject() as? String {
            let path = sandbox + "/" + relative
            guard lchown(path, uid, gid) == 0 else {
                throw CacheFailure(description: "Failed to chown '\(path)': \(errnoText())")
            }
        }
    }
}
