import KubeTypes

/// A pod toleration (`spec.tolerations[]`).
struct Toleration: Sendable, Hashable {
    var key: String
    /// "Equal" (also when empty) or "Exists".
    var op: String
    var value: String
    /// Empty tolerates every effect.
    var effect: String

    init(json: JSON) {
        key = json["key"]?.stringValue ?? ""
        op = json["operator"]?.stringValue ?? ""
        value = json["value"]?.stringValue ?? ""
        effect = json["effect"]?.stringValue ?? ""
    }

    /// Upstream `Toleration.ToleratesTaint`: an empty key with Exists tolerates every taint.
    func tolerates(_ taint: Taint) -> Bool {
        if !effect.isEmpty && effect != taint.effect.rawValue { return false }
        if !key.isEmpty && key != taint.key { return false }
        switch op {
        case "", "Equal": return value == taint.value
        case "Exists": return true
        default: return false
        }
    }
}

extension [Toleration] {
    func tolerate(_ taint: Taint) -> Bool { contains { $0.tolerates(taint) } }

    /// Upstream `FindMatchingUntoleratedTaint` with the NoSchedule/NoExecute filter: the first
    /// such taint nothing tolerates, which is the one the failure message names.
    func firstUntolerated(of taints: [Taint]) -> Taint? {
        taints.first { ($0.effect == .noSchedule || $0.effect == .noExecute) && !tolerate($0) }
    }
}

/// One `matchExpressions`/`matchFields` entry of a node selector term.
struct NodeSelectorRequirement: Sendable, Hashable {
    var key: String
    var op: String
    var values: [String]

    init(json: JSON) {
        key = json["key"]?.stringValue ?? ""
        op = json["operator"]?.stringValue ?? ""
        values = (json["values"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    /// Against node labels. NotIn and DoesNotExist hold for a node without the label; Gt and Lt
    /// compare integers and need the label; an unknown operator matches nothing, as upstream's parse
    /// error makes the term fail.
    func matches(labels: [String: String]) -> Bool {
        let label = labels[key]
        switch op {
        case "In": return label.map(values.contains) ?? false
        case "NotIn": return label.map { !values.contains($0) } ?? true
        case "Exists": return label != nil
        case "DoesNotExist": return label == nil
        case "Gt", "Lt":
            guard values.count == 1, let bound = Int64(values[0]), let label, let actual = Int64(label) else {
                return false
            }
            return op == "Gt" ? actual > bound : actual < bound
        default: return false
        }
    }

    /// Against node fields: upstream supports only `metadata.name` with In and NotIn.
    func matches(nodeName: String) -> Bool {
        guard key == "metadata.name" else { return false }
        switch op {
        case "In": return values.contains(nodeName)
        case "NotIn": return !values.contains(nodeName)
        default: return false
        }
    }
}

/// A `nodeSelectorTerms[]` entry: its expressions and fields are ANDed.
struct NodeSelectorTerm: Sendable, Hashable {
    var expressions: [NodeSelectorRequirement]
    var fields: [NodeSelectorRequirement]

    init(json: JSON) {
        expressions = (json["matchExpressions"]?.arrayValue ?? []).map(NodeSelectorRequirement.init(json:))
        fields = (json["matchFields"]?.arrayValue ?? []).map(NodeSelectorRequirement.init(json:))
    }

    /// An empty term matches no node (upstream skips it).
    var isEmpty: Bool { expressions.isEmpty && fields.isEmpty }

    func matches(name: String, labels: [String: String]) -> Bool {
        if isEmpty { return false }
        return expressions.allSatisfy { $0.matches(labels: labels) } && fields.allSatisfy { $0.matches(nodeName: name) }
    }
}

/// `spec.nodeSelector` plus `requiredDuringSchedulingIgnoredDuringExecution` node affinity (upstream
/// `nodeaffinity.RequiredNodeAffinity`): the map must match and, when terms are given, one of them.
struct RequiredNodeAffinity: Sendable, Hashable {
    var nodeSelector: [String: String]
    /// nil when the pod has no required node affinity; terms are ORed.
    var terms: [NodeSelectorTerm]?

    init(pod: JSON) {
        nodeSelector = pod[path: ["spec", "nodeSelector"]]?.stringMap ?? [:]
        let required = pod[path: [
            "spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
        ]]
        terms = required.map { ($0["nodeSelectorTerms"]?.arrayValue ?? []).map(NodeSelectorTerm.init(json:)) }
    }

    func matches(name: String, labels: [String: String]) -> Bool {
        for (key, value) in nodeSelector where labels[key] != value { return false }
        guard let terms else { return true }
        return terms.contains { $0.matches(name: name, labels: labels) }
    }

    /// Upstream NodeAffinity PreFilter: when every term pins `metadata.name In [...]`, only those
    /// nodes need filtering. nil means all nodes; an empty set means the terms contradict each other.
    var pinnedNodeNames: Set<String>? {
        guard let terms else { return nil }
        var union: Set<String>?
        for term in terms {
            var termNames: Set<String>?
            for field in term.fields where field.key == "metadata.name" && field.op == "In" {
                let names = Set(field.values)
                termNames = termNames.map { $0.intersection(names) } ?? names
            }
            guard let termNames else { return nil }
            union = (union ?? []).union(termNames)
        }
        return union
    }
}

/// A `preferredDuringSchedulingIgnoredDuringExecution` node affinity term.
struct PreferredNodeTerm: Sendable, Hashable {
    var weight: Int64
    var term: NodeSelectorTerm

    /// Upstream drops terms of weight 0 and empty preferences.
    static func parse(pod: JSON) -> [PreferredNodeTerm] {
        let list = pod[path: ["spec", "affinity", "nodeAffinity", "preferredDuringSchedulingIgnoredDuringExecution"]]
        return (list?.arrayValue ?? []).compactMap { entry in
            let weight = entry["weight"]?.intValue ?? 0
            let term = NodeSelectorTerm(json: entry["preference"] ?? .emptyObject)
            return weight == 0 || term.isEmpty ? nil : PreferredNodeTerm(weight: weight, term: term)
        }
    }
}

/// A pod (anti-)affinity term (`podAffinityTerm`), with upstream's namespace rules.
struct AffinityTerm: Sendable {
    var namespaces: Set<String>
    /// nil when the term has no namespaceSelector; `{}` selects every namespace.
    var namespaceSelector: LabelSelector?
    var selector: LabelSelector
    var topologyKey: String
    var weight: Int64

    /// `owner` is the pod carrying the term: without namespaces and namespaceSelector the term
    /// looks only in the owner's own namespace.
    init(json: JSON, ownerNamespace: String, weight: Int64 = 1) {
        let listed = (json["namespaces"]?.arrayValue ?? []).compactMap(\.stringValue)
        let nsSelector = json["namespaceSelector"].flatMap { $0.isNull ? nil : $0 }
        namespaces = listed.isEmpty && nsSelector == nil ? [ownerNamespace] : Set(listed)
        // A selector that does not parse matches nothing, like a missing one.
        namespaceSelector = nsSelector.map { (try? LabelSelector(object: $0)) ?? .nothing }
        selector = (try? LabelSelector(object: json["labelSelector"] ?? .null)) ?? .nothing
        topologyKey = json["topologyKey"]?.stringValue ?? ""
        self.weight = weight
    }

    /// Upstream `AffinityTerm.Matches`: the pod's namespace is listed or selected, and its labels
    /// match. A namespace the caller did not describe matches only an empty namespaceSelector.
    func matches(_ pod: PodInfo, namespaceLabels: [String: [String: String]]) -> Bool {
        var inNamespace = namespaces.contains(pod.namespace)
        if !inNamespace, let namespaceSelector {
            if namespaceSelector.isEmpty {
                inNamespace = true
            } else if let labels = namespaceLabels[pod.namespace] {
                inNamespace = namespaceSelector.matches(labels)
            }
        }
        return inNamespace && selector.matches(pod.labels)
    }

    static func required(_ pod: JSON, kind: String) -> [AffinityTerm] {
        let list = pod[path: ["spec", "affinity", kind, "requiredDuringSchedulingIgnoredDuringExecution"]]
        return (list?.arrayValue ?? []).map { AffinityTerm(json: $0, ownerNamespace: pod.namespace) }
    }

    static func preferred(_ pod: JSON, kind: String) -> [AffinityTerm] {
        let list = pod[path: ["spec", "affinity", kind, "preferredDuringSchedulingIgnoredDuringExecution"]]
        return (list?.arrayValue ?? []).map {
            AffinityTerm(
                json: $0["podAffinityTerm"] ?? .emptyObject, ownerNamespace: pod.namespace,
                weight: $0["weight"]?.intValue ?? 0)
        }
    }
}

/// A `topologySpreadConstraints[]` entry with upstream's defaults.
struct SpreadConstraint: Sendable {
    var maxSkew: Int
    var topologyKey: String
    var selector: LabelSelector
    var minDomains: Int
    /// `nodeAffinityPolicy`: Honor (default) counts only nodes the pod's node affinity allows.
    var honorNodeAffinity: Bool
    /// `nodeTaintsPolicy`: Ignore (default) counts tainted nodes too.
    var honorNodeTaints: Bool
    var whenUnsatisfiable: String

    /// `matchLabelKeys` adds `key in (the pod's value)` for each key the pod carries.
    init(json: JSON, podLabels: [String: String]) {
        maxSkew = Int(json["maxSkew"]?.intValue ?? 1)
        topologyKey = json["topologyKey"]?.stringValue ?? ""
        var selector = (try? LabelSelector(object: json["labelSelector"] ?? .null)) ?? .nothing
        let keys = (json["matchLabelKeys"]?.arrayValue ?? []).compactMap(\.stringValue)
        let extra = keys.compactMap { key in
            podLabels[key].flatMap { try? LabelSelector.Requirement(key: key, op: .in, values: [$0]) }
        }
        if !extra.isEmpty && !selector.matchesNothing {
            selector = LabelSelector(requirements: selector.requirements + extra)
        }
        self.selector = selector
        minDomains = Int(json["minDomains"]?.intValue ?? 1)
        honorNodeAffinity = (json["nodeAffinityPolicy"]?.stringValue ?? "Honor") == "Honor"
        honorNodeTaints = json["nodeTaintsPolicy"]?.stringValue == "Honor"
        whenUnsatisfiable = json["whenUnsatisfiable"]?.stringValue ?? ""
    }

    /// Upstream `matchNodeInclusionPolicies`: whether a node's pods count toward the spread.
    func includes(_ node: NodeInfo, for pod: PodInfo) -> Bool {
        if honorNodeAffinity && !pod.requiredNodeAffinity.matches(name: node.name, labels: node.labels) {
            return false
        }
        if honorNodeTaints && pod.tolerations.firstUntolerated(of: node.taints) != nil { return false }
        return true
    }

    /// Upstream `countPodsMatchSelector`: terminating pods and other namespaces do not count, and an
    /// empty selector counts nothing.
    func countMatching(_ pods: [PodInfo], namespace: String) -> Int {
        if selector.isEmpty { return 0 }
        return pods.count { !$0.isTerminating && $0.namespace == namespace && selector.matches($0.labels) }
    }
}
