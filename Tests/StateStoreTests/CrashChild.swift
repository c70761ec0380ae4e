import Foundation
import StateStore
import StateStoreSQLite
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The writer half of the SIGKILL test. The test binary re-runs itself with only that test
/// selected and `databaseVariable` set; the test then calls `writeForever` instead of checking.
///
/// Workload: create `crash/<i>` (a 24 KiB value spanning several pages) on the current lease;
/// after every `batch` creates, revoke the lease (deleting its keys in one multi-row write) and
/// grant a new one. After each acknowledged write the child records its revision in a side file.
enum CrashChild {
    static let databaseVariable = "MESOKUBE_STATESTORE_CRASH_CHILD_DB"
    static let batch = 10

    /// Re-running the test binary needs /proc/self/exe and the Swift Testing command line.
    static var canSpawn: Bool {
        #if os(Linux)
            executable != nil
        #else
            false
        #endif
    }

    private static var executable: String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
    }

    static func payload(_ i: Int) -> Data {
        Data((0..<24 * 1024).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) })
    }

    static func writeForever(path: String) async throws {
        let store = try SQLiteStateStore(path: path, options: .init(durability: .full))
        var lease = try await store.grantLease(ttl: .seconds(3600))
        var i = 0
        while true {
            i += 1
            let kv = try await store.create("crash/\(i)", value: payload(i), lease: lease)
            try report(kv.modRevision, path: path)
            if i % batch == 0 {
                try await store.revokeLease(lease)
                try report(kv.modRevision + 1, path: path)
                lease = try await store.grantLease(ttl: .seconds(3600))
            }
        }
    }

    private static func report(_ revision: Int64, path: String) throws {
        try Data("\(revision)".utf8).write(to: URL(fileURLWithPath: path + ".progress"), options: .atomic)
    }

    private static func reported(path: String) -> Int64? {
        guard let data = FileManager.default.contents(atPath: path + ".progress") else { return nil }
        return Int64(String(decoding: data, as: UTF8.self))
    }

    /// Starts the child, kills it with SIGKILL once it has acknowledged `afterWrites` revisions,
    /// and returns the last revision it acknowledged.
    static func runAndKill(path: String, afterWrites: Int64) async throws -> Int64 {
        guard let executable else { throw TimedOut(what: "the test executable") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--testing-library", "swift-testing", "--filter", "killedWriterLeavesAConsistentPrefix"]
        var environment = ProcessInfo.processInfo.environment
        environment[databaseVariable] = path
        process.environment = environment
        let errorLog = URL(fileURLWithPath: path + ".stderr")
        _ = FileManager.default.createFile(atPath: errorLog.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errorLog)
        process.standardOutput = FileHandle.nullDevice
        try process.run()

        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(120)
        while process.isRunning, (reported(path: path) ?? 0) < afterWrites, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        guard process.isRunning else {
            let log = (try? String(contentsOf: errorLog, encoding: .utf8)) ?? ""
            Issue.record("writer child exited early (\(process.terminationStatus)): \(log.suffix(2000))")
            throw TimedOut(what: "the writer child")
        }
        kill(process.processIdentifier, SIGKILL)
        while process.isRunning { try await Task.sleep(for: .milliseconds(5)) }
        #expect(process.terminationReason == .uncaughtSignal)
        return reported(path: path) ?? 0
    }

    /// The `crash/` keys the workload leaves after exactly `revision` writes, in key order.
    static func expectedState(atRevision target: Int64) -> [KeyValue] {
        var state: [String: KeyValue] = [:]
        var onLease: [String] = []
        var revision: Int64 = 0
        var i = 0
        while revision < target {
            i += 1
            revision += 1
            let key = "crash/\(i)"
            state[key] = KeyValue(
                key: key, value: payload(i), createRevision: revision, modRevision: revision, version: 1, lease: nil)
            onLease.append(key)
            if i % batch == 0, revision < target {
                revision += 1
                for key in onLease { state.removeValue(forKey: key) }
                onLease = []
            }
        }
        return state.values.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
    }
}
