import DiscoveryCore
import KubeTypes

/// The Kubernetes half of a discovery snapshot: Services with the endpoints their EndpointSlices
/// list (what kube-proxy and CoreDNS read), and running pods' addresses.
public enum KubeDiscovery {
    /// Upstream's default `sessionAffinityConfig.clientIP.timeoutSeconds` (3 hours).
    public static let defaultAffinitySeconds = 10800

    /// One entry per Service, ports in spec order, each with the endpoints of the slices labelled
    /// `kubernetes.io/service-name=<svc>` that carry a port of the same name and protocol.
    /// Terminating endpoints and, unless the Service publishes not-ready addresses, not-ready ones
    /// get no traffic.
    public static func services(_ services: [JSON], slices: [JSON]) -> [ServiceEntry] {
        let slicesByService = Dictionary(grouping: slices) { slice in
            slice.namespace + "/" + (slice.labels["kubernetes.io/service-name"] ?? "")
        }
        return services.map { service in
            entry(for: service, slices: slicesByService[service.namespace + "/" + service.name] ?? [])
        }
        .sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
    }

    static func entry(for service: JSON, slices: [JSON]) -> ServiceEntry {
        let spec = service["spec"] ?? .emptyObject
        let kind = ServiceEntry.Kind(rawValue: spec["type"]?.stringValue ?? "ClusterIP") ?? .clusterIP
        var clusterIPs = (spec["clusterIPs"]?.arrayValue ?? []).compactMap(\.stringValue)
        if clusterIPs.isEmpty, let ip = spec["clusterIP"]?.stringValue { clusterIPs = [ip] }
        clusterIPs = clusterIPs.filter { $0 != "None" && !$0.isEmpty }
        let publishNotReady = spec["publishNotReadyAddresses"]?.boolValue ?? false
        let ports = (spec["ports"]?.arrayValue ?? []).map { port -> ServiceEntry.Port in
            let name = port["name"]?.stringValue ?? ""
            let proto = transport(port["protocol"]?.stringValue)
            return ServiceEntry.Port(
                name: name, protocol: proto, port: Int(port["port"]?.intValue ?? 0),
                nodePort: port["nodePort"]?.intValue.map(Int.init),
                backends: backends(named: name, protocol: proto, in: slices, publishNotReady: publishNotReady))
        }
        var affinity: Int?
        if spec["sessionAffinity"]?.stringValue == "ClientIP" {
            let timeout = spec[path: ["sessionAffinityConfig", "clientIP", "timeoutSeconds"]]?.intValue
            affinity = timeout.map(Int.init) ?? defaultAffinitySeconds
        }
        let ingress = (service[path: ["status", "loadBalancer", "ingress"]]?.arrayValue ?? []).compactMap {
            $0["ip"]?.stringValue
        }
        return ServiceEntry(
            namespace: service.namespace, name: service.name, kind: kind,
            clusterIPs: kind == .externalName ? [] : clusterIPs, ports: ports, clientIPAffinitySeconds: affinity,
            loadBalancerIPs: ingress, externalName: kind == .externalName ? spec["externalName"]?.stringValue : nil)
    }

    static func backends(
        named name: String, protocol proto: TransportProtocol, in slices: [JSON], publishNotReady: Bool
    ) -> [ServiceEntry.Backend] {
        var result: [ServiceEntry.Backend] = []
        for slice in slices where (slice["addressType"]?.stringValue ?? "IPv4") == "IPv4" {
            let port = (slice["ports"]?.arrayValue ?? []).first { candidate in
                (candidate["name"]?.stringValue ?? "") == name && transport(candidate["protocol"]?.stringValue) == proto
            }
            guard let number = port?["port"]?.intValue else { continue }
            for endpoint in slice["endpoints"]?.arrayValue ?? [] {
                let conditions = endpoint["conditions"] ?? .emptyObject
                let terminating = conditions["terminating"]?.boolValue ?? false
                // Upstream: a nil `ready` means ready.
                let ready = (conditions["ready"]?.boolValue ?? true) && !terminating
                guard ready || publishNotReady else { continue }
                for address in (endpoint["addresses"]?.arrayValue ?? []).compactMap(\.stringValue) {
                    result.append(
                        ServiceEntry.Backend(
                            ip: address, port: Int(number), ready: true,
                            nodeName: endpoint["nodeName"]?.stringValue, hostname: endpoint["hostname"]?.stringValue))
                }
            }
        }
        return result.sorted { ($0.ip, $0.port) < ($1.ip, $1.port) }
    }

    /// Pods with an address that are not finished, for `a-b-c-d.<ns>.pod.<zone>` names.
    public static func pods(_ pods: [JSON]) -> [PodEntry] {
        pods.compactMap { pod -> PodEntry? in
            let phase = pod[path: ["status", "phase"]]?.stringValue ?? ""
            guard phase != "Succeeded", phase != "Failed",
                let ip = pod[path: ["status", "podIP"]]?.stringValue, !ip.isEmpty
            else { return nil }
            return PodEntry(namespace: pod.namespace, name: pod.name, ip: ip)
        }
        .sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
    }

    static func transport(_ text: String?) -> TransportProtocol {
        (text ?? "TCP").uppercased() == "UDP" ? .udp : .tcp
    }
}
