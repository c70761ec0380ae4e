/// Strategies of services and endpoints.
extension CoreV1 {
    static let serviceStrategy = ResourceStrategy(
        applyDefaults: { service in CoreSupport.withMember(&service, "spec", applyServiceSpecDefaults) },
        prepareForCreate: prepareServiceForCreate,
        prepareForUpdate: { new, old in ServiceAddresses.prepareForUpdate(&new, old: old) },
        validateCreate: validateService,
        validateUpdate: { new, old in validateService(new) + validateServiceUpdate(new, old) },
        hasStatus: true,
        table: CoreV1Printers.services,
        nameIsLabel: true,
        allocatesServiceAddresses: true
    )

    static let endpointsStrategy = ResourceStrategy(
        applyDefaults: { endpoints in
            CoreSupport.forEachElement(&endpoints, "subsets") { subset in
                CoreSupport.forEachElement(&subset, "ports") { CoreSupport.setDefault(&$0, "protocol", "TCP") }
            }
        },
        validateCreate: validateEndpoints,
        validateUpdate: { new, _ in validateEndpoints(new) },
        table: CoreV1Printers.endpoints,
        tracksGeneration: false
    )

    /// A new service has an empty status; services that get a cluster IP are single-stack IPv4
    /// unless the client asked otherwise. Allocating the IP and node ports is the server's job.
    @Sendable static func prepareServiceForCreate(_ service: inout JSON) {
        service["status"] = ["loadBalancer": .emptyObject]
        CoreSupport.withMember(&service, "spec") { spec in
            guard spec["type"]?.stringValue != "ExternalName" else { return }
            CoreSupport.setDefault(&spec, "ipFamilyPolicy", "SingleStack")
            CoreSupport.setDefault(&spec, "ipFamilies", ["IPv4"])
        }
    }

    /// Upstream's `SetDefaults_Service`.
    static func applyServiceSpecDefaults(_ spec: inout JSON) {
        CoreSupport.setDefault(&spec, "type", "ClusterIP")
        CoreSupport.setDefault(&spec, "sessionAffinity", "None")
        let type = spec["type"]?.stringValue ?? ""
        if spec["sessionAffinity"]?.stringValue == "ClientIP" {
            var config = spec["sessionAffinityConfig"] ?? .emptyObject
            var clientIP = config["clientIP"] ?? .emptyObject
            CoreSupport.setDefault(&clientIP, "timeoutSeconds", 10800)
            config["clientIP"] = clientIP
            spec["sessionAffinityConfig"] = config
        } else if spec["sessionAffinity"]?.stringValue == "None" {
            spec["sessionAffinityConfig"] = nil
        }
        CoreSupport.forEachElement(&spec, "ports") { port in
            CoreSupport.setDefault(&port, "protocol", "TCP")
            let target = port["targetPort"]
            if target == nil || target == .null || target == .int(0) || target == .string(""),
                let number = port["port"]
            {
                port["targetPort"] = number
            }
        }
        if type == "NodePort" || type == "LoadBalancer" {
            CoreSupport.setDefault(&spec, "externalTrafficPolicy", "Cluster")
        }
        if type != "ExternalName" { CoreSupport.setDefault(&spec, "internalTrafficPolicy", "Cluster") }
        if type == "LoadBalancer" { CoreSupport.setDefault(&spec, "allocateLoadBalancerNodePorts", true) }
    }

    @Sendable static func validateService(_ service: JSON) -> [FieldError] {
        let spec = service["spec"] ?? .emptyObject
        let specPath = FieldPath("spec")
        var errors: [FieldError] = []
        let type = spec["type"]?.stringValue ?? ""
        errors += PodRules.validateEnum(spec["type"], serviceTypes.sorted(), at: specPath.child("type"))
        let clusterIP = spec["clusterIP"]?.stringValue ?? ""
        if type == "ExternalName" {
            if !clusterIP.isEmpty {
                errors.append(.forbidden("spec.clusterIP", "may not be set for ExternalName services"))
            }
            var externalName = spec["externalName"]?.stringValue ?? ""
            if externalName.isEmpty {
                errors.append(.required("spec.externalName"))
            } else {
                if externalName.hasSuffix(".") { externalName.removeLast() }
                errors += NameRules.dns1123Subdomain(externalName).map {
                    .invalid("spec.externalName", spec["externalName"], $0)
                }
            }
        }
        errors += validateClusterIPs(spec, type: type)
        let ports = CoreSupport.elements(spec, "ports")
        if ports.isEmpty, clusterIP != "None", type != "ExternalName" {
            errors.append(.required("spec.ports"))
        }
        errors += validateServicePorts(ports, type: type)
        errors += PodRules.validateEnum(
            spec["sessionAffinity"], ["ClientIP", "None"], at: specPath.child("sessionAffinity"))
        errors += MetadataValidation.validateLabels(spec["selector"], path: "spec.selector")
        if let policy = spec["internalTrafficPolicy"]?.stringValue, !["Cluster", "Local"].contains(policy) {
            errors.append(.notSupported("spec.internalTrafficPolicy", .string(policy), ["Cluster", "Local"]))
        }
        if let policy = spec["externalTrafficPolicy"]?.stringValue, !policy.isEmpty {
            if type != "NodePort" && type != "LoadBalancer" {
                errors.append(
                    .invalid(
                        "spec.externalTrafficPolicy", .string(policy),
                        "may only be set when `type` is 'NodePort' or 'LoadBalancer'"))
            } else if !["Cluster", "Local"].contains(policy) {
                errors.append(.notSupported("spec.externalTrafficPolicy", .string(policy), ["Cluster", "Local"]))
            }
        }
        return errors
    }

    /// `clusterIPs[0]` mirrors `clusterIP`; headless services cannot have node ports.
    static func validateClusterIPs(_ spec: JSON, type: String) -> [FieldError] {
        let clusterIP = spec["clusterIP"]?.stringValue ?? ""
        let list = CoreSupport.elements(spec, "clusterIPs").compactMap(\.stringValue)
        var errors: [FieldError] = []
        if let first = list.first, !clusterIP.isEmpty, first != clusterIP {
            errors.append(.invalid("spec.clusterIPs", .array(list.map { .string($0) }), "must match spec.clusterIP"))
        }
        if list.count > 1 {
            errors.append(
                .invalid("spec.clusterIPs", .array(list.map { .string($0) }), "only IPv4 services are supported"))
        }
        errors += validateIPFamilies(spec)
        if clusterIP == "None" || list.first == "None", type == "NodePort" || type == "LoadBalancer" {
            errors.append(.invalid("spec.clusterIPs[0]", "None", "may not be set to 'None' for \(type) services"))
        }
        return errors
    }

    /// The service range is IPv4 only: other families are refused, never silently given IPv4.
    static func validateIPFamilies(_ spec: JSON) -> [FieldError] {
        var errors: [FieldError] = []
        for (index, family) in CoreSupport.elements(spec, "ipFamilies").enumerated() {
            let path = "spec.ipFamilies[\(index)]"
            if family != "IPv4" && family != "IPv6" {
                errors.append(.notSupported(path, family, ["IPv4", "IPv6"]))
            } else if family != "IPv4" || index > 0 {
                errors.append(.invalid(path, family, "not configured on this cluster"))
            }
        }
        if let policy = spec["ipFamilyPolicy"]?.stringValue {
            let policies = ["SingleStack", "PreferDualStack", "RequireDualStack"]
            if !policies.contains(policy) {
                errors.append(.notSupported("spec.ipFamilyPolicy", .string(policy), policies))
            } else if policy == "RequireDualStack" {
                errors.append(
                    .invalid(
                        "spec.ipFamilyPolicy", .string(policy), "this cluster is not configured for dual-stack services"
                    ))
            }
        }
        return errors
    }

    static func validateServicePorts(_ ports: [JSON], type: String) -> [FieldError] {
        var errors: [FieldError] = []
        var names = Set<String>()
        var keys = Set<JSON>()
        for (index, port) in ports.enumerated() {
            let path = FieldPath("spec.ports").index(index)
            let name = port["name"]?.stringValue ?? ""
            if ports.count > 1 && name.isEmpty {
                errors.append(.required(path.child("name").text))
            } else if !name.isEmpty {
                errors += NameRules.dns1123Label(name).map { .invalid(path.child("name").text, .string(name), $0) }
                if !names.insert(name).inserted { errors.append(.duplicate(path.child("name").text, .string(name))) }
            }
            let number = port["port"]?.intValue ?? 0
            if !CoreSupport.isValidPort(number) {
                errors.append(.invalid(path.child("port").text, .int(number), CoreSupport.portRangeMessage))
            }
            errors += PodRules.validateProtocol(port["protocol"], at: path.child("protocol"))
            if let target = port["targetPort"], target != .null {
                errors += PodRules.validatePortNumberOrName(target, at: path.child("targetPort"))
            }
            if let nodePort = port["nodePort"]?.intValue, nodePort != 0 {
                if type == "ClusterIP" {
                    errors.append(.forbidden(path.child("nodePort").text, "may not be used when `type` is 'ClusterIP'"))
                } else if !CoreSupport.isValidPort(nodePort) {
                    errors.append(.invalid(path.child("nodePort").text, .int(nodePort), CoreSupport.portRangeMessage))
                }
            }
            let key: JSON = ["port": .int(number), "protocol": port["protocol"] ?? "TCP"]
            if !keys.insert(key).inserted { errors.append(.duplicate(path.text, key)) }
        }
        return errors
    }

    /// The cluster IP cannot change once assigned (a new empty value means "keep it").
    static func validateServiceUpdate(_ new: JSON, _ old: JSON) -> [FieldError] {
        let newType = CoreSupport.string(new, ["spec", "type"])
        let oldType = CoreSupport.string(old, ["spec", "type"])
        guard newType != "ExternalName", oldType != "ExternalName" else { return [] }
        let newIP = CoreSupport.string(new, ["spec", "clusterIP"])
        let oldIP = CoreSupport.string(old, ["spec", "clusterIP"])
        if !newIP.isEmpty, !oldIP.isEmpty, newIP != oldIP {
            return [.invalid("spec.clusterIP", .string(newIP), "field is immutable")]
        }
        return []
    }

    @Sendable static func validateEndpoints(_ endpoints: JSON) -> [FieldError] {
        var errors: [FieldError] = []
        for (index, subset) in CoreSupport.elements(endpoints, "subsets").enumerated() {
            let path = FieldPath("subsets").index(index)
            for key in ["addresses", "notReadyAddresses"] {
                for (position, address) in CoreSupport.elements(subset, key).enumerated()
                where (address["ip"]?.stringValue ?? "").isEmpty {
                    errors.append(.required(path.child(key).index(position).child("ip").text))
                }
            }
            let ports = CoreSupport.elements(subset, "ports")
            for (position, port) in ports.enumerated() {
                let portPath = path.child("ports").index(position)
                if ports.count > 1, (port["name"]?.stringValue ?? "").isEmpty {
                    errors.append(.required(portPath.child("name").text))
                }
                let number = port["port"]?.intValue ?? 0
                if !CoreSupport.isValidPort(number) {
                    errors.append(.invalid(portPath.child("port").text, .int(number), CoreSupport.portRangeMessage))
                }
                errors += PodRules.validateProtocol(port["protocol"], at: portPath.child("protocol"))
            }
        }
        return errors
    }
}
