import KubeTypes

/// The daemon pod of a DaemonSet for one node, and whether the node should run it (upstream
/// `pkg/controller/daemon/util` and `NodeShouldRunDaemonPod`).
public enum DaemonSetPods {
    /// Upstream `apps.DefaultDaemonSetUniqueLabelKey` (= `ControllerRevisionHashLabelKey`).
    public static let revisionHashLabel = "controller-revision-hash"
    /// Upstream `extensions.DaemonSetTemplateGenerationKey`.
    public static let templateGenerationLabel = "pod-template-generation"
    /// The annotation the API server keeps the DaemonSet's template generation in.
    public static let templateGenerationAnnotation = "deprecated.daemonset.template.generation"

    /// Upstream `AddOrUpdateDaemonPodTolerations`: daemon pods survive the node conditions other
    /// pods are evicted or kept away for. (key, effect)
    static let defaultTolerations: [(String, String)] = [
        ("node.kubernetes.io/not-ready", NodeTaint.noExecute),
        ("node.kubernetes.io/unreachable", NodeTaint.noExecute),
        ("node.kubernetes.io/disk-pressure", NodeTaint.noSchedule),
        ("node.kubernetes.io/memory-pressure", NodeTaint.noSchedule),
        ("node.kubernetes.io/pid-pressure", NodeTaint.noSchedule),
        ("node.kubernetes.io/unschedulable", NodeTaint.noSchedule),
    ]
    static let hostNetworkToleration = ("node.kubernetes.io/network-unavailable", NodeTaint.noSchedule)

    /// The DaemonSet's template generation (from its annotation), nil when absent or unparsable.
    static func templateGeneration(_ daemonSet: JSON) -> Int64? {
        daemonSet.annotations[templateGenerationAnnotation].flatMap { Int64($0) }
    }

    /// Upstream `IsPodUpdated`: the pod carries the current revision hash or template generation.
    static func isUpdated(_ pod: JSON, hash: String, generation: Int64?) -> Bool {
        let labels = pod.labels
        if !hash.isEmpty && labels[revisionHashLabel] == hash { return true }
        guard let generation else { return false }
        return labels[templateGenerationLabel] == String(generation)
    }

    /// The node a daemon pod is for (upstream `GetTargetNodeName`): its `spec.nodeName`, or, not
    /// yet scheduled, the single name its node affinity pins it to.
    static func targetNode(_ pod: JSON) -> String? {
        let bound = PodState.nodeName(pod)
        if !bound.isEmpty { return bound }
        let terms =
            pod[path: [
                "spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution",
                "nodeSelectorTerms",
            ]]?.arrayValue ?? []
        for term in terms {
            for field in term["matchFields"]?.arrayValue ?? []
            where field["key"] == "metadata.name" && field["operator"] == "In" {
                let values = field["values"]?.arrayValue ?? []
                if values.count == 1, let name = values[0].stringValue { return name }
            }
        }
        return nil
    }

    // MARK: Building the pod

    /// The template's spec with the daemon tolerations added or updated (upstream
    /// `AddOrUpdateTolerationInPodSpec`: an equal key/operator/value/effect entry is replaced).
    static func withDaemonTolerations(_ spec: JSON) -> JSON {
        var spec = spec
        var tolerations = spec["tolerations"]?.arrayValue ?? []
        var wanted = defaultTolerations
        if spec["hostNetwork"]?.boolValue == true { wanted.append(hostNetworkToleration) }
        for (key, effect) in wanted {
            let toleration: JSON = ["key": .string(key), "operator": "Exists", "effect": .string(effect)]
            let matching = tolerations.indices.filter { index in
                let other = tolerations[index]
                return other["key"]?.stringValue == key && other["operator"]?.stringValue == "Exists"
                    && (other["value"]?.stringValue ?? "") == "" && other["effect"]?.stringValue == effect
            }
            if matching.isEmpty {
                tolerations.append(toleration)
            } else {
                for index in matching { tolerations[index] = toleration }
            }
        }
        spec["tolerations"] = .array(tolerations)
        return spec
    }

    /// Upstream `ReplaceDaemonSetPodNodeNameNodeAffinity`: required node affinity becomes a single
    /// `metadata.name In [node]` term, so the default scheduler places the pod on that node. The
    /// controller has already checked the node satisfies the template's own terms.
    static func pinned(_ spec: JSON, to node: String) -> JSON {
        var spec = spec
        let term: JSON = ["matchFields": [["key": "metadata.name", "operator": "In", "values": [.string(node)]]]]
        spec[path: ["affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"]] = [
            "nodeSelectorTerms": [term]
        ]
        return spec
    }

    /// The pod upstream's `syncNodes` creates for `node`: the template (its labels plus the
    /// revision hash and template generation), daemon tolerations, pinned to the node, named
    /// `<ds>-` plus a suffix, controlled by the DaemonSet.
    public static func pod(for daemonSet: JSON, node: String, hash: String) -> JSON {
        let template = daemonSet[path: ["spec", "template"]] ?? .emptyObject
        var labels = template[path: ["metadata", "labels"]]?.objectValue ?? [:]
        if let generation = templateGeneration(daemonSet) { labels[templateGenerationLabel] = .string("\(generation)") }
        if !hash.isEmpty { labels[revisionHashLabel] = .string(hash) }
        var metadata: JSON = [
            "generateName": .string(ReplicaSetReconciler.podNamePrefix(daemonSet.name)),
            "namespace": .string(daemonSet.namespace),
            "ownerReferences": [OwnerKind.daemonSet.controllerReference(to: daemonSet)],
        ]
        if !labels.isEmpty { metadata["labels"] = .object(labels) }
        for field in ["annotations", "finalizers"] {
            if let value = template[path: ["metadata", field]], value != .null { metadata[field] = value }
        }
        let spec = pinned(withDaemonTolerations(template["spec"] ?? .emptyObject), to: node)
        return ["apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec]
    }

    // MARK: Eligibility

    /// Upstream `NodeShouldRunDaemonPod`: whether a new daemon pod belongs on the node, and whether
    /// one already there may stay (it may while it tolerates the node's NoExecute taints).
    static func shouldRun(on node: JSON, daemonSet: JSON) -> (run: Bool, keep: Bool) {
        let template = daemonSet[path: ["spec", "template"]] ?? .emptyObject
        let pinnedName = template[path: ["spec", "nodeName"]]?.stringValue ?? ""
        if !pinnedName.isEmpty && pinnedName != node.name { return (false, false) }
        let pod: JSON = ["spec": withDaemonTolerations(template["spec"] ?? .emptyObject)]
        guard RequiredNodeAffinityMatch.matches(pod: pod, node: node) else { return (false, false) }
        let tolerations = PodToleration.of(pod)
        let taints = NodeTaint.of(node)
        let blocking = tolerations.firstUntolerated(of: taints) {
            $0.effect == NodeTaint.noSchedule || $0.effect == NodeTaint.noExecute
        }
        guard blocking != nil else { return (true, true) }
        let evicting = tolerations.firstUntolerated(of: taints) { $0.effect == NodeTaint.noExecute }
        return (false, evicting == nil)
    }

    /// Upstream `podByCreationTimestampAndPhase`: scheduled pods first, then oldest, then by name.
    static func oldestFirst(_ first: JSON, _ second: JSON) -> Bool {
        let (boundA, boundB) = (!PodState.nodeName(first).isEmpty, !PodState.nodeName(second).isEmpty)
        if boundA != boundB { return boundA }
        let (createdA, createdB) = (first.creationTime ?? 0, second.creationTime ?? 0)
        if createdA == createdB { return first.name < second.name }
        return createdA < createdB
    }
}
