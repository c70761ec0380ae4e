/// Building blocks shared by the workload schemas (apps, batch, autoscaling, policy): the fields
/// every top-level kind starts with, list kinds and the usual condition shape.
enum WorkloadSchema {
    static let objectMeta = SchemaType.ref("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
    static let listMeta = SchemaType.ref("io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta")
    static let labelSelector = SchemaType.ref("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector")
    static let podTemplate = SchemaType.ref("io.k8s.api.core.v1.PodTemplateSpec")

    /// `apiVersion`, `kind` and `metadata`, the opening fields of every top-level kind.
    static func header(
        metadata: String = "Standard object metadata: name, namespace, labels and so on."
    )
        -> [FieldSchema]
    {
        [
            FieldSchema(
                "apiVersion", .string,
                "Versioned schema of this representation, such as `apps/v1`; the server converts to it on read."),
            FieldSchema(
                "kind", .string, "The REST kind of this object, in CamelCase; the server infers it from the URL."),
            FieldSchema("metadata", objectMeta, metadata),
        ]
    }

    /// A top-level kind with the usual spec/status pair.
    static func kind(
        _ name: String, _ description: String, _ gvk: GroupVersionKind, spec: (String, String)?,
        status: (String, String)?
    ) -> TypeSchema {
        var fields = header()
        if let spec { fields.append(FieldSchema("spec", .ref(spec.0), spec.1)) }
        if let status { fields.append(FieldSchema("status", .ref(status.0), status.1)) }
        return TypeSchema(name, description, fields, kinds: [gvk])
    }

    /// The `<Kind>List` that list and watch calls return.
    static func list(_ name: String, item: String, _ gvk: GroupVersionKind) -> TypeSchema {
        TypeSchema(
            name, "A page of \(gvk.kind.dropLast(4)) objects.",
            [
                FieldSchema(
                    "apiVersion", .string, "Versioned schema of this representation, such as `apps/v1`."),
                FieldSchema("items", .array(.ref(item)), "The objects in this page of the list.", required: true),
                FieldSchema("kind", .string, "The REST kind of this list, in CamelCase."),
                FieldSchema("metadata", listMeta, "List metadata: resource version and continuation token."),
            ], kinds: [gvk])
    }

    /// A `<Kind>Condition` type with type, status, reasons and transition times.
    static func condition(_ name: String, of owner: String, extraTimes: [(String, String)] = []) -> TypeSchema {
        var fields = [
            FieldSchema("type", .string, "Which aspect of the \(owner) this condition describes.", required: true),
            FieldSchema("status", .string, "Whether the condition holds: True, False or Unknown.", required: true),
        ]
        for (field, description) in extraTimes { fields.append(FieldSchema(field, .time, description)) }
        fields += [
            FieldSchema("lastTransitionTime", .time, "When the status last changed from one value to another."),
            FieldSchema("reason", .string, "A CamelCase word giving the cause of the last transition."),
            FieldSchema("message", .string, "A human-readable account of the last transition."),
        ]
        return TypeSchema(name, "One observed state of a \(owner) at a point in time.", fields)
    }

    /// A `conditions` list merged by `type`, as upstream declares it.
    static func conditions(_ element: String, _ description: String, listType: String = "map") -> FieldSchema {
        FieldSchema(
            "conditions", .array(.ref(element)), description, mergeKey: "type", strategy: "merge",
            listType: listType, mapKeys: listType == "map" ? ["type"] : [])
    }
}
