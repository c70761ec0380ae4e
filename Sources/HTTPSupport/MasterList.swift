import Foundation
import Synchronization

/// The masters a client was given (`host:port[,host:port...]`, as Mesos takes a list where it
/// has no ZooKeeper) and the one it talks to now. A standby answers 307 with the leader in
/// `Location: //host:port/path`; the client learns it from there. When the master it talks to
/// is unreachable or has no leader (503), the client moves on to the next one in the list.
///
/// A master that just failed is not followed again for `avoidFor`: right after a leader dies the
/// standbys still name it until its lease runs out, and connecting to it only costs time.
public final class MasterList: Sendable {
    struct State {
        var current: String
        var next = 1
        var failedAt: [String: ContinuousClock.Instant] = [:]
    }

    public let seeds: [String]
    let avoidFor: Duration
    private let state: Mutex<State>

    /// `spec`: comma-separated `host:port` entries; must name at least one.
    public init(_ spec: String, avoidFor: Duration = .seconds(5)) {
        let seeds = spec.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        self.seeds = seeds.isEmpty ? [spec] : seeds
        self.avoidFor = avoidFor
        state = Mutex(State(current: self.seeds[0]))
    }

    /// The master to talk to now.
    public var current: String { state.withLock { $0.current } }

    /// A redirect named the leader: talk to it from now on. Returns false (and stays) when that
    /// leader failed moments ago: the redirect is stale.
    @discardableResult
    public func follow(location: String) -> Bool {
        guard let leader = Self.hostPort(fromLocation: location) else { return false }
        let now = ContinuousClock.now
        return state.withLock { state in
            if let failed = state.failedAt[leader], failed.duration(to: now) < avoidFor { return false }
            state.current = leader
            return true
        }
    }

    /// `master` could not serve: go on with the next seed (unless someone already moved on).
    public func failed(_ master: String) {
        let now = ContinuousClock.now
        state.withLock { state in
            state.failedAt[master] = now
            guard state.current == master else { return }
            state.current = seeds[state.next % seeds.count]
            state.next += 1
        }
    }

    /// `//host:port/path`, `http://host:port/path` or `host:port` → `host:port`.
    public static func hostPort(fromLocation location: String) -> String? {
        var rest = Substring(location)
        if let scheme = rest.range(of: "//") { rest = rest[scheme.upperBound...] }
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        return authority.isEmpty ? nil : String(authority)
    }
}
