import KubeTypes

/// What the Endpoints and EndpointSlice controllers read off a Service and its pods (upstream
/// `pkg/controller/util/endpoint` and `endpointslice/util`), shared by both cores.
public enum ServiceEndpoints {
    /// The Service's selector as a label selector; nil for a service without one, whose
    /// endpoints the user manages (upstream skips those services).
    public static func selector(of service: JSON) -> LabelSelector? {
        guard let labels = service[path: ["spec", "selector"]]?.objectValue, !labels.isEmpty else { return nil }
        return try? LabelSelector(object: ["matchLabels": .object(labels)])
    }

    /// Upstream `clusterIP: None`.
    static func isHeadless(_ service: JSON) -> Bool {
        service[path: ["spec", "clusterIP"]]?.stringValue == "None"
    }

    static func publishesNotReady(_ service: JSON) -> Bool {
        service[path: ["spec", "publishNotReadyAddresses"]]?.boolValue ?? false
    }

    /// The pods of the service's namespace its selector matches, by name so the output is stable.
    public static func selectedPods(of service: JSON, among pods: [JSON]) -> [JSON] {
        guard let selector = selector(of: service) else { return [] }
        return
            pods
            .filter { $0.namespace == service.namespace && selector.matches($0.labels) }
            .sorted { $0.name < $1.name }
    }

    /// Services of the pod's namespace whose selector matches the pod (before or after a change),
    /// the services to sync when it changes.
    public static func services(forPod pod: JSON, old: JSON? = nil, among services: [JSON]) -> [ObjectReference] {
        let versions = [old, pod].compactMap { $0 }
        return
            services
            .filter { service in
                guard service.namespace == pod.namespace, let selector = selector(of: service) else { return false }
                return versions.contains { selector.matches($0.labels) }
            }
            .map(ObjectReference.init)
    }

    /// The pod's IPv4 address (upstream picks the address of the service's family; services
    /// here are IPv4 only), empty when it has none yet.
    static func podIPv4(_ pod: JSON) -> String {
        let primary = pod[path: ["status", "podIP"]]?.stringValue ?? ""
        if isIPv4(primary) { return primary }
        let all = pod[path: ["status", "podIPs"]]?.arrayValue ?? []
        return all.compactMap { $0["ip"]?.stringValue }.first(where: isIPv4) ?? ""
    }

    static func isIPv4(_ address: String) -> Bool {
        let parts = address.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }

    /// Upstream `ShouldPodBeInEndpoints`: not finished, has an address, and (unless terminating
    /// pods are wanted) not being deleted.
    static func shouldInclude(_ pod: JSON, includeTerminating: Bool) -> Bool {
        if PodState.isTerminal(pod) { return false }
        if podIPv4(pod).isEmpty { return false }
        if !includeTerminating && pod.isBeingDeleted { return false }
        return true
    }

    /// Upstream `ShouldSetHostname`: the pod names this service as its subdomain.
    static func hostname(of pod: JSON, for service: JSON) -> String? {
        guard let hostname = pod[path: ["spec", "hostname"]]?.stringValue, !hostname.isEmpty,
            pod[path: ["spec", "subdomain"]]?.stringValue == service.name, pod.namespace == service.namespace
        else { return nil }
        return hostname
    }

    /// `{kind: Pod, namespace, name, uid}`, the target reference of the pod's address.
    static func targetReference(_ pod: JSON) -> JSON {
        ["kind": "Pod", "namespace": .string(pod.namespace), "name": .string(pod.name), "uid": .string(pod.uid)]
    }

    /// Upstream `podutil.FindPort`: the pod's port behind a service port. A number is taken as
    /// is; a name must match a container port of the same protocol, else the pod has no such port.
    static func containerPort(of pod: JSON, for servicePort: JSON) -> Int64? {
        let target = servicePort["targetPort"] ?? servicePort["port"] ?? .null
        switch target {
        case .int(let number): return number
        case .string(let name):
            if let number = Int64(name) { return number }
            let wanted = servicePort["protocol"]?.stringValue ?? "TCP"
            for container in containers(of: pod) {
                for port in container["ports"]?.arrayValue ?? [] {
                    let proto = port["protocol"]?.stringValue ?? "TCP"
                    if port["name"]?.stringValue == name, proto == wanted, let number = port["containerPort"]?.intValue
                    {
                        return number
                    }
                }
            }
            return nil
        default: return nil
        }
    }

    /// Containers whose ports can serve: regular ones and restartable init containers (sidecars).
    static func containers(of pod: JSON) -> [JSON] {
        let sidecars = (pod[path: ["spec", "initContainers"]]?.arrayValue ?? [])
            .filter { $0["restartPolicy"]?.stringValue == "Always" }
        return (pod[path: ["spec", "containers"]]?.arrayValue ?? []) + sidecars
    }

    /// The ports (name, port, protocol, appProtocol) the pod serves for the service, in service
    /// port order; service ports the pod lacks are left out.
    static func endpointPorts(of pod: JSON, for service: JSON) -> [JSON] {
        (service[path: ["spec", "ports"]]?.arrayValue ?? []).compactMap { servicePort in
            guard let number = containerPort(of: pod, for: servicePort) else { return nil }
            var port: JSON = [
                "name": .string(servicePort["name"]?.stringValue ?? ""), "port": .int(number),
                "protocol": .string(servicePort["protocol"]?.stringValue ?? "TCP"),
            ]
            if let appProtocol = servicePort["appProtocol"]?.stringValue { port["appProtocol"] = .string(appProtocol) }
            return port
        }
    }

    /// The labels upstream gives the objects it derives from a service: the service's own, with
    /// `service.kubernetes.io/headless` marking a headless one.
    static func derivedLabels(_ service: JSON) -> [String: String] {
        var labels = service.labels
        if isHeadless(service) {
            labels[headlessLabel] = ""
        } else {
            labels.removeValue(forKey: headlessLabel)
        }
        return labels
    }

    static let headlessLabel = "service.kubernetes.io/headless"
}
