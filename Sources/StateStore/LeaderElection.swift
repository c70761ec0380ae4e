import Foundation

/// Leader election on a store's leases, for several masters sharing one (etcd) store: the
/// leader is whoever created `key`, attached to a lease it keeps alive. When the leader dies its
/// lease runs out, the key is deleted, and the candidates watching it race to create it again.
///
/// Safety rests on timing, as with every lease-based election (Kubernetes' included): the leader
/// gives up (`run` throws `LeadershipLost`) once it has gone `ttl - renewMargin` without a
/// successful renewal, measured from when that renewal was *sent*, so it stops acting before
/// the store can expire its lease and let another candidate in. A leader that loses leadership
/// must stop acting on it; the master exits, as a Mesos master does when its ZooKeeper
/// session ends, and its supervisor starts it again as a candidate.
///
/// The election runs on a thread of its own (`DedicatedThreadExecutor.leaderElection`): the actor,
/// its renewals and the store calls they await. A master busy with thousands of agents would
/// otherwise wake its renewals late and lose a lease it was perfectly able to keep.
public actor LeaderElection<Candidate: Codable & Sendable & Equatable> {
    public enum Role: Sendable, Equatable {
        /// This candidate leads.
        case leading
        /// Another candidate leads (nil: none right now, an election is under way).
        case following(Candidate?)
    }

    public struct Timing: Sendable {
        /// Lease TTL: how long a dead leader keeps the key. etcd counts whole seconds.
        public var ttl: Duration
        /// How often the lease is renewed.
        public var renewInterval: Duration
        /// The leader steps down this long before its lease could expire.
        public var renewMargin: Duration

        /// Fails over in about 3.5 s after a leader dies (TTL plus etcd's expiry check). The
        /// leader keeps going through 2.5 s without a renewal: long enough for etcd to elect a new
        /// leader of its own (about 1–2 s with its default timing), which extends every lease.
        public init(
            ttl: Duration = .seconds(3), renewInterval: Duration = .milliseconds(500),
            renewMargin: Duration = .milliseconds(500)
        ) {
            self.ttl = ttl
            self.renewInterval = renewInterval
            self.renewMargin = renewMargin
        }
    }

    /// Thrown by `run` when this candidate led and can no longer be sure it still does.
    public struct LeadershipLost: Error, CustomStringConvertible {
        public var description: String
    }

    let store: any StateStore
    let key: String
    let candidate: Candidate
    let timing: Timing
    let now: @Sendable () -> ContinuousClock.Instant
    private var lease: Int64 = 0
    private var leading = false
    private var lastRenewal: ContinuousClock.Instant
    private var renewalsInFlight = 0
    /// Set by a renewal that ends the election (lease gone while leading, store closed).
    private var renewalFailure: (any Error)?

    private let executor = DedicatedThreadExecutor.leaderElection

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    public init(store: any StateStore, key: String, candidate: Candidate, timing: Timing = Timing()) {
        self.store = store
        self.key = key
        self.candidate = candidate
        self.timing = timing
        let clock = ContinuousClock()
        now = { clock.now }
        lastRenewal = clock.now
    }

    /// Campaigns until leadership is lost (throws `LeadershipLost`) or the task is cancelled.
    /// `report` hears every change of role, in order.
    public func run(report: @escaping @Sendable (Role) async -> Void) async throws {
        try await withTaskExecutorPreference(executor) { try await self.elect(report: report) }
    }

    private func elect(report: @escaping @Sendable (Role) async -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            lease = try await grantLease()
            group.addTask { try await self.keepLeaseAlive() }
            group.addTask { try await self.watchRenewalDeadline() }
            group.addTask { try await self.campaign(report: report) }
            // Either child ending means the election is over for this candidate.
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// Gives up candidacy (and leadership) at once: revokes the lease, which deletes the key,
    /// so another candidate takes over without waiting out the TTL. Call after cancelling `run`.
    public func resign() async {
        guard lease != 0 else { return }
        try? await store.revokeLease(lease)
        lease = 0
        leading = false
    }

    /// The leader's candidate record, if there is one now.
    public func currentLeader() async throws -> Candidate? {
        guard let kv = try await store.get(key) else { return nil }
        return try? JSONDecoder().decode(Candidate.self, from: kv.value)
    }

    private func grantLease() async throws -> Int64 {
        while true {
            do {
                let granted = try await store.grantLease(ttl: timing.ttl)
                lastRenewal = now()
                return granted
            } catch let error as StoreError where error == .closed {
                throw error
            } catch {
                try await Task.sleep(for: timing.renewInterval)
            }
        }
    }

    private func campaign(report: @escaping @Sendable (Role) async -> Void) async throws {
        let value = try StoreJSON.encode(candidate)
        while true {
            try Task.checkCancellation()
            do {
                try await store.create(key, value: value, lease: lease)
                leading = true
                await tell(report, .leading)
                // Leading until the lease keeper gives up; it throws, which ends `run`.
                while true { try await Task.sleep(for: .seconds(3600)) }
            } catch StoreError.keyExists {
                try await followUntilVacant(report: report)
            } catch StoreError.leaseNotFound {
                // Our lease expired while following (the store was unreachable): take a new one.
                lease = try await grantLease()
            } catch let error as StoreError where error != .closed {
                try await Task.sleep(for: timing.renewInterval)
            }
        }
    }

    /// Reports a change of role off the election's thread: what the report does (a master taking
    /// up leadership recovers its whole registry) is the candidate's work, and would otherwise run
    /// here, as the task's executor preference, beside the renewals. Cancelling the election
    /// (leadership lost) cancels the report too, as when it ran in the election's own task.
    private func tell(_ report: @escaping @Sendable (Role) async -> Void, _ role: Role) async {
        let reporting = Task(executorPreference: globalConcurrentExecutor) { await report(role) }
        await withTaskCancellationHandler {
            await reporting.value
        } onCancel: {
            reporting.cancel()
        }
    }

    /// Reports the current leader and waits for its key to go away.
    private func followUntilVacant(report: @escaping @Sendable (Role) async -> Void) async throws {
        guard let kv = try await store.get(key) else { return }
        await tell(report, .following(try? JSONDecoder().decode(Candidate.self, from: kv.value)))
        do {
            for try await event in store.watch(prefix: key, fromRevision: kv.modRevision + 1)
            where event.key == key {
                if case .delete = event {
                    await tell(report, .following(nil))
                    return
                }
            }
        } catch let error as StoreError where error != .closed {
            // A broken watch: look again.
        }
    }

    /// Sends a renewal every `renewInterval` without waiting for the last one to come back
    /// (at most four in flight): while etcd elects a leader of its own, renewals hang, and the
    /// first one sent after it has one should not wait behind them.
    private func keepLeaseAlive() async throws {
        var renewals: [Task<Void, Never>] = []
        defer { for renewal in renewals { renewal.cancel() } }
        while true {
            try await Task.sleep(for: timing.renewInterval)
            if let failure = renewalFailure { throw failure }
            guard renewalsInFlight < 4 else { continue }
            renewalsInFlight += 1
            let sent = now()
            let current = lease
            renewals.append(Task(executorPreference: executor) { await self.renew(current, sentAt: sent) })
            // Older handles belong to renewals long finished (each is bounded by its timeouts).
            if renewals.count > 8 { renewals.removeFirst(renewals.count - 8) }
        }
    }

    private func renew(_ renewed: Int64, sentAt sent: ContinuousClock.Instant) async {
        defer { renewalsInFlight -= 1 }
        do {
            try await store.keepAlive(lease: renewed)
            if sent > lastRenewal { lastRenewal = sent }
        } catch StoreError.leaseNotFound {
            guard renewed == lease else { return }
            if leading {
                renewalFailure = LeadershipLost(description: "the store expired the leader's lease")
                return
            }
            do { lease = try await grantLease() } catch { renewalFailure = error }
        } catch let error as StoreError where error == .closed {
            renewalFailure = error
        } catch {
            // Unreachable store, or etcd electing a leader of its own: the next renewal tries
            // again, until `watchRenewalDeadline` gives up.
        }
    }

    /// Checks the renewal deadline on its own clock, so that a renewal stuck on an unreachable
    /// member cannot hold the leader past it.
    private func watchRenewalDeadline() async throws {
        while true {
            try await Task.sleep(for: .milliseconds(100))
            if let failure = renewalFailure { throw failure }
            let silent = lastRenewal.duration(to: now())
            if leading && silent > timing.ttl - timing.renewMargin {
                throw LeadershipLost(description: "lease not renewed for \(silent) (TTL \(timing.ttl))")
            }
        }
    }
}
