/// Kubernetes strategic merge patch (`application/strategic-merge-patch+json`): a merge patch
/// whose lists follow the schema (merged by `patchMergeKey` when the field's `patchStrategy` says
/// "merge", replaced otherwise) and which understands the `$patch`, `$setElementOrder/`,
/// `$deleteFromPrimitiveList/` and `$retainKeys` directives. Data the schema does not describe is
/// merged like a JSON merge patch: maps recursively, lists replaced.
public enum StrategicMergePatch {
    static let directiveMarker = "$patch"
    static let setElementOrderPrefix = "$setElementOrder/"
    static let deleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/"
    static let retainKeysDirective = "$retainKeys"

    /// Applies `patch` to `document`; `type` names the root definition in `catalog`
    /// (`io.k8s.api.apps.v1.Deployment`), nil when the kind has no schema.
    public static func apply(_ patch: JSON, to document: JSON, type: String?, catalog: SchemaCatalog) throws -> JSON {
        guard case .object(let members) = patch else { throw PatchError.malformed("invalid JSON document") }
        let original = document.objectValue ?? [:]
        return .object(try mergeMap(original, members, .root(type, catalog)))
    }

    static func mergeMap(
        _ original: [String: JSON], _ patch: [String: JSON], _ node: SchemaNode
    ) throws
        -> [String: JSON]
    {
        var patch = patch
        if let directive = patch.removeValue(forKey: directiveMarker) {
            switch directive {
            case "replace": return try mergeMap([:], patch, node)
            case "delete": return [:]
            case "merge": break
            default:
                throw PatchError.unprocessable(
                    "unknown patch type: \(directive.goDescription) in map: \(JSON.object(patch).goDescription)")
            }
        }
        var result = original
        try applyRetainKeys(to: &result, patch: &patch)
        try applySetElementOrder(to: &result, patch: &patch, node)
        for key in patch.keys.sorted() where key.hasPrefix(deleteFromPrimitiveListPrefix) {
            let field = String(key.dropFirst(deleteFromPrimitiveListPrefix.count))
            guard case .array(let doomed) = patch[key]! else {
                throw PatchError.malformed("invalid patch format of primitive list")
            }
            guard let current = result[field] else { continue }
            guard case .array(let elements) = current else {
                throw PatchError.malformed("invalid patch format of primitive list")
            }
            result[field] = .array(elements.filter { element in !doomed.contains { $0.isSameValue(as: element) } })
        }
        for key in patch.keys.sorted() where !key.hasPrefix(deleteFromPrimitiveListPrefix) {
            let value = patch[key]!
            if value == .null {
                result.removeValue(forKey: key)
                continue
            }
            result[key] = try mergeValue(result[key], value, node.child(key))
        }
        return result
    }

    /// Merges one patch value into the current value of a member (nil when absent). Values new to
    /// the document go through the same merge against nothing, so their directives and nulls are
    /// dropped.
    static func mergeValue(_ original: JSON?, _ patch: JSON, _ node: SchemaNode) throws -> JSON {
        switch patch {
        case .object(let members):
            guard case .object(let current)? = original, !node.patchStrategies.contains("replace") else {
                return .object(try mergeMap([:], members, node))
            }
            return .object(try mergeMap(current, members, node))
        case .array(let elements):
            let current = original?.arrayValue ?? []
            return .array(try mergeList(current, elements, node))
        default:
            return patch
        }
    }

    /// `$retainKeys`: after the merge only the listed keys (and what the patch sets) remain.
    private static func applyRetainKeys(to original: inout [String: JSON], patch: inout [String: JSON]) throws {
        guard let directive = patch.removeValue(forKey: retainKeysDirective) else { return }
        guard case .array(let listed) = directive else {
            throw PatchError.malformed("invalid patch format of retainKeys")
        }
        let retained = Set(listed.compactMap(\.stringValue))
        guard retained.count == listed.count else { throw PatchError.malformed("invalid patch format of retainKeys") }
        for (key, value) in patch where value != .null && !key.hasPrefix("$") && !retained.contains(key) {
            throw PatchError.unprocessable("patch content doesn't match retainKeys list")
        }
        original = original.filter { retained.contains($0.key) }
    }

    /// `$setElementOrder/<field>`: merges the field's patch list (if any) and orders the result by
    /// the given list; elements it does not mention keep their place relative to the live order.
    private static func applySetElementOrder(
        to original: inout [String: JSON], patch: inout [String: JSON], _ node: SchemaNode
    ) throws {
        for key in patch.keys.sorted() where key.hasPrefix(setElementOrderPrefix) {
            let field = String(key.dropFirst(setElementOrderPrefix.count))
            guard case .array(let order) = patch.removeValue(forKey: key)! else {
                throw PatchError.malformed("invalid patch format of setElementOrder list")
            }
            let child = node.child(field)
            let mergeKey = child.patchMergeKey
            let current = try listMember(original[field], field)
            let patchList = try listMember(patch[field], field)
            try validateOrder(order, covers: patchList ?? [], mergeKey: mergeKey)
            let merged: [JSON]
            switch (current, patchList) {
            case (let current?, nil): merged = current
            case (let current, let patchList?): merged = try mergeList(current ?? [], patchList, child)
            case (nil, nil): continue
            }
            patch.removeValue(forKey: field)
            let ordered = ListOrder(mergeKey: elementsAreMaps(merged) ? mergeKey : nil)
            let inOrder = merged.filter { ordered.position(of: $0, in: order) != nil }
            let serverOnly = merged.filter { ordered.position(of: $0, in: order) == nil }
            original[field] = .array(
                ordered.normalize(
                    patchItems: inOrder, serverOnly: serverOnly, patchOrder: order, serverOrder: current ?? []))
        }
    }

    private static func listMember(_ value: JSON?, _ field: String) throws -> [JSON]? {
        guard let value, value != .null else { return nil }
        guard case .array(let elements) = value else {
            throw PatchError.unprocessable("expected a list for \(field), but received a \(value.typeName)")
        }
        return elements
    }

    /// The patch list must mention its elements in the order `$setElementOrder` gives them.
    private static func validateOrder(_ order: [JSON], covers patchList: [JSON], mergeKey: String?) throws {
        let kept = patchList.filter { $0[directiveMarker] == nil }
        guard !order.isEmpty, !kept.isEmpty else { return }
        let identity = ListOrder(mergeKey: elementsAreMaps(kept) ? mergeKey : nil)
        var patchIndex = 0
        var orderIndex = 0
        while patchIndex < kept.count && orderIndex < order.count {
            if identity.matches(kept[patchIndex], order[orderIndex]) { patchIndex += 1 }
            orderIndex += 1
        }
        if patchIndex < kept.count {
            throw PatchError.malformed(
                "The order in patch list:\n\(JSON.array(patchList).goDescription)\n doesn't match "
                    + "$setElementOrder list:\n\(JSON.array(order).goDescription)\n")
        }
    }

    static func elementsAreMaps(_ elements: [JSON]) -> Bool {
        elements.contains { $0.objectValue != nil }
    }
}

extension JSON {
    /// The value as Go's `%v` prints decoded JSON, for error messages worded like upstream's.
    var goDescription: String {
        switch self {
        case .null: return "<nil>"
        case .bool(let value): return value ? "true" : "false"
        case .int(let value): return String(value)
        case .double(let value): return JSON.format(value)
        case .string(let value): return value
        case .array(let elements): return "[" + elements.map(\.goDescription).joined(separator: " ") + "]"
        case .object(let members):
            let pairs = members.keys.sorted().map { "\($0):\(members[$0]!.goDescription)" }
            return "map[" + pairs.joined(separator: " ") + "]"
        }
    }
}
