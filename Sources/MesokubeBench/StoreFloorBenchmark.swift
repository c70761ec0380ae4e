import Foundation
import StateStore
import StateStoreEtcd
import StateStoreSQLite

#if canImport(Glibc)
    import Glibc
#endif

/// The floor under the API server's writes: the same number of creates, by as many concurrent
/// writers, straight into the store the API server uses — a fresh SQLite store (full durability, as
/// `mesokube` opens it) in the same temporary directory as the API benchmark's, and a local
/// single-member etcd (Debian's `etcd-server`, default settings) through the etcd driver. Values are
/// the size of a stored pod.
enum StoreFloorBenchmark {
    struct Settings {
        var objects: Int
        var clients: Int
        var valueBytes = 2_048
    }

    static func run(_ settings: Settings) async throws -> [PhaseFigure] {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("mesokube-bench-floor-\(getpid())").path
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var figures: [PhaseFigure] = []
        let sqlite = try SQLiteStateStore(path: "\(directory)/floor.sqlite")
        figures.append(
            try await creates(into: sqlite, name: "floor_sqlite_create", label: "floor: SQLite create", settings))
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/etcd") else {
            print("floor: etcd put                skipped: /usr/bin/etcd is not installed (apt install etcd-server)")
            return figures
        }
        let client = try BenchProcess.freePort()
        let etcd = try BenchProcess.launch(
            "/usr/bin/etcd",
            [
                "--name", "floor", "--data-dir", "\(directory)/etcd", "--listen-client-urls",
                "http://127.0.0.1:\(client)",
                "--advertise-client-urls", "http://127.0.0.1:\(client)", "--listen-peer-urls",
                "http://127.0.0.1:\(try BenchProcess.freePort())", "--log-level", "error",
            ], log: "\(directory)/etcd.log")
        defer {
            kill(etcd.processIdentifier, SIGKILL)
            etcd.waitUntilExit()
        }
        try await BenchProcess.waitForOK("http://127.0.0.1:\(client)/health", limit: .seconds(30), what: "etcd")
        let store = try EtcdStateStore(endpoints: ["http://127.0.0.1:\(client)"])
        figures.append(try await creates(into: store, name: "floor_etcd_put", label: "floor: etcd put", settings))
        return figures
    }

    static func creates(
        into store: any StateStore, name: String, label: String, _ settings: Settings
    ) async throws -> PhaseFigure {
        let value = Data(repeating: UInt8(ascii: "x"), count: settings.valueBytes)
        let clock = ContinuousClock()
        let began = clock.now
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for worker in 0..<settings.clients {
                group.addTask {
                    var mine: [Duration] = []
                    for index in stride(from: worker, to: settings.objects, by: settings.clients) {
                        let sent = clock.now
                        _ = try await store.create("/registry/pods/bench/floor-\(index)", value: value)
                        mine.append(sent.duration(to: clock.now))
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        return PhaseFigure(
            name: name, label: label, operations: settings.objects, wall: began.duration(to: clock.now),
            latency: LatencySample(latencies))
    }
}
