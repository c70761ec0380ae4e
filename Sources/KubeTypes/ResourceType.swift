/// A resource the API server serves (`deployments` in `apps/v1`): what discovery advertises, where
/// objects are stored, and the strategy that defaults, validates and prints them.
public struct ResourceType: Sendable {
    public var group: String
    public var version: String
    public var kind: String
    /// Lower-case plural used in paths: `deployments`.
    public var plural: String
    public var singular: String
    public var namespaced: Bool
    public var shortNames: [String]
    public var categories: [String]
    public var verbs: [String]
    /// Root definition in the schema catalog, such as `io.k8s.api.apps.v1.Deployment`.
    public var schemaName: String
    /// Extra subresources (besides `status` and `scale`, which come from the strategy).
    public var subresources: [Subresource]
    public var strategy: ResourceStrategy

    public static let allVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

    public init(
        group: String, version: String, kind: String, plural: String, singular: String? = nil,
        namespaced: Bool, shortNames: [String] = [], categories: [String] = [], verbs: [String] = allVerbs,
        schemaName: String, subresources: [Subresource] = [], strategy: ResourceStrategy = ResourceStrategy()
    ) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.singular = singular ?? kind.lowercased()
        self.namespaced = namespaced
        self.shortNames = shortNames
        self.categories = categories
        self.verbs = verbs
        self.schemaName = schemaName
        self.subresources = subresources
        self.strategy = strategy
    }

    public var groupVersionKind: GroupVersionKind { GroupVersionKind(group, version, kind) }
    public var apiVersion: String { groupVersionKind.apiVersion }
    /// `deployments.apps`, or just `pods` in the core group: how messages name the resource.
    public var qualifiedName: String { group.isEmpty ? plural : "\(plural).\(group)" }
    /// `Deployment.apps`, or `Pod`: how validation messages name the kind.
    public var qualifiedKind: String { group.isEmpty ? kind : "\(kind).\(group)" }

    /// Every subresource, including status and scale when the strategy has them.
    public var allSubresources: [Subresource] {
        var result: [Subresource] = []
        if strategy.hasStatus {
            result.append(
                Subresource(
                    name: "status", kind: GroupVersionKind(group, version, kind), verbs: ["get", "patch", "update"]))
        }
        if strategy.scale != nil {
            result.append(
                Subresource(
                    name: "scale", kind: GroupVersionKind("autoscaling", "v1", "Scale"),
                    verbs: ["get", "patch", "update"]))
        }
        return result + subresources
    }
}

/// A subresource such as `pods/log` or `deployments/scale`.
public struct Subresource: Sendable, Hashable {
    public var name: String
    /// The kind a request to it returns (`autoscaling/v1 Scale` for scale).
    public var kind: GroupVersionKind
    public var verbs: [String]

    public init(name: String, kind: GroupVersionKind, verbs: [String]) {
        self.name = name
        self.kind = kind
        self.verbs = verbs
    }
}

/// Where a scalable resource keeps its replicas, for the `/scale` subresource.
public struct ScaleAccessor: Sendable {
    public var specReplicasPath: [String]
    public var statusReplicasPath: [String]
    /// Label selector of the pods, as an object (`spec.selector`) or a string path for custom resources.
    public var selectorPath: [String]?

    public init(
        specReplicasPath: [String] = ["spec", "replicas"], statusReplicasPath: [String] = ["status", "replicas"],
        selectorPath: [String]? = ["spec", "selector"]
    ) {
        self.specReplicasPath = specReplicasPath
        self.statusReplicasPath = statusReplicasPath
        self.selectorPath = selectorPath
    }
}

/// How one kind is defaulted, validated, selected by field and printed. Every hook is pure; the API
/// server handles the generic parts (metadata, names, uid, generation, resourceVersion) itself.
public struct ResourceStrategy: Sendable {
    /// Fills defaults, as upstream's defaulting functions do on every decode of a write.
    public var applyDefaults: @Sendable (inout JSON) -> Void
    /// Kind-specific preparation of a new object (e.g. a pod's initial `status.phase: Pending`).
    public var prepareForCreate: @Sendable (inout JSON) -> Void
    /// Kind-specific preparation of an update before it is validated, given the stored object
    /// (a service keeps the cluster IP and node ports an update leaves out).
    public var prepareForUpdate: @Sendable (_ new: inout JSON, _ old: JSON) -> Void
    /// Kind-specific validation of a new object; metadata is validated by the server.
    public var validateCreate: @Sendable (JSON) -> [FieldError]
    /// Validation of an update, given the stored object (immutable fields and the like).
    public var validateUpdate: @Sendable (_ new: JSON, _ old: JSON) -> [FieldError]
    /// True when the kind has a `/status` subresource: writes to the main resource keep the stored
    /// status, writes to `/status` keep everything but status.
    public var hasStatus: Bool
    public var scale: ScaleAccessor?
    /// Field selector labels beyond `metadata.name` and `metadata.namespace`, such as `spec.nodeName`.
    public var fieldLabels: [String: @Sendable (JSON) -> String?]
    /// Server-side printing for `kubectl get`.
    public var table: TableDefinition
    /// True for names that must be DNS-1123 labels (namespaces, services) rather than subdomains.
    public var nameIsLabel: Bool
    /// False for kinds whose objects have no spec to track (ConfigMap, Secret, Event, ...).
    public var tracksGeneration: Bool
    /// Replaces the DNS name rule for kinds with looser names (RBAC: any path segment, so
    /// `system:aggregate-to-admin` is valid); returns the problems with a name.
    public var nameRule: (@Sendable (String) -> [String])?
    /// How deleting an object of this kind proceeds beyond finalizers.
    public var deletion: DeletionRules
    /// True for services: the server hands out cluster IPs and node ports, which needs every other
    /// service's, so it happens in the server after validation (see `ServiceAddresses`).
    public var allocatesServiceAddresses: Bool

    public init(
        applyDefaults: @escaping @Sendable (inout JSON) -> Void = { _ in },
        prepareForCreate: @escaping @Sendable (inout JSON) -> Void = { _ in },
        prepareForUpdate: @escaping @Sendable (inout JSON, JSON) -> Void = { _, _ in },
        validateCreate: @escaping @Sendable (JSON) -> [FieldError] = { _ in [] },
        validateUpdate: @escaping @Sendable (JSON, JSON) -> [FieldError] = { _, _ in [] },
        hasStatus: Bool = false, scale: ScaleAccessor? = nil,
        fieldLabels: [String: @Sendable (JSON) -> String?] = [:],
        table: TableDefinition = .nameAndAge, nameIsLabel: Bool = false, tracksGeneration: Bool = true,
        nameRule: (@Sendable (String) -> [String])? = nil, deletion: DeletionRules = DeletionRules(),
        allocatesServiceAddresses: Bool = false
    ) {
        self.applyDefaults = applyDefaults
        self.prepareForCreate = prepareForCreate
        self.prepareForUpdate = prepareForUpdate
        self.validateCreate = validateCreate
        self.validateUpdate = validateUpdate
        self.hasStatus = hasStatus
        self.scale = scale
        self.fieldLabels = fieldLabels
        self.table = table
        self.nameIsLabel = nameIsLabel
        self.tracksGeneration = tracksGeneration
        self.nameRule = nameRule
        self.deletion = deletion
        self.allocatesServiceAddresses = allocatesServiceAddresses
    }
}

/// Kind-specific deletion: graceful termination (pods wait for their containers to stop) and
/// finalizers kept outside metadata (a namespace's `spec.finalizers`, owned by its controller).
public struct DeletionRules: Sendable {
    /// For kinds with graceful deletion: the seconds an object stays terminating, given the stored
    /// object and the grace period the client asked for; 0 means it can go at once. Objects of such
    /// kinds are only removed by an update once their `deletionGracePeriodSeconds` is 0.
    public var gracePeriod: (@Sendable (_ object: JSON, _ requested: Int64?) -> Int64)?
    /// Where finalizers outside `metadata.finalizers` live; the object stays until they are empty.
    public var specFinalizersPath: [String]?
    /// Marks an object as terminating when its deletion starts (a namespace's phase).
    public var markTerminating: @Sendable (inout JSON) -> Void

    public init(
        gracePeriod: (@Sendable (JSON, Int64?) -> Int64)? = nil, specFinalizersPath: [String]? = nil,
        markTerminating: @escaping @Sendable (inout JSON) -> Void = { _ in }
    ) {
        self.gracePeriod = gracePeriod
        self.specFinalizersPath = specFinalizersPath
        self.markTerminating = markTerminating
    }
}

/// A column of a server-side Table (`meta.k8s.io/v1`).
public struct TableColumn: Sendable, Hashable {
    public var name: String
    /// OpenAPI type: "string", "integer", "number", "boolean", "date".
    public var type: String
    /// "name" for the Name column, "" otherwise.
    public var format: String
    public var description: String
    /// 0 prints by default; 1 only with `-o wide`.
    public var priority: Int

    public init(
        _ name: String, type: String = "string", format: String = "", priority: Int = 0, description: String = ""
    ) {
        self.name = name
        self.type = type
        self.format = format
        self.description = description
        self.priority = priority
    }
}

/// The columns of one kind and how to fill them. `now` is the current time in seconds since the
/// epoch, passed in so that ages are computed without reading a clock here.
public struct TableDefinition: Sendable {
    public var columns: [TableColumn]
    public var cells: @Sendable (_ object: JSON, _ now: Int64) -> [JSON]

    public init(columns: [TableColumn], cells: @escaping @Sendable (JSON, Int64) -> [JSON]) {
        self.columns = columns
        self.cells = cells
    }

    /// Upstream's default for kinds without a printer: NAME and AGE.
    public static let nameAndAge = TableDefinition(
        columns: [
            TableColumn("Name", format: "name", description: "Name must be unique within a namespace."),
            TableColumn("Age", description: "Date of creation of the object."),
        ],
        cells: { object, now in
            [.string(object[path: ["metadata", "name"]]?.stringValue ?? ""), .string(Age.of(object, now: now))]
        }
    )
}
