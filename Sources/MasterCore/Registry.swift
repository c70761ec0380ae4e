import MesosModel

/// The master's durable state (Mesos' registry): what must survive a master restart.
/// Frameworks, tasks and offers are not here: agents re-register with their tasks and
/// frameworks re-subscribe. Framework ids and failover timeouts are kept so that a
/// framework that never comes back is still removed once its failover timeout passes.
public struct MasterRegistry: Codable, Hashable, Sendable {
    public struct AdmittedAgent: Codable, Hashable, Sendable {
        public var info: AgentInfo
        public var endpoint: String
        public init(info: AgentInfo, endpoint: String) {
            self.info = info
            self.endpoint = endpoint
        }
    }

    public struct KnownFramework: Codable, Hashable, Sendable {
        public var info: FrameworkInfo
        /// Absolute deadline (epoch seconds) if the framework was disconnected when written.
        public var failoverDeadline: Double?
        public init(info: FrameworkInfo, failoverDeadline: Double?) {
            self.info = info
            self.failoverDeadline = failoverDeadline
        }
    }

    /// Keyed by agent id value.
    public var agents: [String: AdmittedAgent] = [:]
    public var weights: [String: Double] = [:]
    public var quotas: [String: [String: Double]] = [:]
    /// Dynamic reservations per agent id value, in post-refinement form.
    public var reservations: [String: [Resource]] = [:]
    public var frameworks: [String: KnownFramework] = [:]
    /// Ids of frameworks that were torn down or timed out; they may not re-subscribe.
    public var removedFrameworks: [String] = []

    public init() {}
}

extension MasterCore {
    /// Rebuilds the in-memory view from the registry at start-up.
    mutating func recoverFromRegistry(now: Double) {
        for (key, admitted) in registry.agents {
            let id = AgentID(key)
            let base = Resources(admitted.info.resources ?? [])
            let total = applyingReservations(base, reservations: registry.reservations[key] ?? [])
            agents[id] = AgentRecord(
                id: id, info: admitted.info, endpoint: admitted.endpoint, version: mesosAPIVersion, sessionID: nil,
                baseResources: base, totalResources: total, registeredTime: now, reregisteredTime: nil,
                removalDeadline: now + config.agentReregisterTimeoutSeconds, recovered: true, removed: false)
        }
        for (key, known) in registry.frameworks {
            let id = FrameworkID(key)
            let timeout = known.info.failoverTimeout ?? 0
            let deadline = min(known.failoverDeadline ?? .infinity, now + max(timeout, 0))
            frameworks[id] = FrameworkRecord(
                id: id, info: known.info, streamID: nil, active: false, recovered: true, registeredTime: now,
                failoverDeadline: deadline, suppressedRoles: [])
            allocator.addFramework(
                id, roles: Set(known.info.effectiveRoles), suppressedRoles: [], active: false, used: [:])
        }
    }

    /// Applies dynamic reservations: each reserved resource is carved out of the
    /// unreserved pool it was made from.
    func applyingReservations(_ base: Resources, reservations: [Resource]) -> Resources {
        var total = base
        for resource in reservations {
            let reserved = Resources([resource])
            let source = reserved.poppingReservation()
            if total.contains(source) {
                total -= source
                total += reserved
            }
        }
        return total
    }

    /// Records a framework's current info and failover deadline in the registry.
    mutating func registerFrameworkInRegistry(_ record: FrameworkRecord) {
        registry.frameworks[record.id.value] = MasterRegistry.KnownFramework(
            info: record.info, failoverDeadline: record.failoverDeadline)
    }
}
