/// Field selectors (`metadata.name=web,status.phase!=Running`): a conjunction of equality tests on
/// fields each kind chooses to expose. Values may escape `,`, `=` and `\` with a backslash.
public struct FieldSelector: Sendable, Hashable, CustomStringConvertible {
    public enum Operator: String, Sendable, Hashable {
        case equals = "="
        case doubleEquals = "=="
        case notEquals = "!="
    }

    public struct Requirement: Sendable, Hashable, CustomStringConvertible {
        public var field: String
        public var op: Operator
        /// The unescaped value.
        public var value: String

        public init(field: String, op: Operator, value: String) {
            self.field = field
            self.op = op
            self.value = value
        }

        /// A missing field compares as the empty string, as upstream's field sets do.
        public func matches(_ actual: String?) -> Bool {
            op == .notEquals ? (actual ?? "") != value : (actual ?? "") == value
        }

        /// `field=value` with the value escaped again; `==` prints as `=` like upstream.
        public var description: String {
            field + (op == .notEquals ? "!=" : "=") + FieldSelector.escape(value)
        }
    }

    public private(set) var requirements: [Requirement]

    public static let everything = FieldSelector(requirements: [])

    public init(requirements: [Requirement]) {
        self.requirements = requirements
    }

    /// Parses the text form. Terms are kept in sorted order of their text, as upstream sorts them.
    public init(parsing text: String) throws {
        var requirements: [Requirement] = []
        for term in Self.splitTerms(text).sorted() where !term.isEmpty {
            guard let (field, op, rawValue) = Self.splitTerm(term) else {
                throw SelectorError("invalid selector: '\(text)'; can't understand '\(term)'")
            }
            requirements.append(Requirement(field: field, op: op, value: try Self.unescape(rawValue)))
        }
        self.requirements = requirements
    }

    public var isEmpty: Bool { requirements.isEmpty }

    /// True when every requirement holds; `value` returns a field's value, nil when the object lacks it.
    public func matches(_ value: (String) -> String?) -> Bool {
        requirements.allSatisfy { $0.matches(value($0.field)) }
    }

    /// The value `field` must equal, when the selector pins it (`metadata.name=web` for single-object
    /// watches); nil otherwise.
    public func exactMatch(for field: String) -> String? {
        requirements.first { $0.field == field && $0.op != .notEquals }?.value
    }

    /// Throws upstream's `field label not supported: <field>` for the first field the kind does not offer.
    public func checkSupported(_ supported: Set<String>) throws {
        if let unsupported = requirements.first(where: { !supported.contains($0.field) }) {
            throw SelectorError("field label not supported: \(unsupported.field)")
        }
    }

    /// The canonical text form.
    public var text: String { requirements.map(\.description).joined(separator: ",") }

    public var description: String { text }

    /// Escapes `\`, `,` and `=` so a value can be embedded in a selector.
    public static func escape(_ value: String) -> String {
        var result = ""
        for character in value {
            if character == "\\" || character == "," || character == "=" { result.append("\\") }
            result.append(character)
        }
        return result
    }

    /// Splits at commas not preceded by a backslash escape.
    static func splitTerms(_ text: String) -> [String] {
        if text.isEmpty { return [] }
        var terms: [String] = []
        var current = ""
        var escaped = false
        for character in text {
            if escaped {
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "," {
                terms.append(current)
                current = ""
                continue
            }
            current.append(character)
        }
        terms.append(current)
        return terms
    }

    /// The first operator in the term wins, trying `!=` and `==` before `=` at each position.
    static func splitTerm(_ term: String) -> (String, Operator, String)? {
        var index = term.startIndex
        while index < term.endIndex {
            let rest = term[index...]
            for op in [Operator.notEquals, .doubleEquals, .equals] where rest.hasPrefix(op.rawValue) {
                let valueStart = term.index(index, offsetBy: op.rawValue.count)
                return (String(term[..<index]), op, String(term[valueStart...]))
            }
            index = term.index(after: index)
        }
        return nil
    }

    static func unescape(_ raw: String) throws -> String {
        var result = ""
        var escaped = false
        for character in raw {
            if escaped {
                guard character == "\\" || character == "," || character == "=" else {
                    throw SelectorError("invalid field selector: invalid escape sequence: \\\(character)")
                }
                result.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "," || character == "=" {
                throw SelectorError("invalid field selector: unescaped character in value: \(character)")
            } else {
                result.append(character)
            }
        }
        if escaped { throw SelectorError("invalid field selector: invalid escape sequence: \\") }
        return result
    }
}
