private typealias F = FieldSchema

/// Definitions of `meta.k8s.io/v1` (apimachinery) shared by every kind: object and list metadata,
/// owner references, label selectors, Status, DeleteOptions and conditions.
public enum MetaV1 {
    static let prefix = "io.k8s.apimachinery.pkg.apis.meta.v1."

    /// A reference to a definition in this group, e.g. `MetaV1.ref("ObjectMeta")`.
    static func ref(_ name: String) -> SchemaType { .ref(prefix + name) }

    public static let schemas: [TypeSchema] = [
        objectMeta, listMeta, ownerReference, managedFieldsEntry, labelSelector, labelSelectorRequirement, status,
        statusDetails, statusCause, deleteOptions, preconditions, condition, apiResource,
    ]

    static let objectMeta = TypeSchema(
        prefix + "ObjectMeta",
        "Metadata every persisted object carries: identity, labels, annotations, ownership and lifecycle markers.",
        [
            F(
                "name", .string,
                "Unique name of the object within its namespace (or cluster, for cluster-scoped kinds)."),
            F(
                "generateName", .string,
                "Prefix from which the server builds a unique name when name is left empty."),
            F("namespace", .string, "Namespace the object lives in; empty for cluster-scoped kinds."),
            F("selfLink", .string, "Deprecated link to the object; no longer filled in."),
            F("uid", .string, "Identifier assigned by the server on creation, unique over time."),
            F(
                "resourceVersion", .string,
                "Opaque version of the object used for optimistic concurrency and watches."),
            F("generation", .int64, "Sequence number of the desired state, bumped when the spec changes."),
            F("creationTimestamp", .time, "When the server created the object."),
            F("deletionTimestamp", .time, "When the object will be (or started being) removed; set by the server."),
            F("deletionGracePeriodSeconds", .int64, "Seconds the object is given to terminate gracefully."),
            F("labels", .stringMap, "Key/value pairs used to organise and select objects."),
            F("annotations", .stringMap, "Non-identifying key/value data attached by tools and users."),
            F(
                "ownerReferences", .array(ref("OwnerReference")),
                "Objects this one depends on; when all owners are gone the garbage collector removes it.",
                mergeKey: "uid", strategy: "merge", listType: "map", mapKeys: ["uid"]),
            F(
                "finalizers", .array(.string),
                "Tokens that must all be removed before the object is deleted from storage.",
                strategy: "merge", listType: "set"),
            F(
                "managedFields", .array(ref("ManagedFieldsEntry")),
                "Which field manager owns which fields, for server-side apply."),
        ])

    static let listMeta = TypeSchema(
        prefix + "ListMeta",
        "Metadata of a list response: the version it was read at and the token to fetch more.",
        [
            F("selfLink", .string, "Deprecated link to the list; no longer filled in."),
            F("resourceVersion", .string, "Version of the store at which the list was read."),
            F("continue", .string, "Token to pass to get the next page; empty on the last page."),
            F("remainingItemCount", .int64, "Estimate of how many items are left after this page."),
        ])

    static let ownerReference = TypeSchema(
        prefix + "OwnerReference",
        "Identifies an owning object in the same namespace (or the cluster).",
        [
            F("apiVersion", .string, "API version of the owner.", required: true),
            F("kind", .string, "Kind of the owner.", required: true),
            F("name", .string, "Name of the owner.", required: true),
            F("uid", .string, "UID of the owner.", required: true),
            F("controller", .boolean, "True when the owner is the managing controller of this object."),
            F(
                "blockOwnerDeletion", .boolean,
                "When true, foreground deletion of the owner waits until this object is gone."),
        ])

    static let managedFieldsEntry = TypeSchema(
        prefix + "ManagedFieldsEntry",
        "The set of fields one manager owns, and how it came to own them.",
        [
            F("manager", .string, "Name of the field manager."),
            F("operation", .string, "Apply or Update: the kind of request that recorded this entry."),
            F("apiVersion", .string, "Version of the object the field set refers to."),
            F("time", .time, "When the entry last changed."),
            F("fieldsType", .string, "Format of fieldsV1; always FieldsV1."),
            F("fieldsV1", .any, "The owned fields, as a trie of f:/k:/v: keys."),
            F("subresource", .string, "Subresource through which the fields were written, if any."),
        ])

    static let labelSelector = TypeSchema(
        prefix + "LabelSelector",
        "Selects objects by labels; all requirements are ANDed. An empty selector matches everything.",
        [
            F("matchLabels", .stringMap, "Exact label values that must all be present."),
            F(
                "matchExpressions", .array(ref("LabelSelectorRequirement")),
                "Set-based requirements on labels.", listType: "atomic"),
        ])

    static let labelSelectorRequirement = TypeSchema(
        prefix + "LabelSelectorRequirement",
        "One set-based requirement: a key, an operator and (for In/NotIn) values.",
        [
            F("key", .string, "The label key the requirement applies to.", required: true),
            F(
                "operator", .string, "How the key relates to the values.", required: true,
                enumValues: ["In", "NotIn", "Exists", "DoesNotExist"]),
            F(
                "values", .array(.string), "Values for In and NotIn; must be empty for Exists/DoesNotExist.",
                listType: "atomic"),
        ])

    static let status = TypeSchema(
        prefix + "Status",
        "Result of an operation that returns no object, most often an error.",
        [
            F("apiVersion", .string, "API version of this representation."),
            F("kind", .string, "Kind of this representation: Status."),
            F("metadata", ref("ListMeta"), "Standard list metadata."),
            F("status", .string, "Success or Failure."),
            F("message", .string, "Human-readable description of the outcome."),
            F("reason", .string, "Machine-readable reason, such as NotFound or Invalid."),
            F("details", ref("StatusDetails"), "Extra data about the reason, such as the object and field causes."),
            F("code", .int32, "HTTP status code of the outcome."),
        ], kinds: [GroupVersionKind("", "v1", "Status")])

    static let statusDetails = TypeSchema(
        prefix + "StatusDetails",
        "Which object a Status is about and the individual causes of a failure.",
        [
            F("name", .string, "Name of the object concerned."),
            F("group", .string, "API group of the object concerned."),
            F("kind", .string, "Kind (or resource) of the object concerned."),
            F("uid", .string, "UID of the object concerned."),
            F(
                "causes", .array(ref("StatusCause")), "Individual problems, e.g. one per invalid field.",
                listType: "atomic"),
            F("retryAfterSeconds", .int32, "Seconds the client should wait before retrying."),
        ])

    static let statusCause = TypeSchema(
        prefix + "StatusCause",
        "One reason an operation failed, optionally pointing at a field.",
        [
            F("reason", .string, "Machine-readable cause, such as FieldValueRequired."),
            F("message", .string, "Human-readable description of the cause."),
            F("field", .string, "Path of the field that caused the failure, e.g. spec.containers[0].image."),
        ])

    static let deleteOptions = TypeSchema(
        prefix + "DeleteOptions",
        "Options of a delete request: grace period, preconditions and how dependents are handled.",
        [
            F("apiVersion", .string, "API version of this representation."),
            F("kind", .string, "Kind of this representation: DeleteOptions."),
            F("gracePeriodSeconds", .int64, "Seconds before the object is removed; 0 deletes immediately."),
            F("preconditions", ref("Preconditions"), "Conditions the stored object must meet to be deleted."),
            F("orphanDependents", .boolean, "Deprecated; use propagationPolicy Orphan instead."),
            F(
                "propagationPolicy", .string, "Whether and how dependents are garbage collected.",
                enumValues: ["Orphan", "Background", "Foreground"]),
            F("dryRun", .array(.string), "When set to All, nothing is persisted.", listType: "atomic"),
            F(
                "ignoreStoreReadErrorWithClusterBreakingPotential", .boolean,
                "Deletes an object that cannot be decoded from storage; dangerous."),
        ], kinds: [GroupVersionKind("", "v1", "DeleteOptions")])

    static let preconditions = TypeSchema(
        prefix + "Preconditions",
        "Values the stored object must have for a delete to go ahead.",
        [
            F("uid", .string, "Required UID of the target."),
            F("resourceVersion", .string, "Required resourceVersion of the target."),
        ])

    static let condition = TypeSchema(
        prefix + "Condition",
        "One aspect of an object's current state, in the standard condition shape.",
        [
            F("type", .string, "Condition type in CamelCase, e.g. Available.", required: true),
            F("status", .string, "True, False or Unknown.", required: true, enumValues: ["True", "False", "Unknown"]),
            F("observedGeneration", .int64, "The metadata.generation the condition was computed from."),
            F("lastTransitionTime", .time, "When status last changed.", required: true),
            F("reason", .string, "CamelCase reason for the last transition.", required: true),
            F("message", .string, "Human-readable details of the transition.", required: true),
        ])

    static let apiResource = TypeSchema(
        prefix + "APIResource",
        "One resource as legacy discovery lists it.",
        [
            F("name", .string, "Plural resource name, or resource/subresource.", required: true),
            F("singularName", .string, "Singular resource name.", required: true),
            F("namespaced", .boolean, "Whether objects of the resource live in namespaces.", required: true),
            F("group", .string, "Group of the kind, when it differs from the containing group."),
            F("version", .string, "Version of the kind, when it differs from the containing version."),
            F("kind", .string, "Kind of the objects served.", required: true),
            F("verbs", .array(.string), "Supported verbs (get, list, watch, create, ...).", required: true),
            F("shortNames", .array(.string), "Abbreviations kubectl accepts.", listType: "atomic"),
            F("categories", .array(.string), "Groups of resources such as all.", listType: "atomic"),
            F("storageVersionHash", .string, "Hash of the storage version, for detecting changes."),
        ])
}
