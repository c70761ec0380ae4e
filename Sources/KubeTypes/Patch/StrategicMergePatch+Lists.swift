extension StrategicMergePatch {
    /// Merges a patch list into the current list. Only fields whose strategy includes "merge" are
    /// merged (maps by merge key, scalars as a union); every other list is replaced by the patch.
    static func mergeList(_ original: [JSON], _ patch: [JSON], _ node: SchemaNode) throws -> [JSON] {
        guard node.patchStrategies.contains("merge") else {
            return try patch.compactMap { element in
                guard case .object(let members) = element else { return element }
                if members[directiveMarker] != nil { return nil }
                return .object(try mergeMap([:], members, node.element))
            }
        }
        if original.isEmpty && patch.isEmpty { return original }
        try checkElementKinds(original + patch)
        if !elementsAreMaps(original + patch) {
            let merged = (original + patch).reduce(into: [JSON]()) { unique, element in
                if !unique.contains(where: { $0.isSameValue(as: element) }) { unique.append(element) }
            }
            let order = ListOrder(mergeKey: nil)
            let fromPatch = merged.filter { order.position(of: $0, in: patch) != nil }
            let serverOnly = merged.filter { order.position(of: $0, in: patch) == nil }
            return order.normalize(
                patchItems: fromPatch, serverOnly: serverOnly, patchOrder: patch, serverOrder: original)
        }
        guard let mergeKey = node.patchMergeKey else {
            throw PatchError.unprocessable("cannot merge lists without merge key for type map")
        }
        var (current, items) = try applyListDirectives(original, patch, mergeKey: mergeKey)
        let serverOrder = current
        for item in items {
            guard let key = item[mergeKey] else {
                throw PatchError.unprocessable(
                    "map: \(item.goDescription) does not contain declared merge key: \(mergeKey)")
            }
            let members = item.objectValue ?? [:]
            if let index = current.firstIndex(where: { $0[mergeKey]?.isSameValue(as: key) ?? false }) {
                current[index] = .object(try mergeMap(current[index].objectValue ?? [:], members, node.element))
            } else {
                current.append(.object(try mergeMap([:], members, node.element)))
            }
        }
        let order = ListOrder(mergeKey: mergeKey)
        let fromPatch = current.filter { order.position(of: $0, in: items) != nil }
        let serverOnly = current.filter { order.position(of: $0, in: items) == nil }
        return order.normalize(
            patchItems: fromPatch, serverOnly: serverOnly, patchOrder: items, serverOrder: serverOrder)
    }

    /// Handles `$patch` elements of a merge list: `delete` removes the live element with that
    /// key, `replace` makes the rest of the patch list the whole new list, `merge` is the default.
    /// Returns the live list to merge into and the remaining patch elements.
    private static func applyListDirectives(
        _ original: [JSON], _ patch: [JSON], mergeKey: String
    ) throws
        -> ([JSON], [JSON])
    {
        var current = original
        var items: [JSON] = []
        var replace = false
        for element in patch {
            guard case .object(var members) = element else {
                throw PatchError.unprocessable("expected a map, but received a \(element.typeName)")
            }
            guard let directive = members.removeValue(forKey: directiveMarker) else {
                items.append(element)
                continue
            }
            switch directive {
            case "delete":
                guard let key = members[mergeKey] else {
                    throw PatchError.unprocessable(
                        "map: \(element.goDescription) does not contain declared merge key: \(mergeKey)")
                }
                current.removeAll { $0[mergeKey]?.isSameValue(as: key) ?? false }
            case "replace":
                replace = true
            case "merge":
                if !members.isEmpty { items.append(.object(members)) }
            default:
                throw PatchError.unprocessable(
                    "unknown patch type: \(directive.goDescription) in map: \(element.goDescription)")
            }
        }
        return replace ? ([], items) : (current, items)
    }

    /// Lists must hold elements of one kind, and never lists.
    private static func checkElementKinds(_ elements: [JSON]) throws {
        if elements.contains(where: { $0.arrayValue != nil }) {
            throw PatchError.unprocessable("lists of lists are not supported")
        }
        let maps = elements.filter { $0.objectValue != nil }.count
        if maps != 0 && maps != elements.count {
            throw PatchError.unprocessable(
                "list elements are not all maps or all scalars: mixed types are not supported")
        }
    }
}

/// Element order of merged lists, as upstream settles it: patch elements in the order the patch
/// (or `$setElementOrder`) gives, live-only elements in their live order, and the two sequences
/// interleaved by the live order where both are known.
struct ListOrder {
    /// Maps are identified by this key; nil compares whole values (scalar lists).
    let mergeKey: String?

    func identity(_ element: JSON) -> JSON? {
        guard let mergeKey else { return element }
        return element[mergeKey]
    }

    func matches(_ left: JSON, _ right: JSON) -> Bool {
        guard let lhs = identity(left), let rhs = identity(right) else { return false }
        return lhs.isSameValue(as: rhs)
    }

    func position(of element: JSON, in list: [JSON]) -> Int? {
        list.firstIndex { matches($0, element) }
    }

    func normalize(patchItems: [JSON], serverOnly: [JSON], patchOrder: [JSON], serverOrder: [JSON]) -> [JSON] {
        let right = sorted(patchItems, by: patchOrder)
        let left = sorted(serverOnly, by: serverOrder)
        var result: [JSON] = []
        result.reserveCapacity(left.count + right.count)
        var leftIndex = 0
        var rightIndex = 0
        while leftIndex < left.count || rightIndex < right.count {
            guard leftIndex < left.count else {
                result.append(right[rightIndex])
                rightIndex += 1
                continue
            }
            guard rightIndex < right.count else {
                result.append(left[leftIndex])
                leftIndex += 1
                continue
            }
            // A live-only element goes first only when the live order puts it before the next
            // patch element; when either is unknown to the live list the patch element wins.
            if let live = position(of: left[leftIndex], in: serverOrder),
                let patched = position(of: right[rightIndex], in: serverOrder), live < patched
            {
                result.append(left[leftIndex])
                leftIndex += 1
            } else {
                result.append(right[rightIndex])
                rightIndex += 1
            }
        }
        return result
    }

    /// Stable sort by position in `order`; elements it does not mention follow in their own order.
    private func sorted(_ elements: [JSON], by order: [JSON]) -> [JSON] {
        let ranked = elements.enumerated().map { (offset, element) in
            (rank: position(of: element, in: order) ?? Int.max, offset: offset, element: element)
        }
        return ranked.sorted { ($0.rank, $0.offset) < ($1.rank, $1.offset) }.map(\.element)
    }
}
