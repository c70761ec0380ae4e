import KubeTypes

/// An object a controller acts on. Namespace and name address it; the uid travels with it so the
/// shell can send it as a precondition and never touch a same-named object created since the
/// decision was made.
public struct ObjectReference: Sendable, Hashable, CustomStringConvertible {
    public var namespace: String
    public var name: String
    public var uid: String

    public init(namespace: String, name: String, uid: String) {
        self.namespace = namespace
        self.name = name
        self.uid = uid
    }

    public init(_ object: JSON) {
        self.init(namespace: object.namespace, name: object.name, uid: object.uid)
    }

    /// `namespace/name`, the key informers and work queues use.
    public var description: String { "\(namespace)/\(name)" }
}

/// An event the controller wants recorded against the object it is syncing, as upstream's event
/// recorder would (`kubectl describe` shows them).
public struct ControllerEvent: Sendable, Hashable {
    public typealias EventType = KubeEventType

    public var type: EventType
    public var reason: String
    public var message: String

    public init(_ type: EventType, reason: String, message: String) {
        self.type = type
        self.reason = reason
        self.message = message
    }
}

// MARK: - Object metadata

extension JSON {
    /// `metadata.generation`, 0 when unset.
    var generation: Int64 { self[path: ["metadata", "generation"]]?.intValue ?? 0 }

    /// Epoch seconds of `metadata.creationTimestamp`; nil when unset (upstream's zero time).
    var creationTime: Int64? {
        self[path: ["metadata", "creationTimestamp"]]?.stringValue.flatMap(Timestamp.parse)
    }

    /// True once the object has a `metadata.deletionTimestamp`.
    var isBeingDeleted: Bool {
        guard let stamp = self[path: ["metadata", "deletionTimestamp"]] else { return false }
        return stamp != .null
    }

    var ownerReferences: [JSON] { self[path: ["metadata", "ownerReferences"]]?.arrayValue ?? [] }

    /// The owner reference with `controller: true` (upstream `metav1.GetControllerOf`).
    var controllerReference: JSON? {
        ownerReferences.first { $0["controller"]?.boolValue == true }
    }

    var controllerUID: String? { controllerReference?["uid"]?.stringValue }

    /// `spec.replicas`; the API server defaults it to 1, so a missing value means 1.
    var specReplicas: Int { Int(self[path: ["spec", "replicas"]]?.intValue ?? 1) }

    func statusCount(_ field: String) -> Int { Int(self[path: ["status", field]]?.intValue ?? 0) }

    /// The object's label selector (`spec.selector`); a malformed one selects nothing, which is how
    /// upstream treats a selector it cannot convert.
    var specSelector: LabelSelector {
        guard let object = self[path: ["spec", "selector"]] else { return .nothing }
        return (try? LabelSelector(object: object)) ?? .nothing
    }

    mutating func setAnnotation(_ key: String, _ value: String) {
        self[path: ["metadata", "annotations", key]] = .string(value)
    }
}

// MARK: - Ownership

/// What a controller does with an object it lists, following upstream's `ClaimObject`
/// (`controller_ref_manager.go`): a controller keeps what it owns and still selects, releases what
/// it owns but no longer selects, and adopts matching orphans.
enum ClaimDecision: Equatable {
    case owned
    case adopt
    case release
    case ignore

    static func decide(object: JSON, owner: JSON, selected: Bool) -> ClaimDecision {
        if let controllerUID = object.controllerUID {
            // Owned by someone else: never touched.
            guard controllerUID == owner.uid else { return .ignore }
            if selected { return .owned }
            // A controller being deleted keeps its objects so the garbage collector finds them.
            return owner.isBeingDeleted ? .ignore : .release
        }
        if owner.isBeingDeleted || !selected || object.isBeingDeleted { return .ignore }
        if !owner.namespace.isEmpty && owner.namespace != object.namespace { return .ignore }
        return .adopt
    }
}

/// The kinds that own objects in this module, for owner references.
enum OwnerKind {
    case replicaSet
    case deployment
    case job
    case daemonSet
    case statefulSet

    var apiVersion: String {
        switch self {
        case .replicaSet, .deployment, .daemonSet, .statefulSet: "apps/v1"
        case .job: "batch/v1"
        }
    }

    var kind: String {
        switch self {
        case .replicaSet: "ReplicaSet"
        case .deployment: "Deployment"
        case .job: "Job"
        case .daemonSet: "DaemonSet"
        case .statefulSet: "StatefulSet"
        }
    }

    /// Upstream `metav1.NewControllerRef`: controller and blockOwnerDeletion both true.
    func controllerReference(to owner: JSON) -> JSON {
        [
            "apiVersion": .string(apiVersion), "kind": .string(kind), "name": .string(owner.name),
            "uid": .string(owner.uid), "controller": true, "blockOwnerDeletion": true,
        ]
    }

    /// The strategic merge patch upstream sends to adopt an orphan. ownerReferences merge by uid,
    /// and `metadata.uid` makes the patch fail if the object was replaced meanwhile.
    func adoptionPatch(owner: JSON, object: JSON) -> JSON {
        ["metadata": ["ownerReferences": [controllerReference(to: owner)], "uid": .string(object.uid)]]
    }

    /// The strategic merge patch upstream sends to release an object: deletes the owner's entry.
    static func releasePatch(ownerUID: String, object: JSON) -> JSON {
        [
            "metadata": [
                "ownerReferences": [["$patch": "delete", "uid": .string(ownerUID)]], "uid": .string(object.uid),
            ]
        ]
    }

    /// The object as it will look once the adoption patch is applied, so the rest of the sync
    /// treats it as owned like upstream does with the patched object.
    func adopted(_ object: JSON, by owner: JSON) -> JSON {
        var copy = object
        copy[path: ["metadata", "ownerReferences"]] = .array(object.ownerReferences + [controllerReference(to: owner)])
        return copy
    }
}

// MARK: - Conditions

/// Status conditions kept as JSON, with upstream's `SetCondition` rules shared by Deployments and
/// ReplicaSets.
enum Conditions {
    static func find(_ conditions: [JSON], type: String) -> JSON? {
        conditions.first { $0["type"]?.stringValue == type }
    }

    /// Upstream `SetDeploymentCondition`/`SetCondition`: an identical status and reason leaves the
    /// old condition (and its timestamps) alone; the same status keeps lastTransitionTime; anything
    /// else replaces it, moving it to the end of the list.
    static func set(_ condition: JSON, in conditions: inout [JSON]) {
        let type = condition["type"]?.stringValue ?? ""
        var condition = condition
        if let current = find(conditions, type: type), current["status"] == condition["status"] {
            if current["reason"] == condition["reason"] { return }
            condition["lastTransitionTime"] = current["lastTransitionTime"]
        }
        conditions.removeAll { $0["type"]?.stringValue == type }
        conditions.append(condition)
    }

    static func remove(type: String, from conditions: inout [JSON]) {
        conditions.removeAll { $0["type"]?.stringValue == type }
    }
}

// MARK: - Int or percent

/// `intstr.IntOrString` values such as maxSurge: a count, or a percentage of a total.
enum IntOrPercent {
    /// Upstream `GetScaledValueFromIntOrPercent`: percentages round up or down as asked. Anything
    /// unparsable yields 0, as the callers upstream ignore the error validation already reported.
    static func scaledValue(_ value: JSON?, total: Int, roundUp: Bool) -> Int {
        switch value {
        case .int(let count)?:
            return Int(count)
        case .string(let text)? where text.hasSuffix("%"):
            guard let percent = Int(text.dropLast()) else { return 0 }
            let exact = Double(percent) * Double(total) / 100
            return Int(roundUp ? exact.rounded(.up) : exact.rounded(.down))
        default:
            return 0
        }
    }
}

/// Values as upstream renders them in annotations and messages.
enum GoFormat {
    /// `%q` of a plain string, as upstream condition messages quote object names.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for character in text.unicodeScalars {
            switch character {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(character)
            }
        }
        return out + "\""
    }
}
