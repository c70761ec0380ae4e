/// RFC 6902 JSON Patch (`application/json-patch+json`): a list of operations, applied in order,
/// each addressing the document with an RFC 6901 pointer. Error wording follows the library
/// upstream uses, so clients see familiar messages.
public enum JSONPatch {
    public static func apply(_ patch: JSON, to document: JSON) throws -> JSON {
        guard case .array(let operations) = patch else {
            throw PatchError.malformed("json: cannot unmarshal \(patch.typeName) into Go value of type jsonpatch.Patch")
        }
        var result = document
        for operation in operations {
            guard case .object(let members) = operation else {
                throw PatchError.malformed(
                    "json: cannot unmarshal \(operation.typeName) into Go value of type jsonpatch.Operation")
            }
            try apply(members, to: &result)
        }
        return result
    }

    private static func apply(_ operation: [String: JSON], to document: inout JSON) throws {
        guard let kind = operation["op"]?.stringValue else {
            throw PatchError.unprocessable("Unexpected kind: \(operation["op"].map { $0.serialized() } ?? "unknown")")
        }
        switch kind {
        case "add":
            let path = try pointer(operation, "path", kind)
            try add(try value(operation, kind), at: path, in: &document, kind: kind)
        case "remove":
            let path = try pointer(operation, "path", kind)
            _ = try remove(at: path, from: &document, kind: kind)
        case "replace":
            let path = try pointer(operation, "path", kind)
            try replace(try value(operation, kind), at: path, in: &document)
        case "move":
            let from = try pointer(operation, "from", kind)
            let path = try pointer(operation, "path", kind)
            try move(from: from, to: path, in: &document)
        case "copy":
            let from = try pointer(operation, "from", kind)
            let path = try pointer(operation, "path", kind)
            guard let copied = from.resolve(in: document) else {
                throw missing("copy operation does not apply: doc is missing from path: \(from.text)")
            }
            guard path.parent.resolve(in: document) != nil else {
                throw missing("copy operation does not apply: doc is missing destination path: \(path.text)")
            }
            try add(copied, at: path, in: &document, kind: kind)
        case "test":
            let path = try pointer(operation, "path", kind)
            try test(try value(operation, kind), at: path, in: document)
        default:
            throw PatchError.unprocessable("Unexpected kind: \(kind)")
        }
    }

    private static func pointer(_ operation: [String: JSON], _ member: String, _ kind: String) throws -> JSONPointer {
        guard let text = operation[member]?.stringValue else {
            throw missing("\(kind) operation failed to decode \(member)")
        }
        return try JSONPointer(text)
    }

    private static func value(_ operation: [String: JSON], _ kind: String) throws -> JSON {
        guard let value = operation["value"] else { throw missing("\(kind) operation failed to decode value") }
        return value
    }

    private static func missing(_ text: String) -> PatchError {
        PatchError.unprocessable(text + ": missing value")
    }

    private static func invalidIndex(_ kind: String, _ path: JSONPointer, _ token: String) -> PatchError {
        PatchError.unprocessable(
            "error in \(kind) for path: '\(path.text)': Unable to access invalid index: \(token): invalid index referenced"
        )
    }

    private static func add(_ value: JSON, at path: JSONPointer, in document: inout JSON, kind: String) throws {
        guard let last = path.tokens.last else {
            document = value
            return
        }
        let parentPointer = path.parent
        guard var parent = parentPointer.resolve(in: document) else {
            throw missing("\(kind) operation does not apply: doc is missing path: \"\(path.text)\"")
        }
        switch parent {
        case .object(var members):
            members[last] = value
            parent = .object(members)
        case .array(var elements):
            let position: Int
            if last == "-" {
                position = elements.count
            } else {
                guard let index = JSONPointer.arrayIndex(last), index <= elements.count else {
                    throw invalidIndex(kind, path, last)
                }
                position = index
            }
            elements.insert(value, at: position)
            parent = .array(elements)
        default:
            throw missing("\(kind) operation does not apply: doc is missing path: \"\(path.text)\"")
        }
        parentPointer.assign(parent, in: &document)
    }

    /// Removes and returns the value at `path`.
    private static func remove(at path: JSONPointer, from document: inout JSON, kind: String) throws -> JSON {
        guard let last = path.tokens.last else {
            throw missing("\(kind) operation does not apply: doc is missing path: \"\"")
        }
        let parentPointer = path.parent
        guard var parent = parentPointer.resolve(in: document) else {
            throw missing("\(kind) operation does not apply: doc is missing path: \"\(path.text)\"")
        }
        let removed: JSON
        switch parent {
        case .object(var members):
            guard let value = members.removeValue(forKey: last) else {
                throw missing("error in \(kind) for path: '\(path.text)': unable to remove nonexistent key: \(last)")
            }
            removed = value
            parent = .object(members)
        case .array(var elements):
            guard let index = JSONPointer.arrayIndex(last), index < elements.count else {
                throw invalidIndex(kind, path, last)
            }
            removed = elements.remove(at: index)
            parent = .array(elements)
        default:
            throw missing("\(kind) operation does not apply: doc is missing path: \"\(path.text)\"")
        }
        parentPointer.assign(parent, in: &document)
        return removed
    }

    private static func replace(_ value: JSON, at path: JSONPointer, in document: inout JSON) throws {
        guard !path.tokens.isEmpty else {
            document = value
            return
        }
        guard path.parent.resolve(in: document) != nil else {
            throw missing("replace operation does not apply: doc is missing path: \(path.text)")
        }
        guard path.resolve(in: document) != nil else {
            throw missing("replace operation does not apply: doc is missing key: \(path.text)")
        }
        path.assign(value, in: &document)
    }

    private static func move(from: JSONPointer, to path: JSONPointer, in document: inout JSON) throws {
        guard from.resolve(in: document) != nil else {
            throw missing("move operation does not apply: doc is missing from path: \(from.text)")
        }
        if path.tokens.count > from.tokens.count, Array(path.tokens.prefix(from.tokens.count)) == from.tokens {
            throw PatchError.unprocessable(
                "move operation does not apply: \(from.text) cannot be moved into its own child \(path.text)")
        }
        var scratch = document
        let value = try remove(at: from, from: &scratch, kind: "move")
        guard path.parent.resolve(in: scratch) != nil else {
            throw missing("move operation does not apply: doc is missing destination path: \(path.text)")
        }
        try add(value, at: path, in: &scratch, kind: "move")
        document = scratch
    }

    private static func test(_ expected: JSON, at path: JSONPointer, in document: JSON) throws {
        guard path.parent.resolve(in: document) != nil || path.tokens.isEmpty else {
            throw missing("test operation does not apply: is missing path: \(path.text)")
        }
        guard let actual = path.resolve(in: document), actual.isSameValue(as: expected) else {
            throw PatchError.unprocessable("testing value \(path.text) failed: test failed")
        }
    }
}

/// An RFC 6901 pointer (`/spec/template/metadata/labels/app.kubernetes.io~1name`).
public struct JSONPointer: Sendable, Hashable {
    public let text: String
    /// The unescaped reference tokens; empty for the whole document.
    public let tokens: [String]

    public init(_ text: String) throws {
        self.text = text
        if text.isEmpty {
            tokens = []
            return
        }
        guard text.hasPrefix("/") else {
            throw PatchError.unprocessable("JSON pointer must be empty or start with a \"/\": \(text)")
        }
        tokens = text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            // "~1" before "~0", so that "~01" becomes "~1" and not "/".
            String($0).replacing("~1", with: "/").replacing("~0", with: "~")
        }
    }

    private init(text: String, tokens: [String]) {
        self.text = text
        self.tokens = tokens
    }

    var parent: JSONPointer {
        let kept = Array(tokens.dropLast())
        let escaped = kept.map { "/" + $0.replacing("~", with: "~0").replacing("/", with: "~1") }
        return JSONPointer(text: escaped.joined(), tokens: kept)
    }

    /// The value the pointer designates, nil when any step is missing.
    public func resolve(in document: JSON) -> JSON? {
        var current = document
        for token in tokens {
            switch current {
            case .object(let members):
                guard let next = members[token] else { return nil }
                current = next
            case .array(let elements):
                guard let index = Self.arrayIndex(token), index < elements.count else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    /// Stores `value` at the pointer; every step but the last must exist (callers check).
    func assign(_ value: JSON, in document: inout JSON) {
        Self.assign(value, tokens[...], in: &document)
    }

    private static func assign(_ value: JSON, _ tokens: ArraySlice<String>, in node: inout JSON) {
        guard let first = tokens.first else {
            node = value
            return
        }
        switch node {
        case .object(var members):
            var child = members[first] ?? .null
            assign(value, tokens.dropFirst(), in: &child)
            members[first] = child
            node = .object(members)
        case .array(var elements):
            guard let index = arrayIndex(first), index < elements.count else { return }
            assign(value, tokens.dropFirst(), in: &elements[index])
            node = .array(elements)
        default:
            return
        }
    }

    /// A decimal array index without a sign or leading zeros, as RFC 6901 requires.
    static func arrayIndex(_ token: String) -> Int? {
        guard !token.isEmpty, token.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        guard token == "0" || !token.hasPrefix("0") else { return nil }
        return Int(token)
    }
}

extension JSON {
    /// Equality as JSON defines it: numbers compare by value (`1` equals `1.0`), object member
    /// order never matters.
    func isSameValue(as other: JSON) -> Bool {
        switch (self, other) {
        case (.int, .double), (.double, .int): return doubleValue == other.doubleValue
        case (.array(let left), .array(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { $0.isSameValue(as: $1) }
        case (.object(let left), .object(let right)):
            guard left.count == right.count else { return false }
            return left.allSatisfy { key, value in right[key].map { value.isSameValue(as: $0) } ?? false }
        default:
            return self == other
        }
    }
}
