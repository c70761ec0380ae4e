import KubeTypes

/// A probe's timings with upstream's defaults filled in (the API server normally has done so).
struct ProbeSpec: Sendable, Hashable {
    var handler: JSON
    var initialDelaySeconds: Int64
    var periodSeconds: Int64
    var timeoutSeconds: Int64
    var successThreshold: Int
    var failureThreshold: Int
    /// The probe-level override of the pod's grace period when this probe kills the container.
    var terminationGracePeriodSeconds: Int64?

    init(_ probe: JSON) {
        handler = probe
        initialDelaySeconds = max(0, probe["initialDelaySeconds"]?.intValue ?? 0)
        periodSeconds = max(1, probe["periodSeconds"]?.intValue ?? 10)
        timeoutSeconds = max(1, probe["timeoutSeconds"]?.intValue ?? 1)
        successThreshold = Int(max(1, probe["successThreshold"]?.intValue ?? 1))
        failureThreshold = Int(max(1, probe["failureThreshold"]?.intValue ?? 3))
        terminationGracePeriodSeconds = probe["terminationGracePeriodSeconds"]?.intValue
    }
}

/// The parts of one container spec the lifecycle needs.
struct ContainerSpec: Sendable, Hashable {
    var name: String
    var kind: ContainerKind
    var image: String
    var pullPolicy: String
    var probes: [ProbeKind: ProbeSpec]
    var postStart: JSON?
    var preStop: JSON?
    var resources: JSON?
    var volumeMounts: [JSON]

    init(_ container: JSON, isInit: Bool) {
        name = container["name"]?.stringValue ?? ""
        let restartPolicy = container["restartPolicy"]?.stringValue
        kind = isInit ? (restartPolicy == "Always" ? .sidecar : .initContainer) : .regular
        image = container["image"]?.stringValue ?? ""
        pullPolicy = container["imagePullPolicy"]?.stringValue ?? PodRules.defaultPullPolicy(image: image)
        var probes: [ProbeKind: ProbeSpec] = [:]
        // Upstream rejects probes on plain init containers; ignore any that slipped through.
        if kind != .initContainer {
            for kind in ProbeKind.allCases {
                if let probe = container["\(kind.rawValue)Probe"], probe.objectValue != nil {
                    probes[kind] = ProbeSpec(probe)
                }
            }
        }
        self.probes = probes
        postStart = container[path: ["lifecycle", "postStart"]].flatMap { $0.objectValue == nil ? nil : $0 }
        preStop = container[path: ["lifecycle", "preStop"]].flatMap { $0.objectValue == nil ? nil : $0 }
        resources = container["resources"]
        volumeMounts = container["volumeMounts"]?.arrayValue ?? []
    }

    var fieldPath: String {
        kind == .regular ? "spec.containers{\(name)}" : "spec.initContainers{\(name)}"
    }
}

/// The pod-level facts the lifecycle needs, read once from the pod object and refreshed by updates.
struct PodModel: Sendable, Hashable {
    var name: String
    var namespace: String
    var uid: String
    var generation: Int64?
    var restartPolicy: String
    var terminationGracePeriodSeconds: Int64
    var activeDeadlineSeconds: Int64?
    var hostNetwork: Bool
    var readinessGates: [String]
    var qosClass: String
    /// Init containers first, in spec order, then the app containers in spec order.
    var containers: [ContainerSpec]
    /// `status.conditions` other controllers own (readiness gates, DisruptionTarget), kept as sent.
    var foreignConditions: [JSON]
    /// `status.conditions` as the API server last had them, to keep their transition times.
    var knownConditions: [JSON]

    init(_ pod: JSON) {
        let spec = pod["spec"] ?? .emptyObject
        name = pod.name
        namespace = pod.namespace
        uid = pod.uid
        generation = pod[path: ["metadata", "generation"]]?.intValue
        restartPolicy = spec["restartPolicy"]?.stringValue ?? "Always"
        terminationGracePeriodSeconds = spec["terminationGracePeriodSeconds"]?.intValue ?? 30
        activeDeadlineSeconds = spec["activeDeadlineSeconds"]?.intValue
        hostNetwork = spec["hostNetwork"]?.boolValue ?? false
        readinessGates = (spec["readinessGates"]?.arrayValue ?? []).compactMap { $0["conditionType"]?.stringValue }
        qosClass = CoreV1.qosClass(of: PodModel.requestsDefaultedFromLimits(spec))
        let initContainers = (spec["initContainers"]?.arrayValue ?? []).map { ContainerSpec($0, isInit: true) }
        let regular = (spec["containers"]?.arrayValue ?? []).map { ContainerSpec($0, isInit: false) }
        containers = initContainers + regular
        knownConditions = pod[path: ["status", "conditions"]]?.arrayValue ?? []
        foreignConditions = knownConditions.filter { condition in
            !PodModel.kubeletConditionTypes.contains(condition["type"]?.stringValue ?? "")
        }
    }

    /// The API server copies limits into missing requests before the kubelet sees a pod; do the
    /// same here so a pod built without that defaulting gets the same QoS class.
    static func requestsDefaultedFromLimits(_ spec: JSON) -> JSON {
        var spec = spec
        for key in ["initContainers", "containers"] {
            guard let containers = spec[key]?.arrayValue else { continue }
            spec[key] = .array(
                containers.map { container in
                    guard let limits = container[path: ["resources", "limits"]]?.objectValue else { return container }
                    var copy = container
                    var requests = container[path: ["resources", "requests"]]?.objectValue ?? [:]
                    for (name, limit) in limits where requests[name] == nil { requests[name] = limit }
                    copy[path: ["resources", "requests"]] = .object(requests)
                    return copy
                })
        }
        return spec
    }

    /// Conditions the kubelet owns and regenerates on every status (upstream `PodConditionsByKubelet`).
    static let kubeletConditionTypes: Set<String> = [
        "PodScheduled", "Ready", "Initialized", "ContainersReady", "PodReadyToStartContainers",
    ]

    /// Upstream's `format.Pod`: `name_namespace(uid)`, used in back-off messages.
    var reference: String { "\(name)_\(namespace)(\(uid))" }

    var hasInitContainers: Bool { containers.contains { $0.kind != .regular } }

    /// The deletion a pod object carries, if any: `(deletionTimestamp, grace period)`.
    static func deletion(of pod: JSON) -> (at: Int64, grace: Int64)? {
        guard let text = pod[path: ["metadata", "deletionTimestamp"]]?.stringValue,
            let at = Timestamp.parse(text)
        else { return nil }
        let grace =
            pod[path: ["metadata", "deletionGracePeriodSeconds"]]?.intValue
            ?? pod[path: ["spec", "terminationGracePeriodSeconds"]]?.intValue ?? 30
        return (at, grace)
    }
}
