import KubeTypes

/// A node taint (`spec.taints[]`), as the DaemonSet and node lifecycle controllers read it.
public struct NodeTaint: Sendable, Hashable {
    public static let noSchedule = "NoSchedule"
    public static let noExecute = "NoExecute"
    public static let preferNoSchedule = "PreferNoSchedule"

    public var key: String
    public var value: String
    public var effect: String

    public init(key: String, value: String = "", effect: String) {
        self.key = key
        self.value = value
        self.effect = effect
    }

    init(json: JSON) {
        self.init(
            key: json["key"]?.stringValue ?? "", value: json["value"]?.stringValue ?? "",
            effect: json["effect"]?.stringValue ?? "")
    }

    static func of(_ node: JSON) -> [NodeTaint] {
        (node[path: ["spec", "taints"]]?.arrayValue ?? []).map(NodeTaint.init(json:))
    }
}

/// A pod toleration (`spec.tolerations[]`).
struct PodToleration: Sendable, Hashable {
    var key: String
    /// "Equal" (also when empty) or "Exists".
    var op: String
    var value: String
    /// Empty tolerates every effect.
    var effect: String
    /// How long a NoExecute taint is tolerated; nil for ever.
    var seconds: Int64?

    init(json: JSON) {
        key = json["key"]?.stringValue ?? ""
        op = json["operator"]?.stringValue ?? ""
        value = json["value"]?.stringValue ?? ""
        effect = json["effect"]?.stringValue ?? ""
        seconds = json["tolerationSeconds"]?.intValue
    }

    /// Upstream `Toleration.ToleratesTaint`: an empty key with Exists tolerates every taint.
    func tolerates(_ taint: NodeTaint) -> Bool {
        if !effect.isEmpty && effect != taint.effect { return false }
        if !key.isEmpty && key != taint.key { return false }
        switch op {
        case "", "Equal": return value == taint.value
        case "Exists": return true
        default: return false
        }
    }

    static func of(_ pod: JSON) -> [PodToleration] {
        (pod[path: ["spec", "tolerations"]]?.arrayValue ?? []).map(PodToleration.init(json:))
    }
}

extension [PodToleration] {
    /// Upstream `FindMatchingUntoleratedTaint`: the first taint passing `filter` nothing tolerates.
    func firstUntolerated(of taints: [NodeTaint], where filter: (NodeTaint) -> Bool) -> NodeTaint? {
        taints.first { taint in filter(taint) && !contains { $0.tolerates(taint) } }
    }
}

/// `spec.nodeSelector` and required node affinity of a pod against a node (upstream
/// `nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)`), as the DaemonSet controller checks it
/// before it creates a pod for the node.
enum RequiredNodeAffinityMatch {
    static func matches(pod: JSON, node: JSON) -> Bool {
        let labels = node.labels
        for (key, value) in pod[path: ["spec", "nodeSelector"]]?.stringMap ?? [:] where labels[key] != value {
            return false
        }
        let required = pod[path: [
            "spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
        ]]
        guard let required, required != .null else { return true }
        let terms = required["nodeSelectorTerms"]?.arrayValue ?? []
        // Terms are ORed; an empty term matches nothing.
        return terms.contains { term in
            let expressions = term["matchExpressions"]?.arrayValue ?? []
            let fields = term["matchFields"]?.arrayValue ?? []
            if expressions.isEmpty && fields.isEmpty { return false }
            return expressions.allSatisfy { requirement($0, holdsFor: labels[$0["key"]?.stringValue ?? ""]) }
                && fields.allSatisfy { field in
                    field["key"]?.stringValue == "metadata.name"
                        && requirement(field, holdsFor: node.name, fieldOnly: true)
                }
        }
    }

    /// One `matchExpressions` (or `matchFields`, In and NotIn only) entry against the value the
    /// node has for its key (nil when it has none). An unknown operator matches nothing, as the
    /// parse error upstream makes the term fail.
    static func requirement(_ requirement: JSON, holdsFor actual: String?, fieldOnly: Bool = false) -> Bool {
        let values = (requirement["values"]?.arrayValue ?? []).compactMap(\.stringValue)
        let op = requirement["operator"]?.stringValue ?? ""
        switch op {
        case "In": return actual.map(values.contains) ?? false
        case "NotIn": return actual.map { !values.contains($0) } ?? true
        case "Exists" where !fieldOnly: return actual != nil
        case "DoesNotExist" where !fieldOnly: return actual == nil
        case "Gt" where !fieldOnly, "Lt" where !fieldOnly:
            guard values.count == 1, let bound = Int64(values[0]), let actual, let number = Int64(actual) else {
                return false
            }
            return op == "Gt" ? number > bound : number < bound
        default: return false
        }
    }
}
