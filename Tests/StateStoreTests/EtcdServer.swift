import Foundation
import FoundationNetworking
import Glibc
import StateStore
import TestSupport

/// An etcd cluster (Debian's `etcd-server`) of its own for one test: data in shared memory,
/// ports chosen free, members stoppable and restartable, all removed by `stop()`.
final class EtcdServer: Sendable {
    struct Member: Sendable {
        let name: String
        let clientURL: String
        let peerURL: String
    }

    let members: [Member]
    private let directory: String
    private let processes: LockedBox<[Int: Process]>
    private let stopped = LockedBox(false)

    /// Client URLs of every member.
    var clientURLs: [String] { members.map(\.clientURL) }
    var clientURL: String { members[0].clientURL }

    /// Starts a cluster once one of the few slots is free: a test run starts dozens of these, and
    /// all at once they would starve the rest of the suite on a 2-core machine.
    static func start(members count: Int = 1) async throws -> EtcdServer {
        await EtcdSlots.shared.acquire()
        do {
            return try EtcdServer(members: count)
        } catch {
            await EtcdSlots.shared.release()
            throw error
        }
    }

    private init(members count: Int) throws {
        let directory = "/dev/shm/mk-etcd-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        members = try (0..<count).map { index in
            Member(
                name: "m\(index)", clientURL: "http://127.0.0.1:\(try TestRegistry.freeLoopbackPort())",
                peerURL: "http://127.0.0.1:\(try TestRegistry.freeLoopbackPort())")
        }
        self.directory = directory
        processes = LockedBox([:])
        for index in members.indices { try start(member: index) }
    }

    /// Starts member `index` (again), on its old data directory if it has one.
    func start(member index: Int) throws {
        let member = members[index]
        let cluster = members.map { "\($0.name)=\($0.peerURL)" }.joined(separator: ",")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = [
            "--name", member.name, "--data-dir", "\(directory)/\(member.name)", "--listen-client-urls",
            member.clientURL, "--advertise-client-urls", member.clientURL, "--listen-peer-urls", member.peerURL,
            "--initial-advertise-peer-urls", member.peerURL, "--initial-cluster", cluster,
            "--initial-cluster-token", directory, "--log-level", "error",
        ]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        processes.withLock { $0[index] = process }
    }

    /// kill -9 of member `index`.
    func kill(member index: Int) {
        guard let process = processes.withLock({ $0.removeValue(forKey: index) }), process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    static var binary: String {
        ["/usr/bin/etcd", "/usr/local/bin/etcd"].first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? "/usr/bin/etcd"
    }

    /// Waits until member `index` answers its health check (it has a leader).
    func waitUntilHealthy(member index: Int = 0) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(30)
        while clock.now < deadline {
            if let url = URL(string: members[index].clientURL + "/health"),
                let (data, _) = try? await URLSession.shared.data(from: url),
                String(decoding: data, as: UTF8.self).contains("\"true\"")
            {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TimedOut(what: "etcd at \(members[index].clientURL) to become healthy")
    }

    func stop() {
        // The first stop gives the slot back; later ones only make sure everything is gone.
        let released = stopped.withLock { stopped -> Bool in
            defer { stopped = true }
            return !stopped
        }
        for index in members.indices { kill(member: index) }
        try? FileManager.default.removeItem(atPath: directory)
        if released { Task { await EtcdSlots.shared.release() } }
    }
}

/// A counting semaphore for etcd clusters started by tests.
actor EtcdSlots {
    static let shared = EtcdSlots(limit: 2)

    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { free = limit }

    func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            free += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
