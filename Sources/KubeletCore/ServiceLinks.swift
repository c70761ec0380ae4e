import KubeTypes

/// The Docker-links style variables upstream's kubelet gives every container for the Services it
/// may reach (pkg/kubelet/envvars and `getServiceEnvVarMap`).
public enum ServiceLinks {
    /// The Services of the `default` namespace whose variables every pod gets, even with
    /// `enableServiceLinks: false`.
    static let masterServices: Set<String> = ["kubernetes"]

    /// Variables for the Services of the pod's namespace (with `enableServiceLinks`) and the
    /// `kubernetes` Service of `default` (always); a Service of the pod's own namespace wins over a
    /// master service of the same name. Services without a ClusterIP (headless, ExternalName) get
    /// none. Services come in name order; within one, upstream's order.
    public static func variables(
        services: [JSON], namespace: String, enableServiceLinks: Bool
    ) -> [(name: String, value: String)] {
        var chosen: [String: JSON] = [:]
        for service in services where hasClusterIP(service) {
            if service.namespace == "default", masterServices.contains(service.name) {
                if chosen[service.name] == nil { chosen[service.name] = service }
            } else if service.namespace == namespace, enableServiceLinks {
                chosen[service.name] = service
            }
        }
        return chosen.keys.sorted().flatMap { variables(for: chosen[$0]!) }
    }

    /// A ClusterIP that is neither empty nor `None`.
    static func hasClusterIP(_ service: JSON) -> Bool {
        let address = service[path: ["spec", "clusterIP"]]?.stringValue ?? ""
        return !address.isEmpty && address != "None"
    }

    /// `<SVC>_SERVICE_HOST`, `<SVC>_SERVICE_PORT` (first port), `<SVC>_SERVICE_PORT_<NAME>` for
    /// named ports, then the link variables of every port.
    static func variables(for service: JSON) -> [(name: String, value: String)] {
        let ports = service[path: ["spec", "ports"]]?.arrayValue ?? []
        guard let first = ports.first else { return [] }
        let prefix = variableName(service.name)
        let address = service[path: ["spec", "clusterIP"]]?.stringValue ?? ""
        var result = [(prefix + "_SERVICE_HOST", address), (prefix + "_SERVICE_PORT", port(first))]
        for entry in ports {
            let name = entry["name"]?.stringValue ?? ""
            if !name.isEmpty { result.append((prefix + "_SERVICE_PORT_" + variableName(name), port(entry))) }
        }
        for (index, entry) in ports.enumerated() {
            let proto = (entry["protocol"]?.stringValue).flatMap { $0.isEmpty ? nil : $0 } ?? "TCP"
            let url = "\(proto.lowercased())://\(hostPort(address, port(entry)))"
            if index == 0 { result.append((prefix + "_PORT", url)) }
            let portPrefix = "\(prefix)_PORT_\(port(entry))_\(proto.uppercased())"
            result += [
                (portPrefix, url), (portPrefix + "_PROTO", proto.lowercased()), (portPrefix + "_PORT", port(entry)),
                (portPrefix + "_ADDR", address),
            ]
        }
        return result
    }

    /// Upper case, `-` as `_` (upstream's `makeEnvVariableName`).
    static func variableName(_ text: String) -> String {
        String(text.map { $0 == "-" ? "_" : $0 }).uppercased()
    }

    static func port(_ entry: JSON) -> String { String(entry["port"]?.intValue ?? 0) }

    /// `ip:port`, with brackets around an IPv6 address.
    static func hostPort(_ address: String, _ port: String) -> String {
        address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
    }
}
