extension ApplyMerge {
    /// Removes the fields an applier set last time and no longer sets, unless a manager (the
    /// applier's new configuration included) owns them or something below them. Maps and lists
    /// left empty by a removal go too, unless owned.
    static func prune(_ object: JSON, lastApplied: FieldSet, owned: FieldSet, node: SchemaNode) -> JSON {
        var result = object
        for path in lastApplied.sortedPaths where !owned.containsPath(under: path) && !isKeyOfKeptElement(path) {
            result = remove(path[...], from: result, node, [], owned)
        }
        return result
    }

    /// The key fields of a list element are part of its identity; when the element itself
    /// stays (someone still owns part of it) its keys stay with it.
    private static func isKeyOfKeptElement(_ path: FieldSet.Path) -> Bool {
        guard path.count >= 2, case .field(let name) = path[path.count - 1],
            case .key(let keys) = path[path.count - 2]
        else { return false }
        return keys[name] != nil
    }

    private static func remove(
        _ path: ArraySlice<FieldSet.Element>, from value: JSON, _ node: SchemaNode, _ prefix: FieldSet.Path,
        _ owned: FieldSet
    ) -> JSON {
        guard let first = path.first else { return value }
        let rest = path.dropFirst()
        let here = prefix + [first]
        switch (first, value) {
        case (.field(let key), .object(var members)):
            guard let member = members[key] else { return value }
            if rest.isEmpty {
                members.removeValue(forKey: key)
            } else {
                let updated = remove(rest, from: member, node.child(key), here, owned)
                if emptied(member, updated) && !owned.containsPath(under: here) {
                    members.removeValue(forKey: key)
                } else {
                    members[key] = updated
                }
            }
            return .object(members)
        case (.field, _):
            return value
        case (_, .array(var elements)):
            let semantics = node.listSemantics
            guard
                let index = elements.indices.first(where: {
                    ValueShape.element(elements[$0], at: $0, semantics) == first
                })
            else { return value }
            if rest.isEmpty {
                elements.remove(at: index)
            } else {
                let updated = remove(rest, from: elements[index], node.element, here, owned)
                if emptied(elements[index], updated) && !owned.containsPath(under: here) {
                    elements.remove(at: index)
                } else {
                    elements[index] = updated
                }
            }
            return .array(elements)
        default:
            return value
        }
    }

    /// True when a removal turned a non-empty map or list into an empty one.
    private static func emptied(_ before: JSON, _ after: JSON) -> Bool {
        switch (before, after) {
        case (.object(let old), .object(let new)): !old.isEmpty && new.isEmpty
        case (.array(let old), .array(let new)): !old.isEmpty && new.isEmpty
        default: false
        }
    }
}
