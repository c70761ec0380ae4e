/// Tokenising for the Mesos `name(role):value;...` text formats.
enum ResourceTextScanner {
    enum Value {
        case scalar(Double)
        case ranges(Resource.Ranges)
        case set([String])
        case text(String)
    }

    static func trim(_ text: Substring) -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return text[first...last]
    }

    /// Non-empty, trimmed `;`/newline separated tokens.
    static func tokens(_ text: Substring) -> [Substring] {
        text.split(whereSeparator: { $0 == ";" || $0 == "\n" }).map(trim).filter { !$0.isEmpty }
    }

    static func resources(in text: Substring, defaultRole: String) throws(ResourceError) -> [Resource] {
        var resources: [Resource] = []
        for token in tokens(text) {
            guard let colon = token.firstIndex(of: ":") else {
                throw ResourceError("Bad value for resources, missing ':' within '\(token)'")
            }
            let (name, role) = try nameAndRole(trim(token[..<colon]), token: token)
            let valueText = trim(token[token.index(after: colon)...])
            var resource: Resource
            switch try value(valueText, context: "resource '\(name)'", allowText: false) {
            case .scalar(let number): resource = .scalar(name, number)
            case .ranges(let ranges): resource = Resource(name: name, type: .ranges, ranges: ranges)
            case .set(let items): resource = .set(name, items)
            case .text: throw ResourceError("Bad value for resource '\(name)': '\(valueText)'")
            }
            resource.role = role ?? defaultRole
            resources.append(resource)
        }
        return resources
    }

    /// `cpus` → ("cpus", nil); `cpus(ads)` → ("cpus", "ads").
    private static func nameAndRole(_ head: Substring, token: Substring) throws(ResourceError) -> (String, String?) {
        guard let open = head.firstIndex(of: "(") else {
            if head.isEmpty || head.contains(")") {
                throw ResourceError("Bad resource name in '\(token)'")
            }
            return (String(head), nil)
        }
        guard head.last == ")", head.filter({ $0 == "(" }).count == 1, head.filter({ $0 == ")" }).count == 1 else {
            throw ResourceError("Bad value for resources, mismatched parentheses in '\(token)'")
        }
        let name = trim(head[..<open])
        let role = trim(head[head.index(after: open)..<head.index(before: head.endIndex)])
        if name.isEmpty { throw ResourceError("Bad resource name in '\(token)'") }
        if role.isEmpty { throw ResourceError("Empty role in '\(token)'") }
        return (String(name), String(role))
    }

    /// A number, `[b-e, ...]`, `{a, ...}`, or (when allowed) free text.
    static func value(_ text: Substring, context: String, allowText: Bool) throws(ResourceError) -> Value {
        if text.hasPrefix("[") {
            guard text.hasSuffix("]"), text.count >= 2 else {
                throw ResourceError("Bad ranges for \(context): '\(text)'")
            }
            return .ranges(try ranges(text.dropFirst().dropLast(), context: context))
        }
        if text.hasPrefix("{") {
            guard text.hasSuffix("}"), text.count >= 2 else {
                throw ResourceError("Bad set for \(context): '\(text)'")
            }
            let items = text.dropFirst().dropLast().split(separator: ",").map(trim).filter { !$0.isEmpty }
            return .set(items.map(String.init))
        }
        if let number = number(text) { return .scalar(number) }
        if allowText { return .text(String(text)) }
        throw ResourceError("Bad value for \(context): expected a number, [ranges] or {set}, got '\(text)'")
    }

    /// Plain decimal numbers only (no hex, `inf` or `nan`, which `Double.init` would accept).
    private static func number(_ text: Substring) -> Double? {
        let allowed: Set<Character> = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", ".", "-", "+", "e", "E"]
        guard !text.isEmpty, text.allSatisfy({ allowed.contains($0) }), let value = Double(text), value.isFinite
        else { return nil }
        return value
    }

    private static func ranges(_ inner: Substring, context: String) throws(ResourceError) -> Resource.Ranges {
        var result: [Resource.ValueRange] = []
        for part in inner.split(separator: ",").map(trim) where !part.isEmpty {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map(trim)
            guard bounds.count == 2, let begin = UInt64(bounds[0]), let end = UInt64(bounds[1]) else {
                throw ResourceError("Bad range '\(part)' for \(context): expected begin-end")
            }
            result.append(Resource.ValueRange(begin: begin, end: end))
        }
        return Resource.Ranges(range: result)
    }
}
