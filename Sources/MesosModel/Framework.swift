/// `FrameworkInfo` as a scheduler sends it in SUBSCRIBE.
public struct FrameworkInfo: Codable, Hashable, Sendable {
    public struct Capability: Codable, Hashable, Sendable {
        /// Kept as a string: an unknown capability name is ignored, as Mesos does for optional enums.
        public var type: String?
        public init(type: String) { self.type = type }
    }

    public var user: String
    public var name: String
    public var id: FrameworkID?
    public var failoverTimeout: Double?
    public var checkpoint: Bool?
    public var role: String?
    public var roles: [String]?
    public var hostname: String?
    public var principal: String?
    public var webuiURL: String?
    public var capabilities: [Capability]?
    public var labels: Labels?
    public var offerFilters: JSONValue?

    enum CodingKeys: String, CodingKey {
        case user, name, id, checkpoint, role, roles, hostname, principal, capabilities, labels
        case failoverTimeout = "failover_timeout"
        case webuiURL = "webui_url"
        case offerFilters = "offer_filters"
    }

    public init(user: String, name: String, id: FrameworkID? = nil, failoverTimeout: Double? = nil, role: String? = nil)
    {
        self.user = user
        self.name = name
        self.id = id
        self.failoverTimeout = failoverTimeout
        self.role = role
    }

    public func hasCapability(_ name: String) -> Bool {
        capabilities?.contains { $0.type == name } ?? false
    }

    public var isMultiRole: Bool { hasCapability("MULTI_ROLE") }
    public var isPartitionAware: Bool { hasCapability("PARTITION_AWARE") }
    public var hasTaskKillingState: Bool { hasCapability("TASK_KILLING_STATE") }
    public var understandsReservationRefinement: Bool { hasCapability("RESERVATION_REFINEMENT") }

    /// The roles this framework is subscribed to: `roles` for MULTI_ROLE frameworks,
    /// otherwise the single legacy `role` (default `*`).
    public var effectiveRoles: [String] {
        if isMultiRole { return roles ?? [] }
        return [role ?? "*"]
    }
}

/// `Filters` attached to ACCEPT and DECLINE.
public struct Filters: Codable, Hashable, Sendable {
    public var refuseSeconds: Double?
    enum CodingKeys: String, CodingKey { case refuseSeconds = "refuse_seconds" }
    public init(refuseSeconds: Double?) { self.refuseSeconds = refuseSeconds }

    /// Mesos: default 5 s; negative means default; more than a year is capped at a year.
    public var effectiveRefuseSeconds: Double {
        guard let seconds = refuseSeconds, seconds.isFinite || seconds > 0 else { return 5 }
        if seconds < 0 { return 5 }
        return min(seconds, 365 * 24 * 3600)
    }
}

public struct Address: Codable, Hashable, Sendable {
    public var hostname: String?
    public var ip: String?
    public var port: Int
    public init(hostname: String?, ip: String?, port: Int) {
        self.hostname = hostname
        self.ip = ip
        self.port = port
    }
}

public struct MasterInfo: Codable, Hashable, Sendable {
    public var id: String
    public var ip: UInt32
    public var port: Int
    public var pid: String?
    public var hostname: String?
    public var version: String?
    public var address: Address?

    public init(id: String, ip: UInt32, port: Int, pid: String?, hostname: String?, version: String?, address: Address?)
    {
        self.id = id
        self.ip = ip
        self.port = port
        self.pid = pid
        self.hostname = hostname
        self.version = version
        self.address = address
    }
}

public struct AgentInfo: Codable, Hashable, Sendable {
    public struct Capability: Codable, Hashable, Sendable {
        public var type: String?
        public init(type: String) { self.type = type }
    }
    public var hostname: String
    public var port: Int?
    public var resources: [Resource]?
    public var attributes: [Attribute]?
    public var id: AgentID?
    public var capabilities: [Capability]?

    public init(
        hostname: String, port: Int?, resources: [Resource]?, attributes: [Attribute]?, id: AgentID?,
        capabilities: [Capability]? = nil
    ) {
        self.hostname = hostname
        self.port = port
        self.resources = resources
        self.attributes = attributes
        self.id = id
        self.capabilities = capabilities
    }
}

/// The version Mesokube reports as its Mesos API level. pymesos int()-parses every dotted part.
public let mesosAPIVersion = "1.11.0"
