import MesosModel

/// Fitting one instance of an app into what is left of an offer (reference §2 "Ports", §5): all of
/// an instance's cpus, mem and disk come from one agent, from resources whose role the app accepts;
/// host ports are the definitions' ports with `requirePorts`, else any offered ports (lowest first,
/// so a decision is reproducible); the agent must satisfy the placement constraints.
///
/// Public API for the framework shell: `OfferMatcher.match(_:available:agent:placed:)` →
/// `OfferMatch` (the resources to launch with, the host ports in port-definition order) or a
/// `Rejection` whose raw value is Marathon's reject-summary reason. On a match `available` shrinks
/// by what the instance takes, so the next instance of the same cycle sees the rest.
public struct OfferMatch: Hashable, Sendable {
    public var resources: [Resource]
    public var hostPorts: [Int]
}

public enum OfferMatcher {
    public enum Rejection: String, Hashable, Sendable, Error {
        case insufficientCpus = "InsufficientCpus"
        case insufficientMemory = "InsufficientMemory"
        case insufficientDisk = "InsufficientDisk"
        case insufficientPorts = "InsufficientPorts"
        case unfulfilledConstraint = "UnfulfilledConstraint"
    }

    public static func match(
        _ app: AppDefinition, available: inout [Resource], agent: AgentFacts, placed: [AgentFacts]
    ) -> Result<OfferMatch, Rejection> {
        guard ConstraintPlacement.accepts(app.constraints, candidate: agent, placed: placed) else {
            return .failure(.unfulfilledConstraint)
        }
        var left = available
        var taken: [Resource] = []
        let scalars: [(String, Double, Rejection)] = [
            ("cpus", app.cpus, .insufficientCpus), ("mem", app.mem, .insufficientMemory),
            ("disk", app.disk, .insufficientDisk),
        ]
        for (name, amount, rejection) in scalars where amount > 0 {
            guard let parts = takeScalar(name, amount, from: &left, accepted: app.acceptedResourceRoles) else {
                return .failure(rejection)
            }
            taken += parts
        }
        guard
            let (ports, portResources) = takePorts(
                requestedPorts(app), from: &left, accepted: app.acceptedResourceRoles)
        else { return .failure(.insufficientPorts) }
        taken += portResources
        available = left
        return .success(OfferMatch(resources: taken, hostPorts: ports))
    }

    /// One entry per host port the instance needs: a fixed port, or nil for any offered port.
    static func requestedPorts(_ app: AppDefinition) -> [Int?] {
        guard app.usesHostNetworking else { return [] }
        return app.portDefinitions.map { app.requirePorts && $0.port != 0 ? $0.port : nil }
    }

    /// `*` for unreserved resources, else the role of the (innermost) reservation.
    static func reservationRole(_ resource: Resource) -> String {
        if let last = resource.reservations?.last, let role = last.role { return role }
        return resource.role ?? "*"
    }

    static func accepts(_ resource: Resource, _ accepted: [String]?) -> Bool {
        guard let accepted, !accepted.isEmpty else { return true }
        return accepted.contains(reservationRole(resource))
    }

    static func takeScalar(
        _ name: String, _ amount: Double, from left: inout [Resource], accepted: [String]?
    ) -> [Resource]? {
        var need = amount
        var parts: [Resource] = []
        for index in left.indices where need > 1e-9 {
            let resource = left[index]
            guard resource.name == name, resource.type == .scalar, let value = resource.scalar?.value, value > 1e-9,
                accepts(resource, accepted)
            else { continue }
            let use = min(value, need)
            var part = resource
            part.scalar = Resource.Scalar(value: use)
            parts.append(part)
            left[index].scalar = Resource.Scalar(value: value - use)
            need -= use
        }
        return need > 1e-9 ? nil : parts
    }

    static func takePorts(
        _ requested: [Int?], from left: inout [Resource], accepted: [String]?
    ) -> ([Int], [Resource])? {
        var ports: [Int] = []
        var parts: [Resource] = []
        for wanted in requested {
            let candidates = left.indices.filter {
                left[$0].name == "ports" && left[$0].type == .ranges && accepts(left[$0], accepted)
            }
            var found: (index: Int, port: UInt64)?
            for index in candidates {
                let ranges = left[index].ranges?.range ?? []
                if let wanted {
                    if ranges.contains(where: { UInt64(wanted) >= $0.begin && UInt64(wanted) <= $0.end }) {
                        found = (index, UInt64(wanted))
                    }
                } else if let lowest = ranges.filter({ $0.begin <= $0.end }).map(\.begin).min() {
                    found = (index, lowest)
                }
                if found != nil { break }
            }
            guard let (index, port) = found else { return nil }
            var part = left[index]
            part.ranges = Resource.Ranges(range: [Resource.ValueRange(begin: port, end: port)])
            parts.append(part)
            left[index].ranges = Resource.Ranges(range: removing(port, from: left[index].ranges?.range ?? []))
            ports.append(Int(port))
        }
        return (ports, parts)
    }

    static func removing(_ port: UInt64, from ranges: [Resource.ValueRange]) -> [Resource.ValueRange] {
        ranges.flatMap { range -> [Resource.ValueRange] in
            guard port >= range.begin && port <= range.end else { return [range] }
            var pieces: [Resource.ValueRange] = []
            if port > range.begin { pieces.append(Resource.ValueRange(begin: range.begin, end: port - 1)) }
            if port < range.end { pieces.append(Resource.ValueRange(begin: port + 1, end: range.end)) }
            return pieces
        }
    }
}
