import DiscoveryCore
import Foundation
import HTTPSupport
import MasterCore
import MesosModel
import NIOCore

/// The master as service discovery's hub: whoever assembles the cluster's DiscoverySnapshot (the
/// master process, from this registry, the Kubernetes store and Marathon) publishes it here, and
/// every agent's service proxy long-polls `GET /mesokube/v1/discovery?after=N` for the next one.
extension MasterServer {
    /// Waiters give up after this long and get the current snapshot, so proxies notice a lost
    /// master within one poll; clients may ask for less with `timeout=` (seconds).
    static let discoveryPollLimit: Double = 30

    /// The Mesos half of a snapshot: masters, agents and running tasks.
    public func discoveryParts() -> (masters: [MasterEntry], agents: [AgentEntry], tasks: [TaskEntry]) {
        (core.discoveryMasters(isLeader: leader == nil), core.discoveryAgents(), core.discoveryTasks())
    }

    /// Makes `snapshot` the one agents get; waiting polls return at once. Encoded before it
    /// reaches the actor: a large cluster's snapshot takes tens of milliseconds to encode.
    public nonisolated func publishDiscovery(_ snapshot: DiscoverySnapshot) async {
        guard let body = try? JSONEncoder().encode(snapshot) else { return }
        await publishDiscovery(version: snapshot.version, body: body)
    }

    private func publishDiscovery(version: UInt64, body: Data) {
        discovery = (version, ByteBuffer(bytes: body))
        let waiting = discoveryWaiters
        discoveryWaiters = [:]
        for waiter in waiting.values { waiter.resume() }
    }

    func discoveryEndpoint(_ request: HTTPRequest) async -> HTTPResponse {
        guard let after = UInt64(request.query["after"] ?? "0") else {
            return HTTPError.badRequest("'after' must be a snapshot version (a non-negative integer)").response
        }
        guard let timeout = Double(request.query["timeout"] ?? "\(Self.discoveryPollLimit)"), timeout >= 0 else {
            return HTTPError.badRequest("'timeout' must be a number of seconds").response
        }
        if discovery.version <= after {
            await waitForDiscovery(after: after, seconds: min(timeout, Self.discoveryPollLimit))
        }
        guard discovery.version > 0 else {
            return HTTPError.serviceUnavailable("Service discovery has published no snapshot yet").response
        }
        return .bytes(discovery.body, contentType: "application/json")
    }

    /// Suspends until a newer snapshot is published or `seconds` pass.
    private func waitForDiscovery(after: UInt64, seconds: Double) async {
        let id = UUID()
        let timer = Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            await self?.releaseDiscoveryWaiter(id)
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            discoveryWaiters[id] = continuation
        }
        timer.cancel()
    }

    private func releaseDiscoveryWaiter(_ id: UUID) {
        discoveryWaiters.removeValue(forKey: id)?.resume()
    }
}
