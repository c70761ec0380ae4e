/// A normalised bag of Mesos resources with Mesos' arithmetic (`+`, `-`, `contains`).
///
/// Normal form: entries that share name, type, reservation stack, unsupported-field payload
/// (`disk`, `revocable`, `shared`, `provider_id`) and allocation role are merged into one;
/// zero scalars and empty ranges/sets are dropped; entries are kept in one deterministic order,
/// so two equal bags compare equal and encode identically.
///
/// Scalars use Mesos' fixed point of three decimal digits (thousandths), so
/// `0.1 + 0.2 - 0.3 == 0` holds exactly. Subtracting something that is not contained clamps:
/// scalars never go below zero and ranges/sets lose only what they had in common.
///
/// Reservations are always held in the post-refinement form (a `reservations` stack).
/// The deprecated `role`/`reservation` fields are upgraded on input and can be produced
/// again with `preRefinementFormat()` for frameworks without RESERVATION_REFINEMENT.
public struct Resources: Hashable, Sendable {
    /// Sorted by `ResourceKey.compare`, one entry per key, no empty values.
    var entries: [ResourceEntry]

    init(sortedEntries: [ResourceEntry]) {
        entries = sortedEntries
    }

    /// Builds the normal form from entries in any order (duplicates are merged).
    init(unsortedEntries: [ResourceEntry]) {
        var sorted = unsortedEntries
        sorted.sort { $0.key.compare($1.key) < 0 }
        entries = ResourceEntry.mergingAdjacent(sorted)
    }

    /// The empty bag (without the normalising pass of `init(_:)`, which allocates).
    public init() {
        entries = []
    }

    /// Normalises `resources`: merges equal entries, drops zero/empty ones and upgrades the
    /// pre-refinement format (`role` without `reservations` becomes a STATIC reservation,
    /// `reservation{}` a DYNAMIC one). Unrepresentable entries (non-finite scalars, ranges with
    /// begin > end) are dropped: validate raw input first with `Resources.validationError(_:)`.
    public init(_ resources: [Resource]) {
        var collected: [ResourceEntry] = []
        collected.reserveCapacity(resources.count)
        for resource in resources {
            if let entry = ResourceEntry(resource) { collected.append(entry) }
        }
        self.init(unsortedEntries: collected)
    }

    /// The resources in post-refinement JSON shape, in normal-form order.
    public var list: [Resource] { entries.map { $0.resource() } }

    public var isEmpty: Bool { entries.isEmpty }

    /// Number of normalised entries (not a quantity).
    public var count: Int { entries.count }

    /// Sum of the scalar `name` over every reservation and allocation role.
    public func scalar(_ name: String) -> Double {
        Double(scalarMillis(name)) / 1000
    }

    func scalarMillis(_ name: String) -> Int64 {
        var total: Int64 = 0
        for entry in entries where entry.key.name == name {
            if case .scalar(let millis) = entry.value { total += millis }
        }
        return total
    }

    public var cpus: Double { scalar("cpus") }
    public var mem: Double { scalar("mem") }
    public var disk: Double { scalar("disk") }
    public var gpus: Double { scalar("gpus") }

    /// Union of the range resource `name` over every reservation, coalesced.
    public func ranges(_ name: String) -> [ClosedRange<UInt64>] {
        var collected: [ClosedRange<UInt64>] = []
        for entry in entries where entry.key.name == name {
            if case .ranges(let ranges) = entry.value { collected.append(contentsOf: ranges) }
        }
        return RangeArithmetic.normalised(collected)
    }

    /// Union of the set resource `name` over every reservation, sorted.
    public func setItems(_ name: String) -> [String] {
        var collected: [String] = []
        for entry in entries where entry.key.name == name {
            if case .set(let items) = entry.value { collected.append(contentsOf: items) }
        }
        return Array(Set(collected)).sorted()
    }

    /// Every resource name present.
    public var names: Set<String> { Set(entries.map(\.key.name)) }

    /// Keeps the entries for which `isIncluded` holds; the order stays normal. When every
    /// entry is kept the bag itself is returned, without building a copy (the allocator asks
    /// this of every agent in every run, and most agents hold only unreserved resources).
    func filtered(_ isIncluded: (ResourceEntry) -> Bool) -> Resources {
        guard let firstDropped = entries.firstIndex(where: { !isIncluded($0) }) else { return self }
        var kept = Array(entries[..<firstDropped])
        for entry in entries[(firstDropped + 1)...] where isIncluded(entry) { kept.append(entry) }
        return Resources(sortedEntries: kept)
    }

    /// Keeps the resources whose JSON form satisfies `isIncluded` (convenience for callers
    /// outside the module; slower than the typed accessors).
    public func filter(_ isIncluded: (Resource) -> Bool) -> Resources {
        filtered { isIncluded($0.resource()) }
    }
}

extension Resources: Codable {
    /// Decodes a JSON array of `Resource` and normalises it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self.init(try container.decode([Resource].self))
    }

    /// Encodes as a JSON array of `Resource` (post-refinement format).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(list)
    }
}

extension Resources: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: Resource...) {
        self.init(elements)
    }
}
