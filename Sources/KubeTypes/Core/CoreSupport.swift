/// Small JSON editing and checking helpers shared by the core/v1 strategies.
enum CoreSupport {
    /// Sets `object[key]` to `value` unless the member is already present (and not null).
    static func setDefault(_ object: inout JSON, _ key: String, _ value: JSON) {
        if object[key] == nil || object[key] == .null { object[key] = value }
    }

    /// Applies `body` to each element of the array `object[key]`, if there is one.
    static func forEachElement(_ object: inout JSON, _ key: String, _ body: (inout JSON) -> Void) {
        guard case .array(var elements) = object[key] ?? .null else { return }
        for index in elements.indices { body(&elements[index]) }
        object[key] = .array(elements)
    }

    /// Applies `body` to the member `object[key]` when it exists.
    static func withMember(_ object: inout JSON, _ key: String, _ body: (inout JSON) -> Void) {
        guard var member = object[key], member != .null else { return }
        body(&member)
        object[key] = member
    }

    /// The elements of an array member, or none.
    static func elements(_ object: JSON?, _ key: String) -> [JSON] {
        object?[key]?.arrayValue ?? []
    }

    /// `must be greater than or equal to 0` for a negative integer member.
    static func nonNegative(_ object: JSON, _ key: String, at path: FieldPath) -> [FieldError] {
        guard let value = object[key]?.intValue, value < 0 else { return [] }
        return [.invalid(path.child(key).text, .int(value), "must be greater than or equal to 0")]
    }

    static let portRangeMessage = "must be between 1 and 65535, inclusive"

    static func isValidPort(_ value: Int64) -> Bool { (1...65535).contains(value) }

    /// Problems with an IANA service name (port names): ≤ 15 characters, lower-case letters, digits
    /// and single hyphens, at least one letter.
    static func portNameProblems(_ name: String) -> [String] {
        var problems: [String] = []
        let bytes = Array(name.utf8)
        if bytes.count > 15 { problems.append("must be no more than 15 characters") }
        let allowed = bytes.allSatisfy { NameRules.isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") }
        if !allowed {
            problems.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
        }
        if name.contains("--") { problems.append("must not contain consecutive hyphens") }
        if !bytes.contains(where: { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) }) {
            problems.append("must contain at least one letter (a-z)")
        }
        if bytes.first == UInt8(ascii: "-") || bytes.last == UInt8(ascii: "-") {
            problems.append("must not begin or end with a hyphen")
        }
        return problems
    }

    /// Integer value of a member that may be written as a JSON integer.
    static func int(_ object: JSON?, _ path: [String]) -> Int64? {
        object?[path: path]?.intValue
    }

    static func string(_ object: JSON?, _ path: [String]) -> String {
        object?[path: path]?.stringValue ?? ""
    }
}

/// Resource quantities as the core strategies read them from JSON.
enum CoreQuantity {
    /// The parsed quantity (`"500m"`, `"1Gi"`, or a bare number); nil when unreadable.
    static func parse(_ value: JSON) -> Quantity? {
        try? Quantity(json: value)
    }

    /// The quantity as upstream prints it (canonical form), or the raw text when unreadable.
    static func text(_ value: JSON) -> String {
        if let quantity = parse(value) { return quantity.canonical }
        switch value {
        case .string(let text): return text
        default: return value.serialized()
        }
    }
}
