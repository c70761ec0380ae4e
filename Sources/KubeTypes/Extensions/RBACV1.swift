private typealias F = FieldSchema

/// `rbac.authorization.k8s.io/v1`: roles (sets of permissions) and bindings that grant them to
/// users, groups and service accounts.
public enum RBACV1 {
    static let group = "rbac.authorization.k8s.io"
    static let prefix = "io.k8s.api.rbac.v1."
    static let roleKind = GroupVersionKind(group, "v1", "Role")
    static let clusterRoleKind = GroupVersionKind(group, "v1", "ClusterRole")
    static let roleBindingKind = GroupVersionKind(group, "v1", "RoleBinding")
    static let clusterRoleBindingKind = GroupVersionKind(group, "v1", "ClusterRoleBinding")

    public static let schemas: [TypeSchema] =
        [role, clusterRole, roleBinding, clusterRoleBinding, policyRule, subject, roleRef, aggregationRule]
        + [roleKind, clusterRoleKind, roleBindingKind, clusterRoleBindingKind].map {
            ExtensionSupport.listSchema(prefix: prefix, $0)
        }

    public static let resources: [ResourceType] = [
        resource(
            roleKind, plural: "roles", namespaced: true,
            ResourceStrategy(
                validateCreate: { validateRules($0, namespaced: true) },
                validateUpdate: { new, _ in validateRules(new, namespaced: true) },
                table: roleTable, tracksGeneration: false, nameRule: { pathSegmentName($0) })),
        resource(
            clusterRoleKind, plural: "clusterroles", namespaced: false,
            ResourceStrategy(
                validateCreate: { validateClusterRole($0) },
                validateUpdate: { new, _ in validateClusterRole(new) },
                table: roleTable, tracksGeneration: false, nameRule: { pathSegmentName($0) })),
        resource(
            roleBindingKind, plural: "rolebindings", namespaced: true,
            ResourceStrategy(
                applyDefaults: { applyBindingDefaults(&$0) },
                validateCreate: { validateBinding($0, namespaced: true) },
                validateUpdate: { new, old in
                    validateBinding(new, namespaced: true) + validateRoleRefUnchanged(new, old)
                },
                table: bindingTable, tracksGeneration: false, nameRule: { pathSegmentName($0) })),
        resource(
            clusterRoleBindingKind, plural: "clusterrolebindings", namespaced: false,
            ResourceStrategy(
                applyDefaults: { applyBindingDefaults(&$0) },
                validateCreate: { validateBinding($0, namespaced: false) },
                validateUpdate: { new, old in
                    validateBinding(new, namespaced: false) + validateRoleRefUnchanged(new, old)
                },
                table: bindingTable, tracksGeneration: false, nameRule: { pathSegmentName($0) })),
    ]

    private static func resource(
        _ gvk: GroupVersionKind, plural: String, namespaced: Bool, _ strategy: ResourceStrategy
    ) -> ResourceType {
        ResourceType(
            group: gvk.group, version: gvk.version, kind: gvk.kind, plural: plural, namespaced: namespaced,
            schemaName: prefix + gvk.kind, strategy: strategy)
    }

    static let role = TypeSchema(
        prefix + "Role", "A namespaced set of permissions, granted through RoleBindings in the same namespace.",
        ExtensionSupport.typeMetaFields(roleKind) + [
            F("rules", .array(.ref(prefix + "PolicyRule")), "The permissions the role grants.", listType: "atomic")
        ], kinds: [roleKind])

    static let clusterRole = TypeSchema(
        prefix + "ClusterRole",
        "A cluster-wide set of permissions, granted through ClusterRoleBindings or, per namespace, RoleBindings.",
        ExtensionSupport.typeMetaFields(clusterRoleKind) + [
            F("rules", .array(.ref(prefix + "PolicyRule")), "The permissions the role grants.", listType: "atomic"),
            F(
                "aggregationRule", .ref(prefix + "AggregationRule"),
                "When set, the rules are computed by the controller from the selected cluster roles."),
        ], kinds: [clusterRoleKind])

    static let roleBinding = TypeSchema(
        prefix + "RoleBinding",
        "Grants the permissions of a Role or ClusterRole to subjects, within the binding's namespace.",
        ExtensionSupport.typeMetaFields(roleBindingKind) + bindingFields, kinds: [roleBindingKind])

    static let clusterRoleBinding = TypeSchema(
        prefix + "ClusterRoleBinding", "Grants the permissions of a ClusterRole to subjects across the cluster.",
        ExtensionSupport.typeMetaFields(clusterRoleBindingKind) + bindingFields, kinds: [clusterRoleBindingKind])

    static let bindingFields = [
        F("subjects", .array(.ref(prefix + "Subject")), "Who receives the permissions.", listType: "atomic"),
        F(
            "roleRef", .ref(prefix + "RoleRef"), "The role whose permissions are granted; cannot change later.",
            required: true),
    ]

    static let policyRule = TypeSchema(
        prefix + "PolicyRule", "Verbs allowed on a set of resources or non-resource URLs.",
        [
            F(
                "verbs", .array(.string), "Allowed verbs such as get, list, create; * allows all.", required: true,
                listType: "atomic"),
            F(
                "apiGroups", .array(.string), "API groups of the resources; \"\" is the core group, * any group.",
                listType: "atomic"),
            F("resources", .array(.string), "Resources the rule applies to; * means all.", listType: "atomic"),
            F(
                "resourceNames", .array(.string), "Optional allow-list of object names within those resources.",
                listType: "atomic"),
            F(
                "nonResourceURLs", .array(.string),
                "URL paths (such as /healthz, or a prefix ending in *) the rule covers; cluster roles only.",
                listType: "atomic"),
        ])

    static let subject = TypeSchema(
        prefix + "Subject", "A user, group or service account a binding grants permissions to.",
        [
            F(
                "kind", .string, "User, Group or ServiceAccount.", required: true,
                enumValues: ["User", "Group", "ServiceAccount"]),
            F(
                "apiGroup", .string,
                "Group of the subject kind: \"\" for service accounts, rbac.authorization.k8s.io otherwise."),
            F("name", .string, "Name of the subject.", required: true),
            F("namespace", .string, "Namespace of a service account subject."),
        ])

    static let roleRef = TypeSchema(
        prefix + "RoleRef", "Points at the Role or ClusterRole a binding grants.",
        [
            F("apiGroup", .string, "Group of the referenced role: rbac.authorization.k8s.io.", required: true),
            F("kind", .string, "Role or ClusterRole.", required: true),
            F("name", .string, "Name of the referenced role.", required: true),
        ])

    static let aggregationRule = TypeSchema(
        prefix + "AggregationRule", "Selects the cluster roles whose rules are merged into an aggregated role.",
        [
            F(
                "clusterRoleSelectors", .array(ExtensionSupport.labelSelector),
                "Cluster roles matching any of these selectors contribute their rules.", listType: "atomic")
        ])
}
