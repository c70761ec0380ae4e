/// The subset of kubectl's JSONPath that printer columns, scale paths and selectable fields use:
/// `.spec.replicas`, `['key.with.dots']`, `[0]`, `[-1]`, `[*]`, `.*`, `..name` and filters such as
/// `[?(@.type=="Ready")]` (==, !=, <, <=, >, >= against a string, number or boolean, or a bare
/// `@.path` existence test). Surrounding `{}` and a leading `$` are accepted.
public struct JSONPathExpression: Sendable, Hashable {
    indirect enum Step: Sendable, Hashable {
        case field(String)
        case index(Int)
        case wildcard
        case descendants(String)
        case filter(path: [Step], comparison: String?, literal: JSON?)
    }

    let steps: [Step]

    public init(parsing text: String) throws(JSONPathError) {
        var body = Substring(text.trimmingSpaces())
        if body.hasPrefix("{") && body.hasSuffix("}") { body = body.dropFirst().dropLast() }
        if body.hasPrefix("$") { body = body.dropFirst() }
        var parser = JSONPathParser(Array(body.unicodeScalars))
        steps = try parser.parseSteps(untilFilterEnd: false)
    }

    /// Every value the path selects, in document order; empty when nothing matches.
    public func evaluate(_ root: JSON) -> [JSON] {
        Self.apply(steps, to: [root])
    }

    /// Why `text` is not a usable JSON path; nil when it is.
    public static func problem(_ text: String) -> String? {
        do {
            _ = try JSONPathExpression(parsing: text)
            return nil
        } catch {
            return error.description
        }
    }

    /// The member names of a path made only of `.name` steps (`.spec.replicas` → spec, replicas);
    /// nil for anything fancier, which scale subresource paths may not use.
    public static func simpleFieldPath(_ text: String) -> [String]? {
        guard text.hasPrefix("."), let expression = try? JSONPathExpression(parsing: text) else { return nil }
        var names: [String] = []
        for step in expression.steps {
            guard case .field(let name) = step else { return nil }
            names.append(name)
        }
        return names.isEmpty ? nil : names
    }

    static func apply(_ steps: [Step], to start: [JSON]) -> [JSON] {
        var current = start
        for step in steps {
            current = current.flatMap { apply(step, to: $0) }
        }
        return current
    }

    private static func apply(_ step: Step, to value: JSON) -> [JSON] {
        switch step {
        case .field(let name):
            return value[name].map { [$0] } ?? []
        case .index(let position):
            guard let items = value.arrayValue else { return [] }
            let resolved = position < 0 ? items.count + position : position
            return items.indices.contains(resolved) ? [items[resolved]] : []
        case .wildcard:
            return children(of: value)
        case .descendants(let name):
            var found: [JSON] = []
            var pending = [value]
            while !pending.isEmpty {
                let next = pending.removeFirst()
                if let match = next[name] { found.append(match) }
                pending += children(of: next)
            }
            return found
        case .filter(let path, let comparison, let literal):
            let candidates = value.arrayValue ?? children(of: value)
            return candidates.filter { item in
                let selected = apply(path, to: [item])
                guard let comparison, let literal else { return !selected.isEmpty }
                return selected.contains { compare($0, comparison, literal) }
            }
        }
    }

    private static func children(of value: JSON) -> [JSON] {
        switch value {
        case .array(let items): return items
        case .object(let members): return members.keys.sorted().map { members[$0]! }
        default: return []
        }
    }

    private static func compare(_ left: JSON, _ comparison: String, _ right: JSON) -> Bool {
        if let lhs = left.doubleValue, let rhs = right.doubleValue {
            switch comparison {
            case "==": return lhs == rhs
            case "!=": return lhs != rhs
            case "<": return lhs < rhs
            case "<=": return lhs <= rhs
            case ">": return lhs > rhs
            default: return lhs >= rhs
            }
        }
        if let lhs = left.stringValue, let rhs = right.stringValue {
            switch comparison {
            case "==": return lhs == rhs
            case "!=": return lhs != rhs
            case "<": return lhs < rhs
            case "<=": return lhs <= rhs
            case ">": return lhs > rhs
            default: return lhs >= rhs
            }
        }
        switch comparison {
        case "==": return left == right
        case "!=": return left != right
        default: return false
        }
    }
}

/// A JSON path that could not be parsed.
public struct JSONPathError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Recursive-descent reader of the supported JSONPath subset.
private struct JSONPathParser {
    let scalars: [Unicode.Scalar]
    var index = 0

    init(_ scalars: [Unicode.Scalar]) {
        self.scalars = scalars
    }

    var atEnd: Bool { index >= scalars.count }
    var current: Unicode.Scalar? { atEnd ? nil : scalars[index] }

    func peek(_ text: String) -> Bool {
        let wanted = Array(text.unicodeScalars)
        return index + wanted.count <= scalars.count && Array(scalars[index..<(index + wanted.count)]) == wanted
    }

    mutating func parseSteps(untilFilterEnd: Bool) throws(JSONPathError) -> [JSONPathExpression.Step] {
        var steps: [JSONPathExpression.Step] = []
        while let scalar = current {
            if untilFilterEnd && (scalar == ")" || scalar == " " || "=!<>".unicodeScalars.contains(scalar)) { break }
            if peek("..") {
                index += 2
                steps.append(.descendants(try readName()))
            } else if scalar == "." {
                index += 1
                if current == "*" {
                    index += 1
                    steps.append(.wildcard)
                } else {
                    steps.append(.field(try readName()))
                }
            } else if scalar == "[" {
                steps.append(try readBracket())
            } else {
                throw JSONPathError(message: "unexpected character '\(scalar)' at position \(index)")
            }
        }
        return steps
    }

    mutating func readName() throws(JSONPathError) -> String {
        var name = ""
        while let scalar = current, scalar != ".", scalar != "[", scalar != ")", scalar != " ",
            !"=!<>".unicodeScalars.contains(scalar)
        {
            name.unicodeScalars.append(scalar)
            index += 1
        }
        if name.isEmpty { throw JSONPathError(message: "missing field name at position \(index)") }
        return name
    }

    mutating func readBracket() throws(JSONPathError) -> JSONPathExpression.Step {
        index += 1
        let step: JSONPathExpression.Step
        if current == "'" || current == "\"" {
            guard case .string(let name) = try readLiteral() else { throw JSONPathError(message: "bad quoted name") }
            step = .field(name)
        } else if current == "*" {
            index += 1
            step = .wildcard
        } else if peek("?(") {
            index += 2
            step = try readFilter()
        } else {
            var digits = ""
            while let scalar = current, scalar == "-" || ("0"..."9").contains(scalar) {
                digits.unicodeScalars.append(scalar)
                index += 1
            }
            guard let position = Int(digits) else {
                throw JSONPathError(message: "unsupported subscript at position \(index)")
            }
            step = .index(position)
        }
        guard current == "]" else { throw JSONPathError(message: "missing ] at position \(index)") }
        index += 1
        return step
    }

    mutating func readFilter() throws(JSONPathError) -> JSONPathExpression.Step {
        skipSpaces()
        guard current == "@" else { throw JSONPathError(message: "filter must start with @ at position \(index)") }
        index += 1
        let path = try parseSteps(untilFilterEnd: true)
        skipSpaces()
        var comparison: String?
        var literal: JSON?
        for candidate in ["==", "!=", "<=", ">=", "<", ">"] where peek(candidate) {
            index += candidate.unicodeScalars.count
            comparison = candidate
            skipSpaces()
            literal = try readLiteral()
            skipSpaces()
            break
        }
        guard current == ")" else { throw JSONPathError(message: "missing ) in filter at position \(index)") }
        index += 1
        return .filter(path: path, comparison: comparison, literal: literal)
    }

    mutating func readLiteral() throws(JSONPathError) -> JSON {
        if let quote = current, quote == "'" || quote == "\"" {
            index += 1
            var text = ""
            while let scalar = current, scalar != quote {
                if scalar == "\\", index + 1 < scalars.count { index += 1 }
                text.unicodeScalars.append(scalars[index])
                index += 1
            }
            guard current == quote else { throw JSONPathError(message: "unterminated string") }
            index += 1
            return .string(text)
        }
        var word = ""
        while let scalar = current, scalar != ")", scalar != "]", scalar != " " {
            word.unicodeScalars.append(scalar)
            index += 1
        }
        if word == "true" || word == "false" { return .bool(word == "true") }
        if let number = Int64(word) { return .int(number) }
        if let number = Double(word) { return .double(number) }
        throw JSONPathError(message: "unsupported literal '\(word)'")
    }

    mutating func skipSpaces() {
        while current == " " { index += 1 }
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while scalars.first == " " { scalars.removeFirst() }
        while scalars.last == " " { scalars.removeLast() }
        return String(scalars)
    }
}
