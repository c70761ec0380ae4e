/// Parser of the label selector text form, following upstream's grammar and error wording:
///
///     selector    = [requirement ("," requirement)*]
///     requirement = ["!"] key | key op value | key ("in" | "notin") "(" values ")"
///     op          = "=" | "==" | "!=" | ">" | "<"
///
/// `in` and `notin` are keywords only where an operator is expected, so they remain usable as keys
/// and values.
struct LabelSelectorParser {
    enum Token: Equatable {
        case identifier(String)
        case keywordIn
        case keywordNotIn
        case openParenthesis
        case closeParenthesis
        case comma
        case equals
        case doubleEquals
        case notEquals
        case bang
        case greaterThan
        case lessThan
        case end

        var literal: String {
            switch self {
            case .identifier(let text): text
            case .keywordIn: "in"
            case .keywordNotIn: "notin"
            case .openParenthesis: "("
            case .closeParenthesis: ")"
            case .comma: ","
            case .equals: "="
            case .doubleEquals: "=="
            case .notEquals: "!="
            case .bang: "!"
            case .greaterThan: ">"
            case .lessThan: "<"
            case .end: ""
            }
        }

        /// Where a value is expected, the keywords are ordinary words.
        var asValue: Token {
            switch self {
            case .keywordIn, .keywordNotIn: .identifier(literal)
            default: self
            }
        }
    }

    private var tokens: [Token] = []
    private var position = 0

    init(_ text: String) {
        tokens = Self.tokenize(Array(text.unicodeScalars))
    }

    static let binaryOperators = "in, notin, =, ==, !=, gt, lt"

    mutating func parse() throws -> [LabelSelector.Requirement] {
        var requirements: [LabelSelector.Requirement] = []
        while true {
            switch peek() {
            case .identifier, .bang:
                do {
                    requirements.append(try parseRequirement())
                } catch let error as SelectorError {
                    throw SelectorError("unable to parse requirement: " + error.message)
                }
                let next = next()
                switch next {
                case .end: return requirements
                case .comma:
                    let following = peek()
                    guard case .identifier = following else {
                        if following == .bang { continue }
                        throw SelectorError("found '\(following.literal)', expected: identifier after ','")
                    }
                default:
                    throw SelectorError("found '\(next.literal)', expected: ',' or 'end of string'")
                }
            case .end:
                return requirements
            case let other:
                throw SelectorError("found '\(other.literal)', expected: !, identifier, or 'end of string'")
            }
        }
    }

    private mutating func parseRequirement() throws -> LabelSelector.Requirement {
        var token = next()
        var negated = false
        if token == .bang {
            negated = true
            token = next()
        }
        guard case .identifier(let key) = token else {
            throw SelectorError("found '\(token.literal)', expected: identifier")
        }
        let keyProblems = NameRules.qualifiedName(key)
        if !keyProblems.isEmpty {
            throw SelectorError(
                "<nil>: Invalid value: \(LabelSelector.Requirement.quoted(key)): " + keyProblems.joined(separator: "; ")
            )
        }
        if negated { return try LabelSelector.Requirement(key: key, op: .doesNotExist, values: []) }
        let following = peek()
        if following == .end || following == .comma {
            return try LabelSelector.Requirement(key: key, op: .exists, values: [])
        }
        let op = try parseOperator()
        let values: [String]
        switch op {
        case .in, .notIn: values = try parseValueList()
        default: values = try parseExactValue()
        }
        return try LabelSelector.Requirement(key: key, op: op, values: values)
    }

    private mutating func parseOperator() throws -> LabelSelector.Operator {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        switch token {
        case .keywordIn: return .in
        case .keywordNotIn: return .notIn
        case .equals: return .equals
        case .doubleEquals: return .doubleEquals
        case .notEquals: return .notEquals
        case .greaterThan: return .greaterThan
        case .lessThan: return .lessThan
        default: throw SelectorError("found '\(token.literal)', expected: \(Self.binaryOperators)")
        }
    }

    private mutating func parseValueList() throws -> [String] {
        let open = next()
        guard open == .openParenthesis else { throw SelectorError("found '\(open.literal)' expected: '('") }
        switch peek() {
        case .identifier, .comma:
            let values = try parseIdentifierList()
            let close = next()
            guard close == .closeParenthesis else { throw SelectorError("found '\(close.literal)', expected: ')'") }
            return values
        case .closeParenthesis:
            _ = next()
            return [""]
        case let other:
            throw SelectorError("found '\(other.literal)', expected: ',', ')' or identifier")
        }
    }

    /// The values inside `( )`; empty entries (`(a,,b)`, `(,a)`) stand for the empty value.
    private mutating func parseIdentifierList() throws -> [String] {
        var values: [String] = []
        while true {
            switch next() {
            case .identifier(let value):
                values.append(value)
                switch peek() {
                case .comma: continue
                case .closeParenthesis: return values
                case let other: throw SelectorError("found '\(other.literal)', expected: ',' or ')'")
                }
            case .comma:
                if values.isEmpty { values.append("") }
                switch peek() {
                case .closeParenthesis:
                    values.append("")
                    return values
                case .comma:
                    _ = next()
                    values.append("")
                default: break
                }
            case let other:
                throw SelectorError("found '\(other.literal)', expected: ',', or identifier")
            }
        }
    }

    private mutating func parseExactValue() throws -> [String] {
        let following = peek()
        if following == .end || following == .comma { return [""] }
        let token = next()
        guard case .identifier(let value) = token else {
            throw SelectorError("found '\(token.literal)', expected: identifier")
        }
        return [value]
    }

    private func peek() -> Token { tokens[position].asValue }

    private mutating func next() -> Token {
        let token = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return token.asValue
    }

    // MARK: - Lexer

    static let specialTokens: [String: Token] = [
        "!": .bang, "!=": .notEquals, "(": .openParenthesis, ")": .closeParenthesis, ",": .comma, "=": .equals,
        "==": .doubleEquals, ">": .greaterThan, "<": .lessThan,
    ]

    static func isSpecial(_ scalar: Unicode.Scalar) -> Bool { "=!(),><".unicodeScalars.contains(scalar) }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n"
    }

    static func tokenize(_ scalars: [Unicode.Scalar]) -> [Token] {
        var tokens: [Token] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if isWhitespace(scalar) {
                index += 1
            } else if isSpecial(scalar) {
                // Longest special symbol starting here (`!=` before `!`, `==` before `=`).
                var symbol = String(scalar)
                index += 1
                if index < scalars.count, specialTokens[symbol + String(scalars[index])] != nil {
                    symbol += String(scalars[index])
                    index += 1
                }
                tokens.append(specialTokens[symbol]!)
            } else {
                var word = ""
                while index < scalars.count, !isSpecial(scalars[index]), !isWhitespace(scalars[index]) {
                    word.unicodeScalars.append(scalars[index])
                    index += 1
                }
                switch word {
                case "in": tokens.append(.keywordIn)
                case "notin": tokens.append(.keywordNotIn)
                default: tokens.append(.identifier(word))
                }
            }
        }
        tokens.append(.end)
        return tokens
    }
}
