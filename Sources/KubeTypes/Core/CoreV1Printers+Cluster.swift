/// Printers of services, endpoints, nodes, namespaces, events, config and storage kinds.
extension CoreV1Printers {
    public static let services = TableDefinition(
        columns: [
            nameColumn,
            TableColumn("Type", description: "How the service is exposed."),
            TableColumn("Cluster-IP", description: "Virtual IP of the service inside the cluster."),
            TableColumn("External-IP", description: "Addresses reachable from outside the cluster."),
            TableColumn("Port(s)", description: "Ports of the service, with node ports."),
            ageColumn,
            TableColumn("Selector", priority: 1, description: "Labels of the pods the service sends traffic to."),
        ],
        cells: { service, now in
            let spec = service["spec"] ?? .emptyObject
            let clusterIP =
                CoreSupport.elements(spec, "clusterIPs").first?.stringValue ?? spec["clusterIP"]?.stringValue
            let ports = servicePorts(CoreSupport.elements(spec, "ports"))
            return [
                text(service.name), text(CoreSupport.string(spec, ["type"])), text(orNone(clusterIP ?? "")),
                text(externalIP(service)), text(orNone(ports)), text(Age.of(service, now: now)),
                text(formatLabels(spec["selector"]?.stringMap ?? [:])),
            ]
        }
    )

    /// `80/TCP`, or `80:31234/TCP` with a node port, comma-joined.
    static func servicePorts(_ ports: [JSON]) -> String {
        ports.map { port in
            let number = port["port"]?.intValue ?? 0
            let proto = port["protocol"]?.stringValue ?? ""
            if let nodePort = port["nodePort"]?.intValue, nodePort > 0 { return "\(number):\(nodePort)/\(proto)" }
            return "\(number)/\(proto)"
        }.joined(separator: ",")
    }

    static func externalIP(_ service: JSON) -> String {
        let spec = service["spec"] ?? .emptyObject
        let externalIPs = CoreSupport.elements(spec, "externalIPs").compactMap(\.stringValue)
        switch spec["type"]?.stringValue ?? "" {
        case "ClusterIP", "NodePort":
            return externalIPs.isEmpty ? "<none>" : externalIPs.joined(separator: ",")
        case "LoadBalancer":
            let ingress = CoreSupport.elements(service[path: ["status", "loadBalancer"]], "ingress")
            let balancers = Set(
                ingress.compactMap { entry -> String? in
                    if let ip = entry["ip"]?.stringValue, !ip.isEmpty { return ip }
                    if let host = entry["hostname"]?.stringValue, !host.isEmpty { return host }
                    return nil
                }
            ).sorted()
            let all = balancers + externalIPs
            return all.isEmpty ? "<pending>" : all.joined(separator: ",")
        case "ExternalName":
            return CoreSupport.string(spec, ["externalName"])
        default:
            return "<unknown>"
        }
    }

    public static let endpoints = TableDefinition(
        columns: [
            nameColumn, TableColumn("Endpoints", description: "Addresses and ports of the endpoints."), ageColumn,
        ],
        cells: { object, now in [text(object.name), text(endpointList(object)), text(Age.of(object, now: now))] }
    )

    /// The first three `ip:port` pairs and how many more there are.
    static func endpointList(_ endpoints: JSON) -> String {
        let subsets = CoreSupport.elements(endpoints, "subsets")
        if subsets.isEmpty { return "<none>" }
        let limit = 3
        var list: [String] = []
        var count = 0
        var more = false
        for subset in subsets {
            let addresses = CoreSupport.elements(subset, "addresses").map { $0["ip"]?.stringValue ?? "" }
            let ports = CoreSupport.elements(subset, "ports").map { $0["port"]?.intValue }
            for port in ports.isEmpty ? [nil] : ports {
                count += addresses.count
                for address in addresses {
                    if list.count == limit {
                        more = true
                        break
                    }
                    guard let port else {
                        list.append(address)
                        continue
                    }
                    list.append(address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)")
                }
            }
        }
        let joined = list.joined(separator: ",")
        return more ? "\(joined) + \(count - limit) more..." : joined
    }

    public static let nodes = TableDefinition(
        columns: [
            nameColumn,
            TableColumn("Status", description: "Readiness of the node, and whether scheduling is disabled."),
            TableColumn("Roles", description: "Roles of the node, from node-role.kubernetes.io labels."),
            ageColumn,
            TableColumn("Version", description: "Version of the node agent."),
            TableColumn("Internal-IP", priority: 1, description: "Internal address of the node."),
            TableColumn("External-IP", priority: 1, description: "External address of the node."),
            TableColumn("OS-Image", priority: 1, description: "Operating system image of the node."),
            TableColumn("Kernel-Version", priority: 1, description: "Kernel version of the node."),
            TableColumn("Container-Runtime", priority: 1, description: "Container runtime and its version."),
        ],
        cells: { node, now in
            let info = node[path: ["status", "nodeInfo"]] ?? .emptyObject
            let unknown = { (key: String) in
                let value = CoreSupport.string(info, [key])
                return value.isEmpty ? "<unknown>" : value
            }
            return [
                text(node.name), text(nodeStatus(node)), text(nodeRoles(node)), text(Age.of(node, now: now)),
                text(CoreSupport.string(info, ["kubeletVersion"])), text(nodeAddress(node, type: "InternalIP")),
                text(nodeAddress(node, type: "ExternalIP")), text(unknown("osImage")), text(unknown("kernelVersion")),
                text(unknown("containerRuntimeVersion")),
            ]
        }
    )

    /// `Ready`, `NotReady` or `Unknown`, with `,SchedulingDisabled` for cordoned nodes.
    static func nodeStatus(_ node: JSON) -> String {
        let conditions = CoreSupport.elements(node["status"], "conditions")
        var parts: [String] = []
        if let ready = conditions.last(where: { $0["type"]?.stringValue == "Ready" }) {
            parts.append(ready["status"]?.stringValue == "True" ? "Ready" : "NotReady")
        } else {
            parts.append("Unknown")
        }
        if node[path: ["spec", "unschedulable"]]?.boolValue == true { parts.append("SchedulingDisabled") }
        return parts.joined(separator: ",")
    }

    /// Roles from `node-role.kubernetes.io/<role>` keys and the `kubernetes.io/role` value, sorted.
    static func nodeRoles(_ node: JSON) -> String {
        var roles = Set<String>()
        let prefix = "node-role.kubernetes.io/"
        for (key, value) in node.labels {
            if key.hasPrefix(prefix) {
                let role = String(key.dropFirst(prefix.count))
                if !role.isEmpty { roles.insert(role) }
            } else if key == "kubernetes.io/role", !value.isEmpty {
                roles.insert(value)
            }
        }
        return roles.isEmpty ? "<none>" : roles.sorted().joined(separator: ",")
    }

    static func nodeAddress(_ node: JSON, type: String) -> String {
        let addresses = CoreSupport.elements(node["status"], "addresses")
        return addresses.first { $0["type"]?.stringValue == type }?["address"]?.stringValue ?? "<none>"
    }

    public static let namespaces = TableDefinition(
        columns: [nameColumn, TableColumn("Status", description: "Lifecycle phase of the namespace."), ageColumn],
        cells: { namespace, now in
            [
                text(namespace.name), text(CoreSupport.string(namespace, ["status", "phase"])),
                text(Age.of(namespace, now: now)),
            ]
        }
    )

    public static let configMaps = TableDefinition(
        columns: [nameColumn, TableColumn("Data", type: "integer", description: "Number of data keys."), ageColumn],
        cells: { configMap, now in
            let count =
                (configMap["data"]?.objectValue?.count ?? 0) + (configMap["binaryData"]?.objectValue?.count ?? 0)
            return [text(configMap.name), .int(Int64(count)), text(Age.of(configMap, now: now))]
        }
    )

    public static let secrets = TableDefinition(
        columns: [
            nameColumn, TableColumn("Type", description: "Type of the secret."),
            TableColumn("Data", type: "integer", description: "Number of data keys."), ageColumn,
        ],
        cells: { secret, now in
            [
                text(secret.name), text(secret["type"]?.stringValue ?? ""),
                .int(Int64(secret["data"]?.objectValue?.count ?? 0)), text(Age.of(secret, now: now)),
            ]
        }
    )

    public static let serviceAccounts = TableDefinition(
        columns: [
            nameColumn, TableColumn("Secrets", type: "integer", description: "Number of referenced secrets."),
            ageColumn,
        ],
        cells: { account, now in
            [
                text(account.name), .int(Int64(CoreSupport.elements(account, "secrets").count)),
                text(Age.of(account, now: now)),
            ]
        }
    )
}
