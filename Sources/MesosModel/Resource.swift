/// One Mesos `Resource` in its v1 JSON shape.
public struct Resource: Codable, Hashable, Sendable {
    public enum ValueType: String, Codable, Sendable { case scalar = "SCALAR", ranges = "RANGES", set = "SET" }

    public struct Scalar: Codable, Hashable, Sendable {
        public var value: Double
        public init(value: Double) { self.value = value }
    }

    public struct ValueRange: Codable, Hashable, Sendable {
        public var begin: UInt64
        public var end: UInt64
        public init(begin: UInt64, end: UInt64) {
            self.begin = begin
            self.end = end
        }
    }

    public struct Ranges: Codable, Hashable, Sendable {
        public var range: [ValueRange]
        public init(range: [ValueRange]) { self.range = range }
        enum CodingKeys: String, CodingKey { case range }
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            range = try container.decodeIfPresent([ValueRange].self, forKey: .range) ?? []
        }
    }

    public struct ValueSet: Codable, Hashable, Sendable {
        public var item: [String]
        public init(item: [String]) { self.item = item }
        enum CodingKeys: String, CodingKey { case item }
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            item = try container.decodeIfPresent([String].self, forKey: .item) ?? []
        }
    }

    /// One entry of the post-refinement reservation stack.
    public struct Reservation: Codable, Hashable, Sendable {
        public enum Kind: String, Codable, Sendable { case `static` = "STATIC", dynamic = "DYNAMIC" }
        public var type: Kind?
        public var role: String?
        public var principal: String?
        public var labels: Labels?
        public init(type: Kind?, role: String?, principal: String? = nil, labels: Labels? = nil) {
            self.type = type
            self.role = role
            self.principal = principal
            self.labels = labels
        }
    }

    /// Pre-refinement dynamic reservation info (`Resource.reservation`).
    public struct ReservationInfo: Codable, Hashable, Sendable {
        public var principal: String?
        public var labels: Labels?
        public init(principal: String? = nil, labels: Labels? = nil) {
            self.principal = principal
            self.labels = labels
        }
    }

    public var name: String
    public var type: ValueType
    public var scalar: Scalar?
    public var ranges: Ranges?
    public var set: ValueSet?
    /// Deprecated single-role field: `*` for unreserved, the role for reserved resources.
    public var role: String?
    public var reservation: ReservationInfo?
    public var reservations: [Reservation]?
    public var allocationInfo: AllocationInfo?
    /// Fields Mesokube does not support yet; kept so validation can reject them by name.
    public var disk: JSONValue?
    public var revocable: JSONValue?
    public var shared: JSONValue?
    public var providerID: JSONValue?

    enum CodingKeys: String, CodingKey {
        case name, type, scalar, ranges, set, role, reservation, reservations, disk, revocable, shared
        case allocationInfo = "allocation_info"
        case providerID = "provider_id"
    }

    public init(
        name: String, type: ValueType, scalar: Scalar? = nil, ranges: Ranges? = nil, set: ValueSet? = nil,
        role: String? = nil, reservation: ReservationInfo? = nil, reservations: [Reservation]? = nil,
        allocationInfo: AllocationInfo? = nil
    ) {
        self.name = name
        self.type = type
        self.scalar = scalar
        self.ranges = ranges
        self.set = set
        self.role = role
        self.reservation = reservation
        self.reservations = reservations
        self.allocationInfo = allocationInfo
    }

    public static func scalar(_ name: String, _ value: Double, role: String? = nil) -> Resource {
        Resource(name: name, type: .scalar, scalar: Scalar(value: value), role: role)
    }

    public static func ranges(_ name: String, _ ranges: [ClosedRange<UInt64>], role: String? = nil) -> Resource {
        Resource(
            name: name, type: .ranges,
            ranges: Ranges(range: ranges.map { ValueRange(begin: $0.lowerBound, end: $0.upperBound) }), role: role)
    }

    public static func set(_ name: String, _ items: [String], role: String? = nil) -> Resource {
        Resource(name: name, type: .set, set: ValueSet(item: items), role: role)
    }
}

public struct AllocationInfo: Codable, Hashable, Sendable {
    public var role: String?
    public init(role: String?) { self.role = role }
}

public struct Label: Codable, Hashable, Sendable {
    public var key: String
    public var value: String?
    public init(key: String, value: String?) {
        self.key = key
        self.value = value
    }
}

public struct Labels: Codable, Hashable, Sendable {
    public var labels: [Label]
    public init(labels: [Label]) { self.labels = labels }
    enum CodingKeys: String, CodingKey { case labels }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        labels = try container.decodeIfPresent([Label].self, forKey: .labels) ?? []
    }
}

/// Agent attributes (`rack:a;zone:west`), copied verbatim into offers.
public struct Attribute: Codable, Hashable, Sendable {
    public enum ValueType: String, Codable, Sendable {
        case scalar = "SCALAR", ranges = "RANGES", set = "SET", text = "TEXT"
    }
    public struct Text: Codable, Hashable, Sendable {
        public var value: String
        public init(value: String) { self.value = value }
    }
    public var name: String
    public var type: ValueType
    public var scalar: Resource.Scalar?
    public var ranges: Resource.Ranges?
    public var set: Resource.ValueSet?
    public var text: Text?

    public init(
        name: String, type: ValueType, scalar: Resource.Scalar? = nil, ranges: Resource.Ranges? = nil,
        set: Resource.ValueSet? = nil, text: Text? = nil
    ) {
        self.name = name
        self.type = type
        self.scalar = scalar
        self.ranges = ranges
        self.set = set
        self.text = text
    }
}
