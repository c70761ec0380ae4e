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

    /// An agent the master gave up on (Mesos' unreachable list): kept so that a master that
    /// takes over still knows it and answers for its tasks, until it returns or is pruned.
    public struct UnreachableAgent: Codable, Hashable, Sendable {
        public var info: AgentInfo
        public var endpoint: String
        /// When it was marked unreachable (epoch seconds).
        public var time: Double
        public init(info: AgentInfo, endpoint: String, time: Double) {
            self.info = info
            self.endpoint = endpoint
            self.time = time
        }
    }

    /// Keyed by agent id value.
    public var agents: [String: AdmittedAgent] = [:]
    /// Keyed by agent id value; an agent is in `agents` or here, never both.
    public var unreachable: [String: UnreachableAgent] = [:]
    public var weights: [String: Double] = [:]
    public var quotas: [String: [String: Double]] = [:]
    /// Dynamic reservations per agent id value, in post-refinement form.
    public var reservations: [String: [Resource]] = [:]
    public var frameworks: [String: KnownFramework] = [:]
    /// Ids of frameworks that were torn down or timed out; they may not re-subscribe.
    public var removedFrameworks: [String] = []

    public init() {}

    /// Registries written before the unreachable list existed read with an empty one.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        agents = try container.decode([String: AdmittedAgent].self, forKey: .agents)
        unreachable = try container.decodeIfPresent([String: UnreachableAgent].self, forKey: .unreachable) ?? [:]
        weights = try container.decode([String: Double].self, forKey: .weights)
        quotas = try container.decode([String: [String: Double]].self, forKey: .quotas)
        reservations = try container.decode([String: [Resource]].self, forKey: .reservations)
        frameworks = try container.decode([String: KnownFramework].self, forKey: .frameworks)
        removedFrameworks = try container.decode([String].self, forKey: .removedFrameworks)
    }
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
        for (key, gone) in registry.unreachable {
            let id = AgentID(key)
            let base = Resources(gone.info.resources ?? [])
            agents[id] = AgentRecord(
                id: id, info: gone.info, endpoint: gone.endpoint, version: mesosAPIVersion, sessionID: nil,
                baseResources: base, totalResources: base, registeredTime: gone.time, reregisteredTime: nil,
                removalDeadline: nil, recovered: false, removed: true)
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

    /// Moves an agent from the admitted list to the unreachable one.
    mutating func recordUnreachable(_ agentID: AgentID, now: Double) {
        guard let admitted = registry.agents.removeValue(forKey: agentID.value) else { return }
        registry.unreachable[agentID.value] = MasterRegistry.UnreachableAgent(
            info: admitted.info, endpoint: admitted.endpoint, time: now)
    }

    /// Mesos' `--registry_max_agent_age` and `--registry_max_agent_count`: unreachable agents
    /// older than the age, and the oldest beyond the count, are forgotten. One that returns
    /// later is admitted as any re-registering agent is; its tasks are then new to frameworks.
    mutating func pruneUnreachableAgents(now: Double) -> [MasterAction] {
        guard
            registry.unreachable.count > config.registryMaxAgentCount
                || registry.unreachable.values.contains(where: { now - $0.time > config.registryMaxAgentAgeSeconds })
        else { return [] }
        let byAge = registry.unreachable.sorted { ($0.value.time, $0.key) > ($1.value.time, $1.key) }
        let pruned = byAge.enumerated().filter { index, entry in
            index >= config.registryMaxAgentCount || now - entry.value.time > config.registryMaxAgentAgeSeconds
        }
        guard !pruned.isEmpty else { return [] }
        for (_, entry) in pruned {
            registry.unreachable[entry.key] = nil
            agents[AgentID(entry.key)] = nil
        }
        return [.persistRegistry]
    }
}
