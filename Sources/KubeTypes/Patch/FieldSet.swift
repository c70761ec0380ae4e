/// A set of field paths in an object, as server-side apply tracks ownership: every path names a
/// field, a list element or a map entry. Encodes to and from upstream's `FieldsV1` JSON
/// (`{"f:spec":{"f:replicas":{}}}`).
public struct FieldSet: Sendable, Hashable {
    /// One step of a path.
    public enum Element: Sendable, Hashable, Comparable, CustomStringConvertible {
        /// A named member of an object or a key of a map (`f:replicas`).
        case field(String)
        /// An element of a `listType: map` list, by its key fields as a JSON object (`k:{"name":"nginx"}`).
        case key(JSON)
        /// An element of a `listType: set` list, by value (`v:"finalizer.example.com"`).
        case value(JSON)
        /// An element of a list known only by position (`i:0`).
        case index(Int)

        /// The member name in FieldsV1.
        public var fieldsV1Key: String {
            switch self {
            case .field(let name): "f:" + name
            case .key(let fields): "k:" + fields.serialized()
            case .value(let value): "v:" + value.serialized()
            case .index(let position): "i:" + String(position)
            }
        }

        public init(fieldsV1Key text: String) throws {
            let body = String(text.dropFirst(2))
            switch text.prefix(2) {
            case "f:":
                self = .field(body)
            case "k:":
                guard case .object = try? JSONReader.parse(body) else { throw Self.invalid(text) }
                self = .key(try JSONReader.parse(body))
            case "v:":
                guard let value = try? JSONReader.parse(body) else { throw Self.invalid(text) }
                self = .value(value)
            case "i:":
                guard let position = Int(body), position >= 0 else { throw Self.invalid(text) }
                self = .index(position)
            default:
                throw Self.invalid(text)
            }
        }

        private static func invalid(_ text: String) -> PatchError {
            PatchError.malformed("invalid fieldsV1 path element: \(text)")
        }

        /// Upstream's path notation: `.name`, `[name="nginx"]`, `[="value"]`, `[0]`.
        public var description: String {
            switch self {
            case .field(let name): return "." + name
            case .key(let fields):
                let members = fields.objectValue ?? [:]
                return "[" + members.keys.sorted().map { "\($0)=\(members[$0]!.serialized())" }.joined(separator: ",")
                    + "]"
            case .value(let value): return "[=\(value.serialized())]"
            case .index(let position): return "[\(position)]"
            }
        }

        public static func < (lhs: Element, rhs: Element) -> Bool {
            lhs.fieldsV1Key < rhs.fieldsV1Key
        }
    }

    public typealias Path = [Element]

    /// The member paths; a path's ancestors are not members unless listed themselves.
    public private(set) var paths: Set<Path>

    public init(_ paths: some Sequence<Path> = [Path]()) {
        self.paths = Set(paths.filter { !$0.isEmpty })
    }

    public var isEmpty: Bool { paths.isEmpty }

    public func contains(_ path: Path) -> Bool { paths.contains(path) }

    public mutating func insert(_ path: Path) {
        if !path.isEmpty { paths.insert(path) }
    }

    public func union(_ other: FieldSet) -> FieldSet { FieldSet(paths.union(other.paths)) }

    /// The paths of this set that are not in `other` (exact paths; descendants stay).
    public func subtracting(_ other: FieldSet) -> FieldSet { FieldSet(paths.subtracting(other.paths)) }

    public func intersection(_ other: FieldSet) -> FieldSet { FieldSet(paths.intersection(other.paths)) }

    /// The paths of this set that are neither in `other` nor below one of its paths.
    public func subtractingRecursively(_ other: FieldSet) -> FieldSet {
        FieldSet(paths.filter { path in !path.indices.contains { other.paths.contains(Array(path[...$0])) } })
    }

    /// True when some path is `prefix` itself or lies below it.
    public func containsPath(under prefix: Path) -> Bool {
        paths.contains { $0.count >= prefix.count && Array($0.prefix(prefix.count)) == prefix }
    }

    /// The paths in a stable order (by their FieldsV1 keys, parents before children).
    public var sortedPaths: [Path] {
        paths.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// Upstream's notation for a path: `.spec.template.spec.containers[name="nginx"].image`.
    public static func describe(_ path: Path) -> String {
        path.map(\.description).joined()
    }

    // MARK: FieldsV1

    /// Reads upstream's FieldsV1 tree: each member key is a path element, `"."` marks the
    /// enclosing element itself as a member, and an empty object ends a path.
    public init(fieldsV1: JSON) throws {
        guard case .object = fieldsV1 else { throw PatchError.malformed("fieldsV1 must be an object") }
        var collected: Set<Path> = []
        try Self.read(fieldsV1, prefix: [], into: &collected)
        self.init(collected)
    }

    private static func read(_ node: JSON, prefix: Path, into paths: inout Set<Path>) throws {
        guard case .object(let members) = node else {
            throw PatchError.malformed("fieldsV1 entries must be objects")
        }
        if members.isEmpty, !prefix.isEmpty { paths.insert(prefix) }
        for (key, child) in members {
            if key == "." {
                if !prefix.isEmpty { paths.insert(prefix) }
                continue
            }
            try read(child, prefix: prefix + [Element(fieldsV1Key: key)], into: &paths)
        }
    }

    public var fieldsV1: JSON { Self.encode(Array(paths)) }

    private static func encode(_ paths: [Path]) -> JSON {
        var groups: [Element: (member: Bool, rest: [Path])] = [:]
        for path in paths {
            guard let first = path.first else { continue }
            var group = groups[first] ?? (false, [])
            if path.count == 1 { group.member = true } else { group.rest.append(Array(path.dropFirst())) }
            groups[first] = group
        }
        var members: [String: JSON] = [:]
        for (element, group) in groups {
            var child = encode(group.rest)
            if group.member, !group.rest.isEmpty { child["."] = .emptyObject }
            members[element.fieldsV1Key] = child
        }
        return .object(members)
    }
}
