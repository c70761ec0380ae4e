import Discovery
import Foundation
import HTTPSupport
import Logging
import Master
import NIOCore
import NIOHTTP1
import StateStore
import Synchronization

/// What an HA master publishes as its candidacy (the value of the election key): where each
/// of its front doors is, so that standbys can send clients to the leader's.
struct MasterCandidate: Codable, Sendable, Equatable {
    var id: String
    /// `host:port` of the Mesos APIs.
    var mesos: String
    /// `host:port` of Marathon, when this master runs it.
    var marathon: String?
    /// The Kubernetes API URL, when this master serves it.
    var kube: String?
}

/// Several masters on one etcd store: one leads (the election on `key`), the others stand by,
/// redirecting Mesos clients (307), proxying Marathon (as Marathon's followers do) and serving
/// the Kubernetes API themselves. A leader that loses the election exits, like a Mesos master
/// whose ZooKeeper session ended; its supervisor starts it again as a standby.
enum MasterHA {
    static let electionKey = "/mesokube/election/master"

    /// Runs the election until the process ends. `onLeading` runs once, when this master wins.
    static func campaign(
        store: any StateStore, candidate: MasterCandidate, timing: LeaderElection<MasterCandidate>.Timing,
        server: MasterServer, marathonProxy: MarathonStandbyProxy?, dnsFollower: DiscoveryFollower,
        onLeading: @escaping @Sendable () async throws -> Void
    ) -> (LeaderElection<MasterCandidate>, Task<Void, Never>) {
        let logger = Logger(label: "mesokube.election")
        let election = LeaderElection(store: store, key: electionKey, candidate: candidate, timing: timing)
        let task = Task {
            do {
                try await election.run { role in
                    switch role {
                    case .leading:
                        logger.info("elected leader", metadata: ["master": "\(candidate.mesos)"])
                        await dnsFollower.stop()
                        await marathonProxy?.stop()
                        do {
                            try await server.assumeLeadership()
                            try await onLeading()
                        } catch {
                            logger.critical("could not take up leadership, exiting: \(error)")
                            exit(70)
                        }
                    case .following(let leader):
                        logger.info("following", metadata: ["leader": "\(leader?.mesos ?? "none")"])
                        await server.follow(leader: leader?.mesos ?? "")
                        marathonProxy?.follow(leader?.marathon)
                    }
                }
            } catch is CancellationError {
                return
            } catch {
                logger.critical("lost leadership, exiting: \(error)")
                exit(1)
            }
        }
        return (election, task)
    }
}

/// A standby master's Marathon port, as Marathon's `LeaderProxyFilter`: requests are forwarded
/// to the leader's Marathon (with `X-Marathon-Via`), `/v2/events` is redirected there, `/ping`
/// is answered here, and 502 "Could not determine the current leader" while nobody leads.
final class MarathonStandbyProxy: Sendable {
    private let forwarder: Forwarder
    private let server: HTTPServer

    private init(forwarder: Forwarder, server: HTTPServer) {
        self.forwarder = forwarder
        self.server = server
    }

    static func start(ip: String, port: Int) async throws -> MarathonStandbyProxy {
        let forwarder = Forwarder(via: "\(ip):\(port)")
        let server = HTTPServer(host: ip, port: port) { request in await forwarder.forward(request) }
        _ = try await server.start()
        return MarathonStandbyProxy(forwarder: forwarder, server: server)
    }

    func follow(_ address: String?) { forwarder.leader.withLock { $0 = address } }

    func stop() async { await server.shutdown() }
}

/// Where a standby's Marathon requests go, and how they are passed on.
private final class Forwarder: Sendable {
    let leader = Mutex<String?>(nil)
    let via: String

    init(via: String) { self.via = via }

    func forward(_ request: HTTPRequest) async -> HTTPResponse {
        if request.path == "/ping" { return .text("pong") }
        guard let leader = leader.withLock({ $0 }), !leader.isEmpty else {
            return .json(["message": "Could not determine the current leader"], status: .badGateway)
        }
        let target = "http://\(leader)\(request.uri)"
        if request.path == "/v2/events" {
            var response = HTTPResponse.empty(status: .temporaryRedirect)
            response.headers.replaceOrAdd(name: "Location", value: target)
            return response
        }
        var headers = request.headers
        for hop in ["Connection", "Host", "Content-Length", "Transfer-Encoding", "Keep-Alive"] {
            headers.remove(name: hop)
        }
        headers.add(name: "X-Marathon-Via", value: "1.1 \(via)")
        do {
            let answer = try await HTTPClientSession.shared.call(
                request.method, url: target, body: Array(request.body.readableBytesView), headers: headers,
                timeout: .seconds(30))
            var passed = answer.headers
            for hop in ["Connection", "Content-Length", "Transfer-Encoding", "Keep-Alive"] { passed.remove(name: hop) }
            return HTTPResponse(status: answer.status, headers: passed, body: .bytes(ByteBuffer(bytes: answer.body)))
        } catch {
            return .json(["message": "Could not reach the leader at \(leader): \(error)"], status: .badGateway)
        }
    }
}

/// The cluster CA and the API tokens are the same on every HA master, so one kubeconfig works
/// against any of them and kubelets trust whichever leads: the first master to start puts them
/// in the store, the others copy them into their work dirs before serving. (The store then
/// holds the CA key: protect etcd as any Kubernetes etcd, which holds every Secret anyway.)
enum SharedPKI {
    static let key = "/mesokube/pki/cluster"
    static let files = [TLSMaterial.caCertificateFile, TLSMaterial.caKeyFile, "admin.token", "kubelet.token"]

    static func sync(store: any StateStore, directory: String, hosts: [String]) async throws {
        if let shared = try await store.getJSON(key, as: [String: String].self) {
            try write(shared, to: directory)
            return
        }
        _ = try TLSMaterial.loadOrCreate(
            directory: directory, hosts: TLSMaterial.defaultHosts(extra: hosts), now: Date())
        _ = try TLSMaterial.loadOrCreateToken(path: directory + "/admin.token")
        _ = try TLSMaterial.loadOrCreateToken(path: directory + "/kubelet.token")
        var local: [String: String] = [:]
        for file in files { local[file] = try String(contentsOfFile: directory + "/" + file, encoding: .utf8) }
        do {
            try await store.createJSON(key, local)
        } catch StoreError.keyExists {
            // Another master got there first: take its material instead.
            if let shared = try await store.getJSON(key, as: [String: String].self) { try write(shared, to: directory) }
        }
    }

    private static func write(_ shared: [String: String], to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for file in files {
            guard let text = shared[file] else { continue }
            let path = directory + "/" + file
            if (try? String(contentsOfFile: path, encoding: .utf8)) == text { continue }
            try TLSFiles.writeAtomically(text, to: path, mode: file.hasSuffix(".crt") ? 0o644 : 0o600)
        }
    }
}
