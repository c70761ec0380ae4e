import KubeTypes

/// A host port a pod binds (`containers[].ports[].hostPort`), with upstream's defaults for an
/// unset IP (0.0.0.0, every address) and protocol (TCP).
struct HostPort: Sendable, Hashable {
    var ip: String
    var proto: String
    var port: Int

    /// Upstream `HostPortInfo.CheckConflict`: 0.0.0.0 collides with the same port on any address.
    func conflicts(with other: HostPort) -> Bool {
        guard port == other.port && proto == other.proto else { return false }
        return ip == other.ip || ip == "0.0.0.0" || other.ip == "0.0.0.0"
    }

    /// Upstream `GetHostPorts`: regular containers and sidecars (restartable init containers), the
    /// ones that run for the whole life of the pod.
    static func of(_ pod: JSON) -> [HostPort] {
        let spec = pod["spec"] ?? .emptyObject
        let sidecars = (spec["initContainers"]?.arrayValue ?? []).filter {
            $0["restartPolicy"]?.stringValue == "Always"
        }
        let containers = sidecars + (spec["containers"]?.arrayValue ?? [])
        return containers.flatMap { container in
            (container["ports"]?.arrayValue ?? []).compactMap { port -> HostPort? in
                guard let hostPort = port["hostPort"]?.intValue, hostPort > 0 else { return nil }
                let ip = port["hostIP"]?.stringValue ?? ""
                let proto = port["protocol"]?.stringValue ?? ""
                return HostPort(
                    ip: ip.isEmpty ? "0.0.0.0" : ip, proto: proto.isEmpty ? "TCP" : proto, port: Int(hostPort))
            }
        }
    }
}

extension PodRequests {
    /// The distinct host ports the pod binds, which its task takes from the offer's `ports`.
    public static func hostPorts(of pod: JSON) -> [Int] {
        Array(Set(HostPort.of(pod).map(\.port))).sorted()
    }
}

/// A pod parsed once into what the plugins read, so filtering many nodes does not re-walk JSON.
/// A class, because the same parsed pod is visited for every node and every pending pod: copying
/// a struct of this many fields costs a retain per field each time.
final class PodInfo: Sendable {
    let json: JSON
    let key: String
    let uid: String
    /// The uid, or the key for a pod without one (tests, dry runs), to tell pods apart.
    let id: String
    let namespace: String
    let labels: [String: String]
    let priority: Int64
    let requests: PodRequests
    let nonZeroRequests: PodRequests
    let hostPorts: [HostPort]
    let tolerations: [Toleration]
    let requiredNodeAffinity: RequiredNodeAffinity
    let preferredNodeTerms: [PreferredNodeTerm]
    let requiredAffinityTerms: [AffinityTerm]
    let requiredAntiAffinityTerms: [AffinityTerm]
    let preferredAffinityTerms: [AffinityTerm]
    let preferredAntiAffinityTerms: [AffinityTerm]
    let spreadConstraintsJSON: [JSON]
    let createdAt: Int64?
    let startedAt: Int64?
    let isTerminating: Bool
    let terminatingByPreemption: Bool
    let nodeName: String
    let nominatedNodeName: String
    let preemptionNever: Bool
    let schedulingGated: Bool

    init(_ pod: JSON) {
        json = pod
        namespace = pod.namespace
        key = pod.namespace + "/" + pod.name
        uid = pod.uid
        id = uid.isEmpty ? key : uid
        labels = pod.labels
        let spec = pod["spec"] ?? .emptyObject
        priority = spec["priority"]?.intValue ?? 0
        requests = PodRequests(pod: pod)
        nonZeroRequests = PodRequests(nonZeroScoringRequestsOf: pod)
        hostPorts = HostPort.of(pod)
        tolerations = (spec["tolerations"]?.arrayValue ?? []).map(Toleration.init(json:))
        requiredNodeAffinity = RequiredNodeAffinity(pod: pod)
        preferredNodeTerms = PreferredNodeTerm.parse(pod: pod)
        requiredAffinityTerms = AffinityTerm.required(pod, kind: "podAffinity")
        requiredAntiAffinityTerms = AffinityTerm.required(pod, kind: "podAntiAffinity")
        preferredAffinityTerms = AffinityTerm.preferred(pod, kind: "podAffinity")
        preferredAntiAffinityTerms = AffinityTerm.preferred(pod, kind: "podAntiAffinity")
        spreadConstraintsJSON = spec["topologySpreadConstraints"]?.arrayValue ?? []
        createdAt = pod[path: ["metadata", "creationTimestamp"]]?.stringValue.flatMap(Timestamp.parse)
        startedAt = pod[path: ["status", "startTime"]]?.stringValue.flatMap(Timestamp.parse)
        isTerminating = pod[path: ["metadata", "deletionTimestamp"]].map { !$0.isNull } ?? false
        terminatingByPreemption = isTerminating && Self.disruptedByPreemption(pod)
        nodeName = spec["nodeName"]?.stringValue ?? ""
        nominatedNodeName = pod[path: ["status", "nominatedNodeName"]]?.stringValue ?? ""
        preemptionNever = spec["preemptionPolicy"]?.stringValue == "Never"
        schedulingGated = !(spec["schedulingGates"]?.arrayValue ?? []).isEmpty
    }

    /// Whether any of the pod's own terms or any pod's terms could involve it in inter-pod affinity.
    var hasAffinityTerms: Bool {
        !requiredAffinityTerms.isEmpty || !requiredAntiAffinityTerms.isEmpty || !preferredAffinityTerms.isEmpty
            || !preferredAntiAffinityTerms.isEmpty
    }

    func spreadConstraints(whenUnsatisfiable action: String) -> [SpreadConstraint] {
        spreadConstraintsJSON.map { SpreadConstraint(json: $0, podLabels: labels) }.filter {
            $0.whenUnsatisfiable == action
        }
    }

    /// Upstream `podTerminatingByPreemption`: a DisruptionTarget condition from the scheduler.
    private static func disruptedByPreemption(_ pod: JSON) -> Bool {
        let conditions = pod[path: ["status", "conditions"]]?.arrayValue ?? []
        guard let condition = conditions.first(where: { $0["type"]?.stringValue == "DisruptionTarget" }) else {
            return false
        }
        return condition["status"]?.stringValue == "True"
            && condition["reason"]?.stringValue == "PreemptionByScheduler"
    }

    /// Upstream `MoreImportantPod`: higher priority first, then the pod that started earlier. A pod
    /// without a start time counts as started now (upstream reads the clock; here "now" is later
    /// than every recorded start, which orders the same way without one).
    static func moreImportant(_ lhs: PodInfo, _ rhs: PodInfo) -> Bool {
        if lhs.priority != rhs.priority { return lhs.priority > rhs.priority }
        return (lhs.startedAt ?? Int64.max) < (rhs.startedAt ?? Int64.max)
    }
}
