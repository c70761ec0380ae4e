private typealias F = FieldSchema

/// `authorization.k8s.io/v1`: questions put to the authorizer ("may I list pods?"). The review
/// kinds are create-only: the reply carries the answer in `status` and nothing is stored.
public enum AuthorizationV1 {
    static let group = "authorization.k8s.io"
    static let prefix = "io.k8s.api.authorization.v1."

    public static let schemas: [TypeSchema] = [
        selfSubjectAccessReview, selfSubjectAccessReviewSpec, subjectAccessReview, localSubjectAccessReview,
        subjectAccessReviewSpec, resourceAttributes, nonResourceAttributes, fieldSelectorAttributes,
        labelSelectorAttributes, fieldSelectorRequirement, subjectAccessReviewStatus, selfSubjectRulesReview,
        selfSubjectRulesReviewSpec, subjectRulesReviewStatus, resourceRule, nonResourceRule,
    ]

    public static let resources: [ResourceType] = [
        review("SelfSubjectAccessReview", namespaced: false) { validateAccessReviewSpec($0, needsSubject: false) },
        review("SubjectAccessReview", namespaced: false) { validateAccessReviewSpec($0, needsSubject: true) },
        review("LocalSubjectAccessReview", namespaced: true) { validateLocalAccessReview($0) },
        review("SelfSubjectRulesReview", namespaced: false) { _ in [] },
    ]

    private static func review(
        _ kind: String, namespaced: Bool, validate: @escaping @Sendable (JSON) -> [FieldError]
    ) -> ResourceType {
        ResourceType(
            group: group, version: "v1", kind: kind, plural: kind.lowercased() + "s", namespaced: namespaced,
            verbs: ["create"], schemaName: prefix + kind,
            strategy: ResourceStrategy(validateCreate: validate, tracksGeneration: false))
    }

    /// Exactly one of resourceAttributes and nonResourceAttributes; a subject review also needs a
    /// user or a group to ask about.
    static func validateAccessReviewSpec(_ object: JSON, needsSubject: Bool) -> [FieldError] {
        var errors: [FieldError] = []
        let spec = object["spec"]
        let resource = spec?["resourceAttributes"]
        let nonResource = spec?["nonResourceAttributes"]
        if resource != nil && nonResource != nil {
            errors.append(
                .invalid(
                    "spec.nonResourceAttributes", nonResource,
                    "cannot be specified in combination with resourceAttributes"
                ))
        }
        if resource == nil && nonResource == nil {
            errors.append(
                .invalid(
                    "spec.resourceAttributes", .null,
                    "exactly one of nonResourceAttributes or resourceAttributes must be specified"))
        }
        if needsSubject && (spec?["user"]?.stringValue ?? "").isEmpty && (spec?["groups"]?.arrayValue ?? []).isEmpty {
            errors.append(.invalid("spec.user", .string(""), "at least one of user or group must be specified"))
        }
        return errors
    }

    /// A local review asks about the namespace it is created in, and only about resources.
    static func validateLocalAccessReview(_ object: JSON) -> [FieldError] {
        var errors = validateAccessReviewSpec(object, needsSubject: true)
        if object[path: ["spec", "nonResourceAttributes"]] != nil {
            errors.append(
                .invalid(
                    "spec.nonResourceAttributes", object[path: ["spec", "nonResourceAttributes"]],
                    "disallowed on this kind of request"))
        }
        let namespace = object[path: ["spec", "resourceAttributes", "namespace"]]?.stringValue ?? ""
        if object[path: ["spec", "resourceAttributes"]] != nil && namespace != object.namespace {
            errors.append(
                .invalid(
                    "spec.resourceAttributes.namespace", .string(namespace),
                    "must match metadata.namespace"))
        }
        return errors
    }

    private static func reviewSchema(_ kind: String, spec: String, status: String, _ description: String) -> TypeSchema
    {
        let gvk = GroupVersionKind(group, "v1", kind)
        return TypeSchema(
            prefix + kind, description,
            ExtensionSupport.typeMetaFields(gvk) + [
                F("spec", .ref(prefix + spec), "The question being asked.", required: true),
                F("status", .ref(prefix + status), "The answer, filled in by the server."),
            ], kinds: [gvk])
    }

    static let selfSubjectAccessReview = reviewSchema(
        "SelfSubjectAccessReview", spec: "SelfSubjectAccessReviewSpec", status: "SubjectAccessReviewStatus",
        "Asks whether the requesting user may perform an action (kubectl auth can-i).")

    static let subjectAccessReview = reviewSchema(
        "SubjectAccessReview", spec: "SubjectAccessReviewSpec", status: "SubjectAccessReviewStatus",
        "Asks whether a given user or group may perform an action.")

    static let localSubjectAccessReview = reviewSchema(
        "LocalSubjectAccessReview", spec: "SubjectAccessReviewSpec", status: "SubjectAccessReviewStatus",
        "Asks whether a given user or group may perform an action in the review's own namespace.")

    static let selfSubjectRulesReview = reviewSchema(
        "SelfSubjectRulesReview", spec: "SelfSubjectRulesReviewSpec", status: "SubjectRulesReviewStatus",
        "Lists the actions the requesting user may perform in a namespace (kubectl auth can-i --list).")

    static let selfSubjectAccessReviewSpec = TypeSchema(
        prefix + "SelfSubjectAccessReviewSpec", "The action a self review asks about; set exactly one attribute set.",
        [
            F("resourceAttributes", .ref(prefix + "ResourceAttributes"), "An action on an API resource."),
            F("nonResourceAttributes", .ref(prefix + "NonResourceAttributes"), "An action on a non-resource URL."),
        ])

    static let subjectAccessReviewSpec = TypeSchema(
        prefix + "SubjectAccessReviewSpec", "The subject and the action a review asks about.",
        [
            F("resourceAttributes", .ref(prefix + "ResourceAttributes"), "An action on an API resource."),
            F("nonResourceAttributes", .ref(prefix + "NonResourceAttributes"), "An action on a non-resource URL."),
            F("user", .string, "User to test; at least one of user and groups is needed."),
            F("groups", .array(.string), "Groups to test.", listType: "atomic"),
            F("extra", .map(.array(.string)), "Extra authenticator attributes of the user."),
            F("uid", .string, "UID of the user."),
        ])

    static let resourceAttributes = TypeSchema(
        prefix + "ResourceAttributes", "An API request described by its verb and target, as the authorizer sees it.",
        [
            F("namespace", .string, "Namespace of the request; empty for cluster-scoped or all namespaces."),
            F("verb", .string, "Verb: get, list, watch, create, update, patch, delete, deletecollection, or *."),
            F("group", .string, "API group of the resource; * means all."),
            F("version", .string, "API version of the resource; * means all."),
            F("resource", .string, "Resource (plural); * means all."),
            F("subresource", .string, "Subresource, if any."),
            F("name", .string, "Name of the object; empty means all."),
            F("fieldSelector", .ref(prefix + "FieldSelectorAttributes"), "Field selector of a list or watch."),
            F("labelSelector", .ref(prefix + "LabelSelectorAttributes"), "Label selector of a list or watch."),
        ])

    static let nonResourceAttributes = TypeSchema(
        prefix + "NonResourceAttributes", "A request to a URL outside the resource API, such as /healthz.",
        [
            F("path", .string, "URL path of the request."),
            F("verb", .string, "HTTP verb in lower case."),
        ])

    static let fieldSelectorAttributes = TypeSchema(
        prefix + "FieldSelectorAttributes", "A field selector, raw or parsed, that limits a list or watch.",
        [
            F("rawSelector", .string, "The selector as written in the query string."),
            F(
                "requirements", .array(.ref(prefix + "FieldSelectorRequirement")), "The parsed selector.",
                listType: "atomic"),
        ])

    static let fieldSelectorRequirement = TypeSchema(
        prefix + "FieldSelectorRequirement", "One requirement of a field selector.",
        [
            F("key", .string, "Field path the requirement applies to.", required: true),
            F("operator", .string, "In, NotIn, Exists or DoesNotExist.", required: true),
            F("values", .array(.string), "Values for In and NotIn.", listType: "atomic"),
        ])

    static let labelSelectorAttributes = TypeSchema(
        prefix + "LabelSelectorAttributes", "A label selector, raw or parsed, that limits a list or watch.",
        [
            F("rawSelector", .string, "The selector as written in the query string."),
            F(
                "requirements", .array(.ref("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement")),
                "The parsed selector.", listType: "atomic"),
        ])

    static let subjectAccessReviewStatus = TypeSchema(
        prefix + "SubjectAccessReviewStatus", "The authorizer's answer to an access review.",
        [
            F("allowed", .boolean, "True when the action is allowed.", required: true),
            F("denied", .boolean, "True when the action is explicitly denied, not merely not allowed."),
            F("reason", .string, "Why the action is allowed or denied."),
            F("evaluationError", .string, "Problem met while evaluating, if any; the answer may still hold."),
        ])

    static let selfSubjectRulesReviewSpec = TypeSchema(
        prefix + "SelfSubjectRulesReviewSpec", "The namespace whose rules are listed.",
        [F("namespace", .string, "Namespace to evaluate the rules in.")])

    static let subjectRulesReviewStatus = TypeSchema(
        prefix + "SubjectRulesReviewStatus", "The actions a user may perform in a namespace.",
        [
            F(
                "resourceRules", .array(.ref(prefix + "ResourceRule")), "Allowed actions on resources.",
                required: true, listType: "atomic"),
            F(
                "nonResourceRules", .array(.ref(prefix + "NonResourceRule")), "Allowed actions on non-resource URLs.",
                required: true, listType: "atomic"),
            F("incomplete", .boolean, "True when the authorizer cannot list every rule.", required: true),
            F("evaluationError", .string, "Problem met while listing the rules, if any."),
        ])

    static let resourceRule = TypeSchema(
        prefix + "ResourceRule", "Verbs allowed on a set of resources.",
        [
            F("verbs", .array(.string), "Allowed verbs; * means all.", required: true, listType: "atomic"),
            F("apiGroups", .array(.string), "API groups of the resources; * means all.", listType: "atomic"),
            F("resources", .array(.string), "Resources; * means all.", listType: "atomic"),
            F("resourceNames", .array(.string), "Optional allow-list of object names.", listType: "atomic"),
        ])

    static let nonResourceRule = TypeSchema(
        prefix + "NonResourceRule", "Verbs allowed on a set of non-resource URLs.",
        [
            F("verbs", .array(.string), "Allowed verbs; * means all.", required: true, listType: "atomic"),
            F("nonResourceURLs", .array(.string), "URL paths, or prefixes ending in *.", listType: "atomic"),
        ])
}
