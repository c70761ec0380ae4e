/// The `label` filter of `GET /v2/apps?label=` (reference §1.2): terms joined by commas (AND), each
/// `key`, `key==value`, `key!=value`, `key in (a,b)` or `key notin (a,b)`; a backslash escapes the
/// next character (to use `,`, `=`, `!`, `(`, `)` or a space in keys and values). Every term needs the
/// label to exist, as in Marathon's `LabelSelector` (so `key!=v` skips apps without `key`).
///
/// Public API: `LabelSelector.parse(_:)` (throws `LabelSelector.ParseError`, whose `message` the shell
/// returns), `selector.matches(_ labels:)`.
public struct LabelSelector: Hashable, Sendable {
    public enum Term: Hashable, Sendable {
        case exists(String)
        case equals(String, String)
        case notEquals(String, String)
        case isIn(String, Set<String>)
        case notIn(String, Set<String>)
    }

    public struct ParseError: Error, Hashable, Sendable {
        public var message: String
    }

    public var terms: [Term]

    public func matches(_ labels: [String: String]) -> Bool {
        terms.allSatisfy { term in
            switch term {
            case .exists(let key): return labels[key] != nil
            case .equals(let key, let value): return labels[key] == value
            case .notEquals(let key, let value): return labels[key].map { $0 != value } ?? false
            case .isIn(let key, let values): return labels[key].map(values.contains) ?? false
            case .notIn(let key, let values): return labels[key].map { !values.contains($0) } ?? false
            }
        }
    }

    public static func parse(_ text: String) throws(ParseError) -> LabelSelector {
        var tokens = try tokenize(text)
        var terms: [Term] = []
        let failure = ParseError(message: "Can not parse label selector \(text)")
        while !tokens.isEmpty {
            guard case .word(let key) = tokens.removeFirst() else { throw failure }
            terms.append(try term(key, &tokens, failure: failure))
            if let next = tokens.first {
                guard next == .symbol(",") else { throw failure }
                tokens.removeFirst()
                if tokens.isEmpty { throw failure }
            }
        }
        if terms.isEmpty { throw failure }
        return LabelSelector(terms: terms)
    }

    private static func term(_ key: String, _ tokens: inout [Token], failure: ParseError) throws(ParseError) -> Term {
        guard let next = tokens.first, next != .symbol(",") else { return .exists(key) }
        tokens.removeFirst()
        switch next {
        case .symbol("=="), .symbol("!="):
            guard case .word(let value)? = tokens.first else { throw failure }
            tokens.removeFirst()
            return next == .symbol("==") ? .equals(key, value) : .notEquals(key, value)
        case .word("in"), .word("notin"):
            guard tokens.first == .symbol("(") else { throw failure }
            tokens.removeFirst()
            var values: Set<String> = []
            while true {
                guard case .word(let value)? = tokens.first else { throw failure }
                tokens.removeFirst()
                values.insert(value)
                guard let separator = tokens.first else { throw failure }
                tokens.removeFirst()
                if separator == .symbol(")") { break }
                guard separator == .symbol(",") else { throw failure }
            }
            return next == .word("in") ? .isIn(key, values) : .notIn(key, values)
        default:
            throw failure
        }
    }

    enum Token: Hashable {
        case word(String)
        case symbol(String)
    }

    static func tokenize(_ text: String) throws(ParseError) -> [Token] {
        var tokens: [Token] = []
        var word = ""
        var chars = Array(text)[...]
        func flush() {
            if !word.isEmpty { tokens.append(.word(word)) }
            word = ""
        }
        while let char = chars.popFirst() {
            switch char {
            case "\\":
                guard let escaped = chars.popFirst() else {
                    throw ParseError(message: "Can not parse label selector \(text)")
                }
                word.append(escaped)
            case " ", "\t":
                flush()
            case ",", "(", ")":
                flush()
                tokens.append(.symbol(String(char)))
            case "=", "!":
                flush()
                guard chars.first == "=" else { throw ParseError(message: "Can not parse label selector \(text)") }
                chars.removeFirst()
                tokens.append(.symbol(String(char) + "="))
            default:
                word.append(char)
            }
        }
        flush()
        return tokens
    }
}
