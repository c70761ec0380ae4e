/// How server-side apply sees a value at some node of the schema.
enum ValueShape {
    /// Owned and compared as a whole: scalars, atomic lists and maps, schemaless lists, `.any`.
    case leaf
    /// Owned member by member: objects and granular maps.
    case map([String: JSON])
    /// Owned element by element: `listType: map` and `listType: set` lists.
    case list([JSON], SchemaNode.ListSemantics)

    init(_ value: JSON, _ node: SchemaNode) {
        if node.isOpaque {
            self = .leaf
            return
        }
        switch value {
        case .object(let members):
            let mismatched = node.isScalar || { if case .array = node.type { return true } else { return false } }()
            self = node.isAtomicMap || mismatched ? .leaf : .map(members)
        case .array(let elements):
            let semantics = node.listSemantics
            self = semantics == .atomic ? .leaf : .list(elements, semantics)
        default:
            self = .leaf
        }
    }

    var kind: Int {
        switch self {
        case .leaf: 0
        case .map: 1
        case .list: 2
        }
    }

    /// The path element naming a list element.
    static func element(_ value: JSON, at position: Int, _ semantics: SchemaNode.ListSemantics) -> FieldSet.Element {
        switch semantics {
        case .map(let keys): .key(SchemaNode.elementKey(value, keys: keys))
        case .set: .value(value)
        case .atomic: .index(position)
        }
    }
}

extension FieldSet {
    /// The fields an object sets, as upstream derives an applier's field set from its
    /// configuration: every leaf, every element of keyed and set lists, every entry of free maps,
    /// and members that are null or empty objects. `type` names the root definition.
    public init(of value: JSON, type: String?, catalog: SchemaCatalog) {
        var collected: Set<Path> = []
        Self.collect(value, .root(type, catalog), [], into: &collected)
        self.init(collected)
    }

    static func collect(_ value: JSON, _ node: SchemaNode, _ path: Path, into paths: inout Set<Path>) {
        switch ValueShape(value, node) {
        case .leaf:
            if value != .null { paths.insert(path) }
        case .map(let members):
            for (key, member) in members {
                let childPath = path + [.field(key)]
                collect(member, node.child(key), childPath, into: &paths)
                if member == .null || member == .emptyObject || !node.declares(key) { paths.insert(childPath) }
            }
        case .list(let elements, let semantics):
            for (position, element) in elements.enumerated() {
                let elementPath = path + [ValueShape.element(element, at: position, semantics)]
                collect(element, node.element, elementPath, into: &paths)
                paths.insert(elementPath)
            }
        }
    }
}

/// What changed between two versions of an object, path by path: upstream's comparison that
/// decides which fields an update takes over (added and modified) and which ownership ends
/// (removed). A map or keyed element that appears or disappears as a whole is itself listed.
struct FieldComparison {
    var added = FieldSet()
    var modified = FieldSet()
    var removed = FieldSet()

    var changed: FieldSet { added.union(modified) }

    init(old: JSON?, new: JSON?, node: SchemaNode) {
        compare(old, new, node, [])
    }

    private mutating func compare(
        _ old: JSON?, _ new: JSON?, _ node: SchemaNode, _ path: FieldSet.Path, listElement: Bool = false
    ) {
        let old = old == .null ? nil : old
        let new = new == .null ? nil : new
        guard old != nil || new != nil else { return }
        let oldShape = old.map { ValueShape($0, node) }
        let newShape = new.map { ValueShape($0, node) }
        if let oldShape, let newShape, oldShape.kind != newShape.kind {
            compare(old, nil, node, path, listElement: listElement)
            compare(nil, new, node, path, listElement: listElement)
            return
        }
        switch oldShape ?? newShape! {
        case .leaf:
            if old == nil {
                added.insert(path)
            } else if new == nil {
                removed.insert(path)
            } else if !old!.isSameValue(as: new!) {
                modified.insert(path)
            }
            return
        case .map:
            compareMaps(old?.objectValue ?? [:], new?.objectValue ?? [:], node, path)
        case .list(_, let semantics):
            compareLists(old?.arrayValue ?? [], new?.arrayValue ?? [], semantics, node, path)
        }
        // Objects of a known type appear and disappear through their fields; like upstream
        // (whose stored objects always carry their non-optional structs) only free maps and list
        // elements are tracked themselves, and empty objects, which have nothing else to track.
        let tracksItself = listElement || node.objectSchema == nil || (old ?? new) == .emptyObject
        guard tracksItself else { return }
        if old == nil { added.insert(path) } else if new == nil { removed.insert(path) }
    }

    private mutating func compareMaps(
        _ old: [String: JSON], _ new: [String: JSON], _ node: SchemaNode, _ path: FieldSet.Path
    ) {
        for key in Set(old.keys).union(new.keys) {
            compare(old[key], new[key], node.child(key), path + [.field(key)])
        }
    }

    private mutating func compareLists(
        _ old: [JSON], _ new: [JSON], _ semantics: SchemaNode.ListSemantics, _ node: SchemaNode,
        _ path: FieldSet.Path
    ) {
        let oldByElement = Self.index(old, semantics)
        let newByElement = Self.index(new, semantics)
        for element in Set(oldByElement.keys).union(newByElement.keys) {
            compare(oldByElement[element], newByElement[element], node.element, path + [element], listElement: true)
        }
    }

    /// List elements by path element; with duplicate keys the first one counts.
    static func index(_ elements: [JSON], _ semantics: SchemaNode.ListSemantics) -> [FieldSet.Element: JSON] {
        var result: [FieldSet.Element: JSON] = [:]
        for (position, element) in elements.enumerated() {
            let pathElement = ValueShape.element(element, at: position, semantics)
            if result[pathElement] == nil { result[pathElement] = element }
        }
        return result
    }
}
