/// Building blocks shared by the definitions of the extension groups (coordination, discovery,
/// events, RBAC, authorization, apiextensions): the fields every top-level kind carries, list
/// definitions, and small JSON accessors used by their strategies.
enum ExtensionSupport {
    static let objectMeta = SchemaType.ref("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
    static let listMeta = SchemaType.ref("io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta")
    static let labelSelector = SchemaType.ref("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector")
    static let objectReference = SchemaType.ref("io.k8s.api.core.v1.ObjectReference")

    /// `apiVersion`, `kind` and `metadata`, described for the given kind.
    static func typeMetaFields(_ gvk: GroupVersionKind) -> [FieldSchema] {
        [
            FieldSchema("apiVersion", .string, "Versioned schema of this representation: \(gvk.apiVersion)."),
            FieldSchema("kind", .string, "Kind of this representation: \(gvk.kind)."),
            FieldSchema("metadata", objectMeta, "Standard object metadata."),
        ]
    }

    /// The `<Kind>List` definition that wraps `items` of a kind.
    static func listSchema(prefix: String, _ gvk: GroupVersionKind) -> TypeSchema {
        let listKind = gvk.kind + "List"
        return TypeSchema(
            prefix + listKind, "A page of \(gvk.kind) objects.",
            [
                FieldSchema("apiVersion", .string, "Versioned schema of this representation: \(gvk.apiVersion)."),
                FieldSchema("kind", .string, "Kind of this representation: \(listKind)."),
                FieldSchema("metadata", listMeta, "Standard list metadata."),
                FieldSchema("items", .array(.ref(prefix + gvk.kind)), "The objects of the page.", required: true),
            ], kinds: [GroupVersionKind(gvk.group, gvk.version, listKind)])
    }

    /// The Name cell every table starts with.
    static func nameCell(_ object: JSON) -> JSON { .string(object.name) }

    static let nameColumn = TableColumn(
        "Name", format: "name", description: "Name of the object, unique within its namespace or the cluster.")
    static let ageColumn = TableColumn("Age", description: "Time since the object was created.")

    /// Upstream's DNS-1035 label check (names that must start with a letter: versions, plurals).
    static func dns1035Label(_ value: String) -> [String] {
        var problems: [String] = []
        if value.utf8.count > 63 { problems.append("must be no more than 63 characters") }
        let startsWithLetter = value.utf8.first.map { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") } ?? false
        if !NameRules.isLabel(value) || !startsWithLetter {
            problems.append(
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
                    + "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
                    + "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
        }
        return problems
    }

    /// A string member, or "" when absent or not a string.
    static func string(_ object: JSON?, _ key: String) -> String {
        object?[key]?.stringValue ?? ""
    }

    /// An array member, or [] when absent or not an array.
    static func array(_ object: JSON?, _ key: String) -> [JSON] {
        object?[key]?.arrayValue ?? []
    }

    /// Strings of an array member, skipping non-strings.
    static func strings(_ object: JSON?, _ key: String) -> [String] {
        array(object, key).compactMap(\.stringValue)
    }

    /// A string field that must be present and non-empty.
    static func requireString(_ object: JSON?, _ key: String, at path: FieldPath) -> [FieldError] {
        string(object, key).isEmpty ? [.required(path.child(key).text, "")] : []
    }

    /// Rejects a change to a field that may not change after creation.
    static func immutable(_ new: JSON?, _ old: JSON?, at path: String) -> [FieldError] {
        new == old ? [] : [.invalid(path, new ?? .null, "field is immutable")]
    }
}
