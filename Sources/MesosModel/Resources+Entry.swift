/// Fields Mesokube carries but does not interpret; they make a resource distinct.
struct ResourceExtras: Hashable, Sendable {
    var disk: JSONValue?
    var revocable: JSONValue?
    var shared: JSONValue?
    var providerID: JSONValue?

    init?(_ resource: Resource) {
        if resource.disk == nil, resource.revocable == nil, resource.shared == nil, resource.providerID == nil {
            return nil
        }
        disk = resource.disk
        revocable = resource.revocable
        shared = resource.shared
        providerID = resource.providerID
    }

    /// Deterministic text used only to order entries that differ in these fields.
    var canonicalText: String {
        [disk, revocable, shared, providerID].map { $0.map(canonicalJSONText) ?? "-" }.joined(separator: "|")
    }
}

/// Everything that identifies a resource apart from its amount.
struct ResourceKey: Hashable, Sendable {
    var name: String
    var type: Resource.ValueType
    /// Post-refinement reservation stack; empty = unreserved.
    var reservations: [Resource.Reservation]
    var extras: ResourceExtras?
    /// Compared last on purpose: changing every entry's allocation role keeps the order sorted.
    var allocationRole: String?

    /// The role the resource is reserved for (top of the stack), nil when unreserved.
    var reservationRole: String? { reservations.last?.role }

    /// Total order: name, type, reservations, extras, allocation role.
    func compare(_ other: ResourceKey) -> Int {
        if name != other.name { return name < other.name ? -1 : 1 }
        if type != other.type { return type.rank < other.type.rank ? -1 : 1 }
        let byReservations = compareReservationStacks(reservations, other.reservations)
        if byReservations != 0 { return byReservations }
        if (extras != nil || other.extras != nil) && extras != other.extras {
            guard let left = extras else { return -1 }
            guard let right = other.extras else { return 1 }
            return compareText(left.canonicalText, right.canonicalText)
        }
        return compareOptionalText(allocationRole, other.allocationRole)
    }
}

/// The amount of one resource; the case always matches the key's type.
enum ResourceValue: Hashable, Sendable {
    /// Thousandths (Mesos fixed point).
    case scalar(Int64)
    /// Sorted, disjoint, non-adjacent ranges.
    case ranges([ClosedRange<UInt64>])
    /// Sorted, unique items.
    case set([String])

    var isEmpty: Bool {
        switch self {
        case .scalar(let millis): return millis == 0
        case .ranges(let ranges): return ranges.isEmpty
        case .set(let items): return items.isEmpty
        }
    }
}

struct ResourceEntry: Hashable, Sendable {
    var key: ResourceKey
    var value: ResourceValue

    init(key: ResourceKey, value: ResourceValue) {
        self.key = key
        self.value = value
    }

    /// Converts a JSON `Resource`, upgrading the pre-refinement format. Nil when empty or
    /// unrepresentable (missing value field, non-finite scalar, begin > end).
    init?(_ resource: Resource) {
        guard let value = ResourceEntry.value(of: resource), !value.isEmpty else { return nil }
        key = ResourceKey(
            name: resource.name, type: resource.type, reservations: ResourceEntry.reservationStack(of: resource),
            extras: ResourceExtras(resource), allocationRole: resource.allocationInfo?.role)
        self.value = value
    }

    private static func value(of resource: Resource) -> ResourceValue? {
        switch resource.type {
        case .scalar:
            guard let scalar = resource.scalar, let millis = FixedPoint.millis(scalar.value) else { return nil }
            return .scalar(millis)
        case .ranges:
            guard let ranges = resource.ranges else { return nil }
            var closed: [ClosedRange<UInt64>] = []
            for range in ranges.range where range.begin <= range.end {
                closed.append(range.begin...range.end)
            }
            return .ranges(RangeArithmetic.normalised(closed))
        case .set:
            guard let set = resource.set else { return nil }
            return .set(Array(Set(set.item)).sorted())
        }
    }

    /// Post-refinement stack for `resource`: `reservations` wins; otherwise a role other than
    /// `*` becomes STATIC, or DYNAMIC when the pre-refinement `reservation` field is present.
    static func reservationStack(of resource: Resource) -> [Resource.Reservation] {
        if let stack = resource.reservations, !stack.isEmpty { return stack }
        guard let role = resource.role, role != "*" else { return [] }
        if let info = resource.reservation {
            return [Resource.Reservation(type: .dynamic, role: role, principal: info.principal, labels: info.labels)]
        }
        return [Resource.Reservation(type: .static, role: role)]
    }

    /// Post-refinement JSON shape.
    func resource() -> Resource {
        var resource = Resource(name: key.name, type: key.type)
        switch value {
        case .scalar(let millis): resource.scalar = Resource.Scalar(value: FixedPoint.double(millis))
        case .ranges(let ranges):
            resource.ranges = Resource.Ranges(
                range: ranges.map { Resource.ValueRange(begin: $0.lowerBound, end: $0.upperBound) })
        case .set(let items): resource.set = Resource.ValueSet(item: items)
        }
        if !key.reservations.isEmpty { resource.reservations = key.reservations }
        if let role = key.allocationRole { resource.allocationInfo = AllocationInfo(role: role) }
        if let extras = key.extras {
            resource.disk = extras.disk
            resource.revocable = extras.revocable
            resource.shared = extras.shared
            resource.providerID = extras.providerID
        }
        return resource
    }

    /// Merges runs of equal keys in a sorted array and drops entries that end up empty.
    static func mergingAdjacent(_ sorted: [ResourceEntry]) -> [ResourceEntry] {
        var merged: [ResourceEntry] = []
        merged.reserveCapacity(sorted.count)
        for entry in sorted {
            if let last = merged.last, last.key == entry.key {
                merged[merged.count - 1].value = ValueArithmetic.adding(last.value, entry.value)
            } else {
                merged.append(entry)
            }
        }
        merged.removeAll { $0.value.isEmpty }
        return merged
    }
}

/// Mesos stores scalars as doubles but does arithmetic in thousandths.
enum FixedPoint {
    /// Largest magnitude kept exactly; beyond it values are clamped (far above any real resource).
    static let limit: Int64 = 9_000_000_000_000_000

    static func millis(_ value: Double) -> Int64? {
        guard value.isFinite else { return nil }
        let scaled = (value * 1000).rounded()
        if scaled >= Double(limit) { return limit }
        if scaled <= -Double(limit) { return -limit }
        return Int64(scaled)
    }

    static func double(_ millis: Int64) -> Double { Double(millis) / 1000 }
}

extension Resource.ValueType {
    var rank: Int {
        switch self {
        case .scalar: return 0
        case .ranges: return 1
        case .set: return 2
        }
    }
}

// MARK: - Ordering helpers

private func compareText(_ left: String, _ right: String) -> Int {
    left == right ? 0 : (left < right ? -1 : 1)
}

private func compareOptionalText(_ left: String?, _ right: String?) -> Int {
    switch (left, right) {
    case (nil, nil): return 0
    case (nil, _): return -1
    case (_, nil): return 1
    case (let left?, let right?): return compareText(left, right)
    }
}

private func compareReservationStacks(_ left: [Resource.Reservation], _ right: [Resource.Reservation]) -> Int {
    if left.count != right.count { return left.count < right.count ? -1 : 1 }
    for (one, other) in zip(left, right) {
        let order = compareReservations(one, other)
        if order != 0 { return order }
    }
    return 0
}

private func compareReservations(_ left: Resource.Reservation, _ right: Resource.Reservation) -> Int {
    if left == right { return 0 }
    let byRole = compareOptionalText(left.role, right.role)
    if byRole != 0 { return byRole }
    let byType = compareOptionalText(left.type?.rawValue, right.type?.rawValue)
    if byType != 0 { return byType }
    let byPrincipal = compareOptionalText(left.principal, right.principal)
    if byPrincipal != 0 { return byPrincipal }
    return compareLabels(left.labels?.labels, right.labels?.labels)
}

private func compareLabels(_ left: [Label]?, _ right: [Label]?) -> Int {
    guard let left else { return right == nil ? 0 : -1 }
    guard let right else { return 1 }
    if left.count != right.count { return left.count < right.count ? -1 : 1 }
    for (one, other) in zip(left, right) {
        let byKey = compareText(one.key, other.key)
        if byKey != 0 { return byKey }
        let byValue = compareOptionalText(one.value, other.value)
        if byValue != 0 { return byValue }
    }
    return 0
}

/// JSON text with sorted object keys, so equal values always print the same.
private func canonicalJSONText(_ value: JSONValue) -> String {
    switch value {
    case .null: return "null"
    case .bool(let flag): return flag ? "true" : "false"
    case .number(let number): return "\(number)"
    case .string(let text):
        return "\"" + escapedForCanonicalText(text) + "\""
    case .array(let items): return "[" + items.map(canonicalJSONText).joined(separator: ",") + "]"
    case .object(let object):
        let fields = object.keys.sorted().map { "\"\($0)\":" + canonicalJSONText(object[$0]!) }
        return "{" + fields.joined(separator: ",") + "}"
    }
}

/// Escapes backslashes and quotes so distinct strings never print the same.
private func escapedForCanonicalText(_ text: String) -> String {
    var result = ""
    for character in text {
        if character == "\\" || character == "\"" { result.append("\\") }
        result.append(character)
    }
    return result
}
