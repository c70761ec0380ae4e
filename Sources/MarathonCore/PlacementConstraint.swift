/// Marathon placement constraints: `[field, OPERATOR]` or `[field, OPERATOR, value]`.
///
/// Public API for the HTTP shell:
/// - `PlacementConstraint.parse(_ json:, path:)` validates one constraint with Marathon's 422 texts.
/// - `json` renders it back as the array Marathon returns.
/// - Placement decisions live in `ConstraintPlacement.swift`.
import MesosModel

public struct PlacementConstraint: Hashable, Sendable {
    public enum Operator: String, Hashable, Sendable, CaseIterable {
        case unique = "UNIQUE", cluster = "CLUSTER", groupBy = "GROUP_BY", like = "LIKE", unlike = "UNLIKE"
        case maxPer = "MAX_PER", `is` = "IS"
    }

    public var field: String
    public var `operator`: Operator
    public var value: String?

    public init(field: String, operator: Operator, value: String? = nil) {
        self.field = field
        self.operator = `operator`
        self.value = value
    }

    public var json: JSONValue {
        .array([.string(field), .string(`operator`.rawValue)] + (value.map { [.string($0)] } ?? []))
    }

    static let operatorError =
        "Constraint operator must be one of the following UNIQUE, CLUSTER, GROUP_BY, LIKE, MAX_PER, UNLIKE or IS"

    /// Parses one constraint; errors use Marathon's `SchedulingValidation` wording.
    public static func parse(_ json: JSONValue, path: String) throws(ValidationFailure) -> PlacementConstraint {
        guard case .array(let items) = json else { throw ValidationFailure(path: path, "error.expected.jsarray") }
        var fields: [String] = []
        for item in items {
            guard case .string(let text) = item else { throw ValidationFailure(path: path, "error.expected.jsstring") }
            fields.append(text)
        }
        guard fields.count == 2 || fields.count == 3 else {
            throw ValidationFailure(path: path, "Each constraint must have either 2 or 3 fields")
        }
        if fields[0].isEmpty { throw ValidationFailure(path: path, "Missing field and operator") }
        guard let op = Operator(rawValue: fields[1]) else { throw ValidationFailure(path: path, operatorError) }
        let constraint = PlacementConstraint(field: fields[0], operator: op, value: fields.count == 3 ? fields[2] : nil)
        if let error = constraint.valueViolation { throw ValidationFailure(path: path, error) }
        return constraint
    }

    private var valueViolation: String? {
        switch `operator` {
        case .unique:
            return value == nil ? nil : "Value specified but not used"
        case .cluster:
            return value == nil ? "Missing value" : nil
        case .groupBy:
            guard let value else { return nil }
            return Int(value) == nil ? "Value was specified but is not a number" : nil
        case .maxPer:
            guard let value else { return "Value was not specified or is not a number" }
            return Int(value) == nil ? "Value was not specified or is not a number" : nil
        case .like, .unlike:
            guard let value else { return "A regular expression value must be provided" }
            return (try? Regex(value)) == nil ? "'\(value)' is not a valid regular expression" : nil
        case .is:
            return value == nil ? "Missing value" : nil
        }
    }
}
