/// One `metadata.managedFields` entry: the fields a manager owns through one kind of write.
public struct ManagedFieldsEntry: Sendable, Hashable {
    public var manager: String
    /// "Apply" (server-side apply) or "Update" (every other write).
    public var operation: String
    public var apiVersion: String
    /// RFC 3339 time of the manager's last change, when known.
    public var time: String?
    public var subresource: String
    public var fields: FieldSet

    public init(
        manager: String, operation: String, apiVersion: String, time: String?, subresource: String = "",
        fields: FieldSet
    ) {
        self.manager = manager
        self.operation = operation
        self.apiVersion = apiVersion
        self.time = time
        self.subresource = subresource
        self.fields = fields
    }

    /// Reads an entry; nil when it is not a well-formed FieldsV1 entry.
    public init?(json: JSON) {
        guard case .object(let members) = json,
            let operation = members["operation"]?.stringValue, ["Apply", "Update"].contains(operation),
            (members["fieldsType"]?.stringValue ?? "FieldsV1") == "FieldsV1"
        else { return nil }
        let fields: FieldSet
        if let encoded = members["fieldsV1"], encoded != .null {
            guard let decoded = try? FieldSet(fieldsV1: encoded) else { return nil }
            fields = decoded
        } else {
            fields = FieldSet()
        }
        self.init(
            manager: members["manager"]?.stringValue ?? "", operation: operation,
            apiVersion: members["apiVersion"]?.stringValue ?? "", time: members["time"]?.stringValue,
            subresource: members["subresource"]?.stringValue ?? "", fields: fields)
    }

    public var json: JSON {
        var members: [String: JSON] = [
            "operation": .string(operation), "fieldsType": "FieldsV1", "fieldsV1": fields.fieldsV1,
        ]
        if !manager.isEmpty { members["manager"] = .string(manager) }
        if !apiVersion.isEmpty { members["apiVersion"] = .string(apiVersion) }
        if let time { members["time"] = .string(time) }
        if !subresource.isEmpty { members["subresource"] = .string(subresource) }
        return .object(members)
    }

    /// What makes two entries the same owner: appliers are one owner whatever API version they
    /// used, updaters are told apart by version too.
    struct Identity: Hashable {
        var manager: String
        var operation: String
        var apiVersion: String
        var subresource: String
    }

    var identity: Identity {
        Identity(
            manager: manager, operation: operation, apiVersion: operation == "Apply" ? "" : apiVersion,
            subresource: subresource)
    }

    /// The manager as conflict messages name it: `"kubectl"`, `"kubelet" with subresource "status"
    /// using v1`.
    var displayName: String {
        var text = JSON.string(manager).serialized()
        if !subresource.isEmpty { text += " with subresource \(JSON.string(subresource).serialized())" }
        if operation == "Update" { text += " using \(apiVersion)" }
        return text
    }
}

/// Field ownership of non-apply writes (create, update, patch), recorded in
/// `metadata.managedFields` the way upstream's field manager does.
public enum ManagedFields {
    /// The entries recorded in an object; malformed entries are skipped.
    public static func entries(of object: JSON) -> [ManagedFieldsEntry] {
        (object[path: ["metadata", "managedFields"]]?.arrayValue ?? []).compactMap { ManagedFieldsEntry(json: $0) }
    }

    /// Returns `new` with `metadata.managedFields` updated for a write by `manager` (operation
    /// "Update"): the fields it added or changed become its own and leave every other manager,
    /// fields that disappeared leave every manager, and managers left with nothing are dropped.
    /// `old` is the stored object (nil on create). `hasStatus` says the kind has a status
    /// subresource, whose fields writes to the main resource never own.
    public static func recordUpdate(
        old: JSON?, new: JSON, manager: String, subresource: String, apiVersion: String, time: String,
        type: String?, catalog: SchemaCatalog, hasStatus: Bool = false
    ) -> JSON {
        var entries = startingEntries(old: old, new: new, subresource: subresource)
        let ignored = ignoredFields(subresource: subresource, hasStatus: hasStatus)
        var comparison = FieldComparison(
            old: old.map(withoutManagedFields), new: withoutManagedFields(new), node: .root(type, catalog))
        comparison.added = comparison.added.subtractingRecursively(ignored)
        comparison.modified = comparison.modified.subtractingRecursively(ignored)
        comparison.removed = comparison.removed.subtractingRecursively(ignored)
        let changed = comparison.changed
        for index in entries.indices {
            entries[index].fields = entries[index].fields.subtracting(changed).subtracting(comparison.removed)
        }
        let taken = withoutServerOwned(changed)
        if !taken.isEmpty {
            let entry = ManagedFieldsEntry(
                manager: manager, operation: "Update", apiVersion: apiVersion, time: time, subresource: subresource,
                fields: taken)
            if let index = entries.firstIndex(where: { $0.identity == entry.identity }) {
                entries[index].fields = entries[index].fields.union(taken)
                entries[index].time = time
            } else {
                entries.append(entry)
            }
        }
        var result = new
        store(entries, in: &result)
        return result
    }

    /// Upstream takes the entries sent with a write when it carries some (so clients can edit
    /// them), resets them when it carries `[]` or `[{}]`, and otherwise keeps the stored ones;
    /// subresource writes always keep the stored ones.
    static func startingEntries(old: JSON?, new: JSON, subresource: String) -> [ManagedFieldsEntry] {
        let stored = old.map(entries(of:)) ?? []
        guard subresource.isEmpty, let sent = new[path: ["metadata", "managedFields"]]?.arrayValue else {
            return stored
        }
        if sent.isEmpty || sent == [.emptyObject] { return [] }
        let decoded = entries(of: new)
        return decoded.isEmpty ? stored : decoded
    }

    /// Fields a write never owns: status on the main resource of kinds with a status
    /// subresource, and the spec through the status subresource.
    static func ignoredFields(subresource: String, hasStatus: Bool) -> FieldSet {
        switch subresource {
        case "" where hasStatus: statusField
        case "status": specField
        default: FieldSet()
        }
    }

    private static let statusField = FieldSet([[.field("status")]])
    private static let specField = FieldSet([[.field("spec")]])

    /// Drops what the server itself maintains: type fields and the server-managed metadata.
    static func withoutServerOwned(_ fields: FieldSet) -> FieldSet {
        // `metadata` itself is removed exactly, so that the labels and annotations below stay owned.
        fields.subtractingRecursively(serverOwned).subtracting(metadataItself)
    }

    /// Built once: every write strips these (more than once), and building the sets each time
    /// was a fifth of recording a write's fields.
    private static let serverOwned: FieldSet = {
        let managedByServer = [
            "name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName", "generation", "managedFields",
            "resourceVersion",
        ]
        return FieldSet(
            [[.field("apiVersion")], [.field("kind")]] + managedByServer.map { [.field("metadata"), .field($0)] })
    }()
    private static let metadataItself = FieldSet([[.field("metadata")]])

    static func withoutManagedFields(_ object: JSON) -> JSON {
        var copy = object
        if copy[path: ["metadata", "managedFields"]] != nil { copy[path: ["metadata", "managedFields"]] = nil }
        return copy
    }

    /// Writes the entries (those owning something, in upstream's order) into the object.
    static func store(_ entries: [ManagedFieldsEntry], in object: inout JSON) {
        let kept = entries.map { entry in
            var entry = entry
            entry.fields = withoutServerOwned(entry.fields)
            return entry
        }.filter { !$0.fields.isEmpty }
        let ordered = kept.sorted { lhs, rhs in
            (lhs.operation, lhs.time ?? "", lhs.manager, lhs.apiVersion, lhs.subresource)
                < (rhs.operation, rhs.time ?? "", rhs.manager, rhs.apiVersion, rhs.subresource)
        }
        guard case .object = object else { return }
        if ordered.isEmpty {
            object = withoutManagedFields(object)
        } else {
            object[path: ["metadata", "managedFields"]] = .array(ordered.map(\.json))
        }
    }
}
