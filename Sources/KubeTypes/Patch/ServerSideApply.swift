/// Server-side apply (`application/apply-patch+yaml`), following upstream's structured merge:
/// the configuration is merged into the live object, the applier owns exactly the fields of its
/// configuration, fields it applied before and dropped now are removed unless someone else owns
/// them, and changing a field another manager owns is a conflict unless forced.
public enum ServerSideApply {
    /// Applies `config` for `manager` and returns the resulting object with its managed fields;
    /// `live` is nil when the object does not exist yet. Throws `ApplyConflictError` for
    /// conflicts and `PatchError` for a configuration that is not an object.
    public static func apply(
        config: JSON, to live: JSON?, manager: String, force: Bool, apiVersion: String, subresource: String,
        time: String, type: String?, catalog: SchemaCatalog, hasStatus: Bool = false
    ) throws -> JSON {
        guard case .object = config else {
            throw PatchError.malformed("the applied configuration must be an object, not \(config.typeName)")
        }
        let node = SchemaNode.root(type, catalog)
        let ignored = ManagedFields.ignoredFields(subresource: subresource, hasStatus: hasStatus)
        let configBody = ManagedFields.withoutManagedFields(config)
        let liveBody = live.map(ManagedFields.withoutManagedFields)
        var entries = live.map(ManagedFields.entries(of:)) ?? []

        let applied = ManagedFields.withoutServerOwned(
            FieldSet(of: configBody, type: type, catalog: catalog).subtractingRecursively(ignored))
        var entry = ManagedFieldsEntry(
            manager: manager, operation: "Apply", apiVersion: apiVersion, time: time, subresource: subresource,
            fields: applied)
        let previousIndex = entries.firstIndex { $0.identity == entry.identity }
        let previous = previousIndex.map { entries.remove(at: $0) }

        var merged = ApplyMerge.merge(liveBody, configBody, node) ?? .emptyObject
        if let previous {
            let owned = entries.reduce(applied) { $0.union($1.fields) }
            merged = ApplyMerge.prune(merged, lastApplied: previous.fields, owned: owned, node: node)
        }

        var comparison = FieldComparison(old: liveBody, new: merged, node: node)
        comparison.added = comparison.added.subtractingRecursively(ignored)
        comparison.modified = comparison.modified.subtractingRecursively(ignored)
        comparison.removed = comparison.removed.subtractingRecursively(ignored)
        let changed = comparison.changed
        var conflicts: [ApplyConflictError.Conflict] = []
        for other in entries {
            for path in other.fields.intersection(changed).sortedPaths {
                conflicts.append(.init(manager: other.displayName, field: FieldSet.describe(path)))
            }
        }
        if !force && !conflicts.isEmpty {
            throw ApplyConflictError(conflicts: conflicts.sorted { ($0.manager, $0.field) < ($1.manager, $1.field) })
        }
        for index in entries.indices {
            entries[index].fields = entries[index].fields.subtracting(changed).subtracting(comparison.removed)
        }
        // A no-op apply keeps the time of the previous one, as upstream only stamps real changes.
        if let previous, liveBody == merged { entry.time = previous.time }
        entries.append(entry)
        ManagedFields.store(entries, in: &merged)
        return merged
    }
}

/// The value operations of server-side apply: merging a configuration into a live object and
/// removing fields an applier gave up.
enum ApplyMerge {
    /// The configuration merged into the live value; nil when the result is "no value" (an
    /// explicit null in the configuration).
    static func merge(_ live: JSON?, _ config: JSON, _ node: SchemaNode) -> JSON? {
        if config == .null { return nil }
        guard let live, live != .null else { return normalized(config, node) }
        switch (ValueShape(live, node), ValueShape(config, node)) {
        case (.map(var members), .map(let applied)):
            for (key, value) in applied {
                members[key] = merge(members[key], value, node.child(key))
            }
            return .object(members)
        case (.list(let current, let semantics), .list(let applied, _)):
            return .array(mergeLists(current, applied, semantics, node.element))
        default:
            return normalized(config, node)
        }
    }

    /// A configuration value taken as it is, minus the null members of maps it sets granularly.
    private static func normalized(_ value: JSON, _ node: SchemaNode) -> JSON {
        switch ValueShape(value, node) {
        case .leaf:
            return value
        case .map(let members):
            var kept: [String: JSON] = [:]
            for (key, member) in members where member != .null {
                kept[key] = normalized(member, node.child(key))
            }
            return .object(kept)
        case .list(let elements, _):
            return .array(elements.map { normalized($0, node.element) })
        }
    }

    /// Merges keyed or set lists element by element. Elements only the live list has keep their
    /// place; applied elements come in the configuration's order, each live element that is also
    /// applied moving to where the configuration puts it (upstream's interleaving).
    private static func mergeLists(
        _ live: [JSON], _ applied: [JSON], _ semantics: SchemaNode.ListSemantics, _ element: SchemaNode
    ) -> [JSON] {
        let liveKeys = live.enumerated().map { ValueShape.element($1, at: $0, semantics) }
        let appliedKeys = applied.enumerated().map { ValueShape.element($1, at: $0, semantics) }
        let liveByKey = FieldComparison.index(live, semantics)
        let appliedByKey = FieldComparison.index(applied, semantics)
        var sharedOrder = appliedKeys.filter { liveByKey[$0] != nil }[...]
        var nextShared = sharedOrder.popFirst()
        var done: Set<FieldSet.Element> = []
        var result: [JSON] = []
        var liveIndex = 0
        var appliedIndex = 0
        func take(_ key: FieldSet.Element) {
            done.insert(key)
            if let value = merge(liveByKey[key], appliedByKey[key]!, element) { result.append(value) }
        }
        while liveIndex < live.count || appliedIndex < applied.count {
            if liveIndex < live.count && appliedIndex < applied.count {
                let key = liveKeys[liveIndex]
                if key == appliedKeys[appliedIndex] {
                    take(key)
                    liveIndex += 1
                    appliedIndex += 1
                    nextShared = sharedOrder.popFirst()
                    continue
                }
                if appliedByKey[key] != nil, let upcoming = nextShared, upcoming != key {
                    liveIndex += 1
                    continue
                }
            }
            if liveIndex < live.count {
                let key = liveKeys[liveIndex]
                if appliedByKey[key] == nil {
                    result.append(live[liveIndex])
                    liveIndex += 1
                    continue
                }
                if done.contains(key) {
                    liveIndex += 1
                    continue
                }
            }
            if appliedIndex < applied.count {
                let key = appliedKeys[appliedIndex]
                appliedIndex += 1
                if done.contains(key) { continue }
                take(key)
                if nextShared == key { nextShared = sharedOrder.popFirst() }
            }
        }
        return result
    }
}
