/// A small backtracking regular-expression matcher for CRD `pattern` checks. It covers what
/// schemas commonly use: literals, `.`, classes (`[a-z0-9-]`, `[^/]`, `\d \w \s` and negations),
/// anchors `^ $`, groups `( )` / `(?: )`, alternation `|`, and the quantifiers `* + ? {n} {n,}
/// {n,m}` (lazy forms match the same strings). Like JSON Schema, a match may occur anywhere in
/// the text unless anchored. Lookarounds, backreferences and Unicode classes are not supported:
/// such patterns fail to parse and are then not enforced.
struct SimpleRegex {
    indirect enum Node {
        case scalarTest(@Sendable (Unicode.Scalar) -> Bool)
        case start
        case end
        case group([[Node]])
        case repeated(Node, min: Int, max: Int?)
    }

    struct ParseError: Error {}

    private let alternatives: [[Node]]

    init(_ pattern: String) throws(ParseError) {
        var parser = RegexParser(Array(pattern.unicodeScalars))
        alternatives = try parser.parseAlternatives()
        guard parser.atEnd else { throw ParseError() }
    }

    func matches(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        let root = [Node.group(alternatives)]
        for start in 0...scalars.count where Self.match(root, 0, scalars, start, { _ in true }) {
            return true
        }
        return false
    }

    /// Matches `nodes[index...]` at `position`, then asks the continuation about the rest.
    private static func match(
        _ nodes: [Node], _ index: Int, _ text: [Unicode.Scalar], _ position: Int, _ then: (Int) -> Bool
    ) -> Bool {
        guard index < nodes.count else { return then(position) }
        func next(_ end: Int) -> Bool { match(nodes, index + 1, text, end, then) }
        switch nodes[index] {
        case .scalarTest(let test):
            return position < text.count && test(text[position]) && next(position + 1)
        case .start:
            return position == 0 && next(position)
        case .end:
            return position == text.count && next(position)
        case .group(let branches):
            return branches.contains { match($0, 0, text, position, next) }
        case .repeated(let node, let minimum, let maximum):
            return repeatMatch(node, minimum, maximum, 0, text, position, next)
        }
    }

    /// Greedy repetition: try one more copy first, then stop if enough copies matched.
    private static func repeatMatch(
        _ node: Node, _ minimum: Int, _ maximum: Int?, _ count: Int, _ text: [Unicode.Scalar], _ position: Int,
        _ then: (Int) -> Bool
    ) -> Bool {
        if maximum.map({ count < $0 }) ?? true {
            let more = match([node], 0, text, position) { end in
                end != position && repeatMatch(node, minimum, maximum, count + 1, text, end, then)
            }
            if more { return true }
        }
        return count >= minimum && then(position)
    }
}

private struct RegexParser {
    typealias Node = SimpleRegex.Node
    let scalars: [Unicode.Scalar]
    var index = 0

    init(_ scalars: [Unicode.Scalar]) {
        self.scalars = scalars
    }

    var atEnd: Bool { index >= scalars.count }

    mutating func parseAlternatives() throws(SimpleRegex.ParseError) -> [[Node]] {
        var branches: [[Node]] = [[]]
        while !atEnd, scalars[index] != ")" {
            if scalars[index] == "|" {
                index += 1
                branches.append([])
                continue
            }
            let atom = try parseAtom()
            branches[branches.count - 1].append(try parseQuantifier(atom))
        }
        return branches
    }

    mutating func parseAtom() throws(SimpleRegex.ParseError) -> Node {
        let scalar = scalars[index]
        index += 1
        switch scalar {
        case "^": return .start
        case "$": return .end
        case ".": return .scalarTest { $0 != "\n" }
        case "(":
            if index + 1 < scalars.count, scalars[index] == "?" {
                guard scalars[index + 1] == ":" else { throw SimpleRegex.ParseError() }
                index += 2
            }
            let branches = try parseAlternatives()
            guard !atEnd, scalars[index] == ")" else { throw SimpleRegex.ParseError() }
            index += 1
            return .group(branches)
        case "[": return .scalarTest(try parseClass())
        case "\\": return .scalarTest(try parseEscape())
        case "*", "+", "?", "{", ")", "]": throw SimpleRegex.ParseError()
        default: return .scalarTest { $0 == scalar }
        }
    }

    mutating func parseQuantifier(_ atom: Node) throws(SimpleRegex.ParseError) -> Node {
        guard !atEnd else { return atom }
        var bounds: (Int, Int?)
        switch scalars[index] {
        case "*": bounds = (0, nil)
        case "+": bounds = (1, nil)
        case "?": bounds = (0, 1)
        case "{":
            guard let close = scalars[index...].firstIndex(of: "}") else { throw SimpleRegex.ParseError() }
            let body = String(String.UnicodeScalarView(scalars[(index + 1)..<close]))
            let parts = body.split(separator: ",", omittingEmptySubsequences: false)
            guard let low = Int(parts[0]), parts.count <= 2 else { throw SimpleRegex.ParseError() }
            let high = parts.count == 1 ? low : (parts[1].isEmpty ? nil : Int(parts[1]))
            if parts.count == 2 && !parts[1].isEmpty && high == nil { throw SimpleRegex.ParseError() }
            bounds = (low, high)
            index = close
        default:
            return atom
        }
        index += 1
        if !atEnd, scalars[index] == "?" { index += 1 }
        if case .start = atom { throw SimpleRegex.ParseError() }
        return .repeated(atom, min: bounds.0, max: bounds.1)
    }

    mutating func parseEscape() throws(SimpleRegex.ParseError) -> @Sendable (Unicode.Scalar) -> Bool {
        guard !atEnd else { throw SimpleRegex.ParseError() }
        let scalar = scalars[index]
        index += 1
        switch scalar {
        case "d": return { ("0"..."9").contains($0) }
        case "D": return { !("0"..."9").contains($0) }
        case "w": return Self.isWord
        case "W": return { !Self.isWord($0) }
        case "s": return Self.isSpace
        case "S": return { !Self.isSpace($0) }
        case "n": return { $0 == "\n" }
        case "t": return { $0 == "\t" }
        case "b", "B", "1"..."9": throw SimpleRegex.ParseError()
        default:
            if ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) { throw SimpleRegex.ParseError() }
            return { $0 == scalar }
        }
    }

    mutating func parseClass() throws(SimpleRegex.ParseError) -> @Sendable (Unicode.Scalar) -> Bool {
        var negated = false
        if !atEnd, scalars[index] == "^" {
            negated = true
            index += 1
        }
        var tests: [@Sendable (Unicode.Scalar) -> Bool] = []
        var first = true
        while !atEnd, scalars[index] != "]" || first {
            first = false
            var low = scalars[index]
            index += 1
            if low == "\\" {
                guard !atEnd else { throw SimpleRegex.ParseError() }
                let escaped = scalars[index]
                if "dDwWsS".unicodeScalars.contains(escaped) {
                    tests.append(try parseEscape())
                    continue
                }
                low = escaped
                index += 1
            }
            if index + 1 < scalars.count, scalars[index] == "-", scalars[index + 1] != "]" {
                var high = scalars[index + 1]
                index += 2
                if high == "\\", !atEnd {
                    high = scalars[index]
                    index += 1
                }
                guard low <= high else { throw SimpleRegex.ParseError() }
                let range = low...high
                tests.append { range.contains($0) }
            } else {
                let single = low
                tests.append { $0 == single }
            }
        }
        guard !atEnd else { throw SimpleRegex.ParseError() }
        index += 1
        let members = tests
        let inverted = negated
        return { scalar in members.contains { $0(scalar) } != inverted }
    }

    static func isWord(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_"
    }

    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar == "\u{0B}" || scalar == "\u{0C}"
    }
}
