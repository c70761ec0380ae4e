/// A resource or attribute that could not be parsed or validated; `message` is user-facing.
public struct ResourceError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Mesos' `roles::validate`: nil when `role` is a valid role name, else the reason.
/// `*` alone is valid; otherwise no leading/trailing `/`, no `//`, and no path component that
/// is `.`, `..`, `*`, starts with `-`, or contains whitespace or DEL.
public func isValidRoleName(_ role: String) -> String? {
    if role == "*" { return nil }
    if role.isEmpty { return "Role names cannot be the empty string" }
    if role.hasPrefix("/") { return "Role '\(role)' cannot start with a slash" }
    if role.hasSuffix("/") { return "Role '\(role)' cannot end with a slash" }
    if role.contains("//") { return "Role '\(role)' cannot contain two adjacent slashes" }
    for component in role.split(separator: "/") {
        if component == "." { return "Role '\(role)' cannot include '.' as a component" }
        if component == ".." { return "Role '\(role)' cannot include '..' as a component" }
        if component == "*" { return "Role '\(role)' cannot include '*' as a component" }
        if component.hasPrefix("-") {
            return "Role component '\(component)' is invalid because it starts with a dash"
        }
        let invalid: Set<UInt8> = [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x7f]
        if component.utf8.contains(where: { invalid.contains($0) }) {
            return "Role component '\(component)' is invalid because it contains backspace or whitespace"
        }
    }
    return nil
}

extension Resources {
    /// Validates and normalises raw input in one step.
    public init(validating resources: [Resource]) throws(ResourceError) {
        if let problem = Resources.validationError(resources) { throw ResourceError(problem) }
        self.init(resources)
    }

    /// Problems in the normalised form (negative amounts, bad roles, fractional gpus, unsupported
    /// fields). Problems that normalisation hides — overlapping ranges or duplicate set items in
    /// one entry, begin > end, NaN — can only be seen on raw input: use `validationError(_:)`.
    public func validationError() -> String? {
        Resources.validationError(list)
    }

    /// Checks raw resources the way Mesos does before accepting them: non-empty name, the value
    /// field matching `type`, finite non-negative scalars, integral `gpus`, well-formed and
    /// non-overlapping ranges, unique set items, valid roles and reservation stacks.
    /// Fields Mesokube does not implement (`disk`, `revocable`, `shared`, `provider_id`) are
    /// rejected by name rather than silently ignored.
    public static func validationError(_ resources: [Resource]) -> String? {
        for resource in resources {
            if let problem = validationError(of: resource) { return problem }
        }
        return nil
    }

    private static func validationError(of resource: Resource) -> String? {
        let name = resource.name
        if name.isEmpty { return "Resource name must not be empty" }
        if let problem = valueError(of: resource) { return "Invalid resource '\(name)': \(problem)" }
        if let problem = reservationError(of: resource) { return "Invalid resource '\(name)': \(problem)" }
        if let role = resource.allocationInfo?.role, let problem = isValidRoleName(role) {
            return "Invalid resource '\(name)': invalid allocation role: \(problem)"
        }
        let unsupported: [(String, JSONValue?)] = [
            ("disk", resource.disk), ("revocable", resource.revocable), ("shared", resource.shared),
            ("provider_id", resource.providerID),
        ]
        for (field, value) in unsupported where value != nil {
            return "Invalid resource '\(name)': field '\(field)' is not supported by Mesokube"
        }
        return nil
    }

    private static let scalarOnlyNames: Set<String> = ["cpus", "mem", "disk", "gpus"]

    private static func valueError(of resource: Resource) -> String? {
        if scalarOnlyNames.contains(resource.name), resource.type != .scalar {
            return "must be of type SCALAR"
        }
        switch resource.type {
        case .scalar:
            guard let scalar = resource.scalar, resource.ranges == nil, resource.set == nil else {
                return "a SCALAR resource needs 'scalar' and only 'scalar'"
            }
            let value = scalar.value
            if !value.isFinite { return "scalar value \(value) is not finite" }
            if value < 0 { return "scalar value \(value) is negative" }
            if resource.name == "gpus", value.rounded(.towardZero) != value {
                return "'gpus' must be a whole number, got \(value)"
            }
        case .ranges:
            guard let ranges = resource.ranges, resource.scalar == nil, resource.set == nil else {
                return "a RANGES resource needs 'ranges' and only 'ranges'"
            }
            return rangesError(ranges.range)
        case .set:
            guard let set = resource.set, resource.scalar == nil, resource.ranges == nil else {
                return "a SET resource needs 'set' and only 'set'"
            }
            if Set(set.item).count != set.item.count { return "set has duplicate items" }
        }
        return nil
    }

    private static func rangesError(_ ranges: [Resource.ValueRange]) -> String? {
        for range in ranges where range.begin > range.end {
            return "range [\(range.begin)-\(range.end)] has begin greater than end"
        }
        let sorted = ranges.sorted { $0.begin < $1.begin }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where next.begin <= previous.end {
            return "ranges [\(previous.begin)-\(previous.end)] and [\(next.begin)-\(next.end)] overlap"
        }
        return nil
    }

    private static func reservationError(of resource: Resource) -> String? {
        if let role = resource.role, let problem = isValidRoleName(role) { return problem }
        guard let stack = resource.reservations, !stack.isEmpty else {
            if resource.reservation != nil, (resource.role ?? "*") == "*" {
                return "a dynamic reservation needs a role other than '*'"
            }
            return nil
        }
        if let role = resource.role, role != stack.last?.role {
            return "'role' \(role) disagrees with the reservation stack"
        }
        var previous: String?
        for (depth, reservation) in stack.enumerated() {
            guard let type = reservation.type else { return "reservation without a type" }
            guard let role = reservation.role else { return "reservation without a role" }
            if role == "*" { return "cannot reserve for role '*'" }
            if let problem = isValidRoleName(role) { return problem }
            if type == .static, depth > 0 { return "a STATIC reservation must be at the bottom of the stack" }
            if let previous, !RoleName.isStrictSubrole(role, of: previous) {
                return "reservation role '\(role)' does not refine '\(previous)'"
            }
            previous = role
        }
        return nil
    }
}
