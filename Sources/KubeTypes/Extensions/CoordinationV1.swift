private typealias F = FieldSchema

/// `coordination.k8s.io/v1`: leases, the small objects components renew to hold a lock or to
/// report that they are alive (node heartbeats, leader election).
public enum CoordinationV1 {
    static let prefix = "io.k8s.api.coordination.v1."
    static let leaseKind = GroupVersionKind("coordination.k8s.io", "v1", "Lease")

    public static let schemas: [TypeSchema] = [
        lease, leaseSpec, ExtensionSupport.listSchema(prefix: prefix, leaseKind),
    ]

    public static let resources: [ResourceType] = [
        ResourceType(
            group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases", namespaced: true,
            schemaName: prefix + "Lease",
            strategy: ResourceStrategy(
                validateCreate: { validateLease($0) }, validateUpdate: { new, _ in validateLease(new) },
                table: leaseTable, tracksGeneration: false))
    ]

    static let lease = TypeSchema(
        prefix + "Lease", "A named lock with a holder and an expiry, renewed by whoever holds it.",
        ExtensionSupport.typeMetaFields(leaseKind) + [
            F("spec", .ref(prefix + "LeaseSpec"), "Who holds the lease and for how long.")
        ], kinds: [leaseKind])

    static let leaseSpec = TypeSchema(
        prefix + "LeaseSpec", "The current holder of a lease and the times it was taken and renewed.",
        [
            F("holderIdentity", .string, "Identity of the current holder."),
            F("leaseDurationSeconds", .int32, "Seconds after the last renewal at which others may take the lease."),
            F("acquireTime", .microTime, "When the current holder took the lease."),
            F("renewTime", .microTime, "When the current holder last renewed the lease."),
            F("leaseTransitions", .int32, "How many times the lease has changed hands."),
            F("strategy", .string, "How a new holder is chosen in coordinated leader election."),
            F("preferredHolder", .string, "Holder that the current holder should hand the lease over to."),
        ])

    static func validateLease(_ object: JSON) -> [FieldError] {
        var errors: [FieldError] = []
        let spec = object["spec"]
        if let duration = spec?["leaseDurationSeconds"], let value = duration.intValue, value <= 0 {
            errors.append(.invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"))
        }
        if let transitions = spec?["leaseTransitions"], let value = transitions.intValue, value < 0 {
            errors.append(.invalid("spec.leaseTransitions", transitions, "must be greater than or equal to 0"))
        }
        return errors
    }

    static let leaseTable = TableDefinition(
        columns: [
            ExtensionSupport.nameColumn,
            TableColumn("Holder", description: "Identity of the current holder of the lease."),
            ExtensionSupport.ageColumn,
        ],
        cells: { object, now in
            [
                ExtensionSupport.nameCell(object),
                .string(object[path: ["spec", "holderIdentity"]]?.stringValue ?? ""),
                .string(Age.of(object, now: now)),
            ]
        })
}
