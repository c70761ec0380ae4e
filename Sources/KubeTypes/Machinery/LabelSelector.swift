/// A malformed label or field selector. `message` carries upstream's wording, such as
/// `unable to parse requirement: found '', expected: identifier`, so the API server can return it in
/// a 400 Status as is.
public struct SelectorError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Label selectors: the text form (`app=web,tier in (a,b),!legacy`) and the object form
/// (`matchLabels`/`matchExpressions`). A selector is a conjunction of requirements, kept sorted by key
/// as upstream does, so equal selectors print equal text.
public struct LabelSelector: Sendable, Hashable {
    public enum Operator: String, Sendable, Hashable {
        case equals = "="
        case doubleEquals = "=="
        case notEquals = "!="
        case `in` = "in"
        case notIn = "notin"
        case exists = "exists"
        case doesNotExist = "!"
        case greaterThan = "gt"
        case lessThan = "lt"
    }

    /// One condition on one label key.
    public struct Requirement: Sendable, Hashable, CustomStringConvertible {
        public var key: String
        public var op: Operator
        /// Sorted and without duplicates, like upstream's string set.
        public var values: [String]

        /// Checks the key and values as upstream's `NewRequirement` does.
        public init(key: String, op: Operator, values: [String]) throws {
            let unique = Array(Set(values)).sorted()
            if let problem = Self.problem(key: key, op: op, values: unique) { throw SelectorError(problem) }
            self.key = key
            self.op = op
            self.values = unique
        }

        public func matches(_ labels: [String: String]) -> Bool {
            let value = labels[key]
            switch op {
            case .equals, .doubleEquals, .in:
                guard let value else { return false }
                return values.contains(value)
            case .notEquals, .notIn:
                // Upstream: objects without the key satisfy "not equal" and "not in".
                guard let value else { return true }
                return !values.contains(value)
            case .exists: return value != nil
            case .doesNotExist: return value == nil
            case .greaterThan, .lessThan:
                guard let value, let actual = Int64(value), let bound = values.first.flatMap({ Int64($0) }) else {
                    return false
                }
                return op == .greaterThan ? actual > bound : actual < bound
            }
        }

        /// `app=web`, `tier in (a,b)`, `!legacy`, as upstream prints requirements.
        public var description: String {
            switch op {
            case .exists: return key
            case .doesNotExist: return "!" + key
            case .in: return key + " in (" + values.joined(separator: ",") + ")"
            case .notIn: return key + " notin (" + values.joined(separator: ",") + ")"
            case .greaterThan: return key + ">" + (values.first ?? "")
            case .lessThan: return key + "<" + (values.first ?? "")
            case .equals, .doubleEquals, .notEquals: return key + op.rawValue + (values.first ?? "")
            }
        }

        static func problem(key: String, op: Operator, values: [String]) -> String? {
            let keyProblems = NameRules.qualifiedName(key)
            if !keyProblems.isEmpty {
                return "key: Invalid value: \(quoted(key)): " + keyProblems.joined(separator: "; ")
            }
            let listed = "[]string{" + values.map(quoted).joined(separator: ", ") + "}"
            if let problem = countProblem(op: op, values: values) {
                return "values: Invalid value: \(listed): " + problem
            }
            if op == .greaterThan || op == .lessThan, Int64(values[0]) == nil {
                return
                    "values[0]: Invalid value: \(quoted(values[0])): for 'Gt', 'Lt' operators, the value must be an integer"
            }
            for (position, value) in values.enumerated() {
                let problems = NameRules.labelValue(value)
                if !problems.isEmpty {
                    return "values[\(position)][\(key)]: Invalid value: \(quoted(value)): "
                        + problems.joined(separator: "; ")
                }
            }
            return nil
        }

        static func countProblem(op: Operator, values: [String]) -> String? {
            switch op {
            case .in, .notIn:
                values.isEmpty ? "for 'in', 'notin' operators, values set can't be empty" : nil
            case .equals, .doubleEquals, .notEquals:
                values.count != 1 ? "exact-match compatibility requires one single value" : nil
            case .exists, .doesNotExist:
                values.isEmpty ? nil : "values set must be empty for exists and does not exist"
            case .greaterThan, .lessThan:
                values.count != 1 ? "for 'Gt', 'Lt' operators, exactly one value is required" : nil
            }
        }

        static func quoted(_ text: String) -> String { FieldError.render(.string(text)) }
    }

    public private(set) var requirements: [Requirement]
    /// True for the selector of a missing (nil) selector object, which upstream treats as matching nothing.
    public private(set) var matchesNothing: Bool

    /// A selector that matches every object.
    public static let everything = LabelSelector(requirements: [])
    /// A selector that matches no object (what a missing selector object means upstream).
    public static let nothing = LabelSelector(requirements: [], matchesNothing: true)

    public init(requirements: [Requirement], matchesNothing: Bool = false) {
        self.requirements = Self.sortedByKey(requirements)
        self.matchesNothing = matchesNothing
    }

    /// Parses the text form (`app=web,tier in (a,b),!legacy`); empty text selects everything.
    public init(parsing text: String) throws {
        var parser = LabelSelectorParser(text)
        self.init(requirements: try parser.parse())
    }

    /// From a `metav1.LabelSelector` object; a null selector object matches nothing, an empty object
    /// matches everything.
    public init(object: JSON) throws {
        if object.isNull {
            self = .nothing
            return
        }
        guard case .object = object else { throw SelectorError("a label selector must be an object") }
        var requirements: [Requirement] = []
        for (key, value) in (object["matchLabels"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            let text = value.stringValue ?? ""
            requirements.append(try Requirement(key: key, op: .equals, values: [text]))
        }
        for expression in object["matchExpressions"]?.arrayValue ?? [] {
            let name = expression["operator"]?.stringValue ?? ""
            let op: Operator
            switch name {
            case "In": op = .in
            case "NotIn": op = .notIn
            case "Exists": op = .exists
            case "DoesNotExist": op = .doesNotExist
            default: throw SelectorError("\"\(name)\" is not a valid label selector operator")
            }
            let values = (expression["values"]?.arrayValue ?? []).compactMap(\.stringValue)
            requirements.append(
                try Requirement(key: expression["key"]?.stringValue ?? "", op: op, values: values))
        }
        self.init(requirements: requirements)
    }

    /// From a plain label map (`spec.selector` of a Service or ReplicationController).
    public init(matchLabels: [String: String]) {
        let requirements = matchLabels.map { key, value in
            // Keys and values of stored maps were validated on write; keep them even when odd.
            (try? Requirement(key: key, op: .equals, values: [value]))
                ?? Requirement(unchecked: key, op: .equals, values: [value])
        }
        self.init(requirements: requirements)
    }

    public func matches(_ labels: [String: String]) -> Bool {
        if matchesNothing { return false }
        return requirements.allSatisfy { $0.matches(labels) }
    }

    /// True when the selector matches everything.
    public var isEmpty: Bool { !matchesNothing && requirements.isEmpty }

    /// The canonical text form, as kubectl prints it in SELECTOR columns: `app=web,tier in (a,b)`.
    public var text: String { requirements.map(\.description).joined(separator: ",") }

    /// Validates a `metav1.LabelSelector` object at `path` (upstream `ValidateLabelSelector`).
    public static func validate(_ object: JSON, at path: FieldPath) -> [FieldError] {
        guard case .object = object else { return [] }
        var errors = MetadataValidation.validateLabels(object["matchLabels"], path: path.child("matchLabels").text)
        let expressions = object["matchExpressions"]?.arrayValue ?? []
        for (position, expression) in expressions.enumerated() {
            errors += validateRequirement(expression, at: path.child("matchExpressions").index(position))
        }
        return errors
    }

    static func validateRequirement(_ expression: JSON, at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let values = expression["values"]?.arrayValue ?? []
        let valuesPath = path.child("values").text
        switch expression["operator"]?.stringValue {
        case "In", "NotIn":
            if values.isEmpty {
                errors.append(.required(valuesPath, "must be specified when `operator` is 'In' or 'NotIn'"))
            }
        case "Exists", "DoesNotExist":
            if !values.isEmpty {
                errors.append(
                    .forbidden(valuesPath, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
            }
        default:
            errors.append(
                .invalid(
                    path.child("operator").text, expression["operator"] ?? .string(""), "not a valid selector operator")
            )
        }
        let key = expression["key"]?.stringValue ?? ""
        errors += NameRules.qualifiedName(key).map { .invalid(path.child("key").text, .string(key), $0) }
        for (position, value) in values.enumerated() {
            let text = value.stringValue ?? ""
            errors += NameRules.labelValue(text).map { .invalid(path.child("values").index(position).text, value, $0) }
        }
        return errors
    }

    static func sortedByKey(_ requirements: [Requirement]) -> [Requirement] {
        requirements.enumerated().sorted { lhs, rhs in
            lhs.element.key == rhs.element.key ? lhs.offset < rhs.offset : lhs.element.key < rhs.element.key
        }.map(\.element)
    }
}

extension LabelSelector.Requirement {
    /// A requirement taken as given, for label maps that were validated when they were stored.
    init(unchecked key: String, op: LabelSelector.Operator, values: [String]) {
        self.key = key
        self.op = op
        self.values = values
    }
}

extension LabelSelector: CustomStringConvertible {
    public var description: String { text }
}
