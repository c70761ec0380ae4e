/// Scalar amounts by resource name, ignoring reservations and allocation roles, in Mesos'
/// fixed point (thousandths). Used for DRF shares, quota consumption and cluster totals,
/// where exact integer arithmetic keeps long-running sums from drifting.
public struct ResourceQuantities: Hashable, Sendable, CustomStringConvertible {
    public struct Item: Hashable, Sendable {
        public var name: String
        /// Thousandths of a unit; never zero inside a `ResourceQuantities`.
        public var millis: Int64
    }

    /// Sorted by name; zero amounts are not stored.
    public private(set) var items: [Item]

    public init() { items = [] }

    /// From plain numbers (rounded to thousandths; non-finite values ignored).
    public init(_ amounts: [String: Double]) {
        items = amounts.compactMap { name, value in
            guard let millis = FixedPoint.millis(value), millis != 0 else { return nil }
            return Item(name: name, millis: millis)
        }.sorted { $0.name < $1.name }
    }

    init(sortedItems: [Item]) { items = sortedItems }

    public var isEmpty: Bool { items.isEmpty }

    public subscript(name: String) -> Double { FixedPoint.double(millis(name)) }

    public func millis(_ name: String) -> Int64 {
        for item in items where item.name == name { return item.millis }
        return 0
    }

    public var names: [String] { items.map(\.name) }

    public var dictionary: [String: Double] {
        Dictionary(uniqueKeysWithValues: items.map { ($0.name, FixedPoint.double($0.millis)) })
    }

    public var description: String {
        items.map { "\($0.name):\(ResourceFormat.scalar($0.millis))" }.joined(separator: "; ")
    }

    public static func + (lhs: ResourceQuantities, rhs: ResourceQuantities) -> ResourceQuantities {
        combine(lhs, rhs) { $0 &+ $1 }
    }

    /// Subtraction clamped at zero per name.
    public static func - (lhs: ResourceQuantities, rhs: ResourceQuantities) -> ResourceQuantities {
        combine(lhs, rhs) { max($0 &- $1, 0) }
    }

    // In place when both sides name the same resources (a share being charged or refunded
    // the same kinds of resource it holds), which spares the allocator an array per offer.
    public static func += (lhs: inout ResourceQuantities, rhs: ResourceQuantities) {
        guard lhs.hasSameNames(as: rhs) else {
            lhs = lhs + rhs
            return
        }
        for index in rhs.items.indices { lhs.items[index].millis &+= rhs.items[index].millis }
        lhs.items.removeAll { $0.millis == 0 }
    }

    public static func -= (lhs: inout ResourceQuantities, rhs: ResourceQuantities) {
        guard lhs.hasSameNames(as: rhs) else {
            lhs = lhs - rhs
            return
        }
        for index in rhs.items.indices {
            lhs.items[index].millis = max(lhs.items[index].millis &- rhs.items[index].millis, 0)
        }
        lhs.items.removeAll { $0.millis == 0 }
    }

    private func hasSameNames(as other: ResourceQuantities) -> Bool {
        guard items.count == other.items.count else { return false }
        for index in items.indices where items[index].name != other.items[index].name { return false }
        return true
    }

    /// True when every amount of `other` is at most the amount here.
    public func contains(_ other: ResourceQuantities) -> Bool {
        other.items.allSatisfy { millis($0.name) >= $0.millis }
    }

    private static func combine(
        _ lhs: ResourceQuantities, _ rhs: ResourceQuantities, _ operation: (Int64, Int64) -> Int64
    ) -> ResourceQuantities {
        if rhs.items.isEmpty { return lhs }
        var result: [Item] = []
        result.reserveCapacity(lhs.items.count + rhs.items.count)
        var i = 0
        var j = 0
        let left = lhs.items
        let right = rhs.items
        while i < left.count || j < right.count {
            let name: String
            let value: Int64
            if j == right.count || (i < left.count && left[i].name < right[j].name) {
                name = left[i].name
                value = operation(left[i].millis, 0)
                i += 1
            } else if i == left.count || right[j].name < left[i].name {
                name = right[j].name
                value = operation(0, right[j].millis)
                j += 1
            } else {
                name = left[i].name
                value = operation(left[i].millis, right[j].millis)
                i += 1
                j += 1
            }
            if value != 0 { result.append(Item(name: name, millis: value)) }
        }
        return ResourceQuantities(sortedItems: result)
    }
}

extension Resources {
    /// Scalar amounts by name over every reservation and allocation role.
    public var scalarQuantities: ResourceQuantities {
        // Entries are sorted by name first, so equal names are neighbours.
        var items: [ResourceQuantities.Item] = []
        for entry in entries {
            guard case .scalar(let millis) = entry.value else { continue }
            if let last = items.last, last.name == entry.key.name {
                items[items.count - 1].millis &+= millis
            } else {
                items.append(ResourceQuantities.Item(name: entry.key.name, millis: millis))
            }
        }
        items.removeAll { $0.millis == 0 }
        return ResourceQuantities(sortedItems: items)
    }

    /// Scalar amounts of the entries for which `isCounted(reservationRole)` holds
    /// (`reservationRole` is nil for unreserved entries).
    public func scalarQuantities(where isCounted: (_ reservationRole: String?) -> Bool) -> ResourceQuantities {
        filtered { entry in
            if case .scalar = entry.value { return isCounted(entry.key.reservationRole) }
            return false
        }.scalarQuantities
    }

    /// Shrinks scalar entries so that, per name listed in `headroom`, the entries selected by
    /// `consumes(reservationRole)` add up to at most the headroom (entries are cut in order;
    /// a name with no headroom left disappears). Other entries are kept whole. This is how quota
    /// limits trim an offer: reserved resources of the role do not consume its quota.
    public func shrinkingScalars(
        toFit headroom: ResourceQuantities, limitedNames: Set<String>,
        consumes: (_ reservationRole: String?) -> Bool
    ) -> Resources {
        var remaining: [String: Int64] = [:]
        for name in limitedNames { remaining[name] = max(headroom.millis(name), 0) }
        var kept: [ResourceEntry] = []
        kept.reserveCapacity(entries.count)
        for entry in entries {
            guard case .scalar(let millis) = entry.value, let left = remaining[entry.key.name],
                consumes(entry.key.reservationRole)
            else {
                kept.append(entry)
                continue
            }
            let granted = min(millis, left)
            remaining[entry.key.name] = left - granted
            if granted > 0 { kept.append(ResourceEntry(key: entry.key, value: .scalar(granted))) }
        }
        return Resources(sortedEntries: kept)
    }
}
