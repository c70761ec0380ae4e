/// Whether one agent may take one more instance of an app under its placement constraints.
///
/// Public API for the framework shell:
/// - `AgentFacts(offer:)` / `AgentFacts(hostname:attributes:region:zone:)`: what constraints look at.
/// - `constraint.accepts(candidate, placed:)`: one constraint; `placed` are the agents of the app's
///   tasks that are running or being launched (include those accepted earlier in the same offer cycle).
/// - `ConstraintPlacement.unmet(constraints, candidate:, placed:)`: the constraints that refuse the agent
///   (empty = the agent fits), for `/v2/queue` reject summaries (`UnfulfilledConstraint`).
/// Semantics (reference §2): field `hostname`/`@hostname`, `@region`, `@zone`, else an agent attribute
/// rendered as Marathon does (scalars like Java's `Double.toString`, ranges `[b-e,...]`, sets `{a,b}`).
/// An agent lacking the field is accepted only by UNLIKE. IS compares scalars rounded to 3 decimals
/// (half-even). GROUP_BY never asks to kill for rebalancing; it only steers new instances.
import MesosModel

public struct AgentFacts: Hashable, Sendable {
    public var hostname: String
    public var attributes: [Attribute]
    public var region: String?
    public var zone: String?

    public init(hostname: String, attributes: [Attribute] = [], region: String? = nil, zone: String? = nil) {
        self.hostname = hostname
        self.attributes = attributes
        self.region = region
        self.zone = zone
    }

    public init(offer: Offer) {
        self.init(hostname: offer.hostname, attributes: offer.attributes ?? [])
    }

    /// The value a constraint field names on this agent, or nil when the agent lacks it.
    public func value(of field: String) -> String? {
        switch field {
        case "hostname", "@hostname": return hostname
        case "@region": return region
        case "@zone": return zone
        default: return attributes.first { $0.name == field }.map(Self.render)
        }
    }

    func scalar(of field: String) -> Double? {
        attributes.first { $0.name == field && $0.type == .scalar }?.scalar?.value
    }

    static func render(_ attribute: Attribute) -> String {
        switch attribute.type {
        case .text: return attribute.text?.value ?? ""
        case .scalar: return javaDouble(attribute.scalar?.value ?? 0)
        case .ranges:
            let ranges = attribute.ranges?.range.map { "\($0.begin)-\($0.end)" } ?? []
            return "[" + ranges.joined(separator: ",") + "]"
        case .set: return "{" + (attribute.set?.item ?? []).joined(separator: ",") + "}"
        }
    }

    /// Java's `Double.toString` for ordinary magnitudes: integral values keep a `.0`.
    static func javaDouble(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e7 ? "\(Int64(value)).0" : "\(value)"
    }
}

extension PlacementConstraint {
    public func accepts(_ candidate: AgentFacts, placed: [AgentFacts]) -> Bool {
        guard let value = candidate.value(of: field) else { return `operator` == .unlike }
        let placedValues = placed.compactMap { $0.value(of: field) }
        switch `operator` {
        case .unique:
            return !placedValues.contains(value)
        case .cluster:
            if let wanted = self.value { return value == wanted }
            return placedValues.first.map { $0 == value } ?? true
        case .groupBy:
            return acceptsGroupBy(value, placedValues: placedValues)
        case .like:
            return matches(value)
        case .unlike:
            return !matches(value)
        case .maxPer:
            let limit = self.value.flatMap { Int($0) } ?? 0
            return placedValues.filter { $0 == value }.count < limit
        case .is:
            return acceptsIs(value, candidate: candidate)
        }
    }

    /// Accept when the candidate's group holds no more instances than the emptiest group; with an
    /// expected group count, groups not seen yet count as empty.
    private func acceptsGroupBy(_ value: String, placedValues: [String]) -> Bool {
        var counts: [String: Int] = [:]
        for placedValue in placedValues { counts[placedValue, default: 0] += 1 }
        let expectedGroups = self.value.flatMap { Int($0) } ?? 0
        let minimum = counts.count < expectedGroups ? 0 : (counts.values.min() ?? 0)
        return counts[value, default: 0] <= minimum
    }

    private func acceptsIs(_ value: String, candidate: AgentFacts) -> Bool {
        guard let wanted = self.value else { return false }
        if let scalar = candidate.scalar(of: field), let wantedNumber = Double(wanted) {
            return Self.roundHalfEven(scalar) == Self.roundHalfEven(wantedNumber)
        }
        return value == wanted
    }

    static func roundHalfEven(_ value: Double) -> Double {
        (value * 1000).rounded(.toNearestOrEven) / 1000
    }

    private func matches(_ value: String) -> Bool {
        guard let pattern = self.value, let regex = try? Regex(pattern) else { return false }
        return (try? regex.wholeMatch(in: value)) != nil
    }
}

public enum ConstraintPlacement {
    /// The constraints that refuse `candidate`; empty when the agent may take one more instance.
    public static func unmet(
        _ constraints: [PlacementConstraint], candidate: AgentFacts, placed: [AgentFacts]
    )
        -> [PlacementConstraint]
    {
        constraints.filter { !$0.accepts(candidate, placed: placed) }
    }

    public static func accepts(
        _ constraints: [PlacementConstraint], candidate: AgentFacts, placed: [AgentFacts]
    )
        -> Bool
    {
        unmet(constraints, candidate: candidate, placed: placed).isEmpty
    }
}
