import DiscoveryCore
import Foundation
import HTTPSupport
import Logging
import NIOCore

/// Follows the master's discovery snapshots (`GET /mesokube/v1/discovery?after=N`, a long poll)
/// and hands each newer one to `apply` (an agent's service proxy). A failed apply is retried with
/// the same snapshot after `retryDelay`; an unreachable master is asked again after the same delay.
public actor DiscoveryFollower {
    public typealias Apply = @Sendable (DiscoverySnapshot) async throws -> Void

    let masters: MasterList
    let apply: Apply
    let pollSeconds: Int
    let retryDelay: Duration
    let logger: Logger
    var applied: UInt64 = 0
    /// The newest snapshot applied, for periodic forced re-applies.
    public private(set) var lastSnapshot: DiscoverySnapshot?
    var loop: Task<Void, Never>?
    /// The last failure said, so a steady failure is logged once.
    var lastProblem: String?

    /// `master` is HOST:PORT, or several of them separated by commas (HA masters).
    public init(
        master: String, pollSeconds: Int = 30, retryDelay: Duration = .seconds(1),
        logger: Logger = Logger(label: "mesokube.discovery-follower"), apply: @escaping Apply
    ) {
        self.init(
            masters: MasterList(master), pollSeconds: pollSeconds, retryDelay: retryDelay, logger: logger, apply: apply)
    }

    /// Follows whichever of `masters` leads (a standby's 307 names it).
    public init(
        masters: MasterList, pollSeconds: Int = 30, retryDelay: Duration = .seconds(1),
        logger: Logger = Logger(label: "mesokube.discovery-follower"), apply: @escaping Apply
    ) {
        self.masters = masters
        self.apply = apply
        self.pollSeconds = pollSeconds
        self.retryDelay = retryDelay
        self.logger = logger
    }

    /// The version of the newest snapshot applied (0 before the first).
    public var appliedVersion: UInt64 { applied }

    public func start() {
        guard loop == nil else { return }
        loop = Task { [weak self] in
            while !Task.isCancelled {
                guard let self else { return }
                await self.pollOnce()
            }
        }
    }

    public func stop() async {
        loop?.cancel()
        await loop?.value
        loop = nil
    }

    func pollOnce() async {
        let master = masters.current
        let url = "http://\(master)/mesokube/v1/discovery?after=\(applied)&timeout=\(pollSeconds)"
        do {
            let response: HTTPClientSession.Response
            do {
                response = try await HTTPClientSession.shared.get(url: url, timeout: .seconds(Int64(pollSeconds) + 10))
            } catch {
                masters.failed(master)
                throw error
            }
            if response.status == .temporaryRedirect, let location = response.headers.first(name: "Location") {
                if masters.follow(location: location), masters.current != master { return }
            }
            guard response.status == .ok else {
                masters.failed(master)
                throw Problem("the master answered \(response.status.code): \(response.bodyString.prefix(200))")
            }
            let snapshot = try JSONDecoder().decode(DiscoverySnapshot.self, from: Data(response.body))
            guard snapshot.version > applied else { return }
            try await apply(snapshot)
            applied = snapshot.version
            lastSnapshot = snapshot
            if lastProblem != nil { logger.info("service discovery snapshots flow again (version \(applied))") }
            lastProblem = nil
        } catch is CancellationError {
            return
        } catch {
            let problem = "\(error)"
            if problem != lastProblem { logger.warning("service discovery: \(problem)") }
            lastProblem = problem
            try? await Task.sleep(for: retryDelay)
        }
    }

    struct Problem: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
