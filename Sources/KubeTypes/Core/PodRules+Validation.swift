/// Pod spec validation: spec-level fields, containers and their ports and environment.
extension PodRules {
    /// Validates a pod spec found at `path` (e.g. `spec.template.spec`).
    public static func validatePodSpec(_ spec: JSON, at path: FieldPath) -> [FieldError] {
        let (volumeNames, volumeErrors) = validateVolumes(
            CoreSupport.elements(spec, "volumes"), at: path.child("volumes"))
        var errors = volumeErrors
        let containers = CoreSupport.elements(spec, "containers")
        var names = Set<String>()
        if containers.isEmpty {
            errors.append(.required(path.child("containers").text))
        }
        for (index, container) in containers.enumerated() {
            errors += validateContainer(
                container, role: .regular, names: &names, volumes: volumeNames,
                at: path.child("containers").index(index))
        }
        for (index, container) in CoreSupport.elements(spec, "initContainers").enumerated() {
            errors += validateContainer(
                container, role: .initialization, names: &names, volumes: volumeNames,
                at: path.child("initContainers").index(index))
        }
        for (index, container) in CoreSupport.elements(spec, "ephemeralContainers").enumerated() {
            errors += validateContainer(
                container, role: .ephemeral, names: &names, volumes: volumeNames,
                at: path.child("ephemeralContainers").index(index))
        }
        errors += validateHostPorts(spec, at: path)
        errors += validateEnum(
            spec["restartPolicy"], CoreV1.restartPolicies, at: path.child("restartPolicy"))
        errors += validateEnum(spec["dnsPolicy"], CoreV1.dnsPolicies, at: path.child("dnsPolicy"))
        errors += validateDNSConfig(spec, at: path.child("dnsConfig"))
        errors += validateHostAliases(CoreSupport.elements(spec, "hostAliases"), at: path.child("hostAliases"))
        errors += validatePodSpecNames(spec, at: path)
        errors += MetadataValidation.validateLabels(spec["nodeSelector"], path: path.child("nodeSelector").text)
        if let deadline = spec["activeDeadlineSeconds"]?.intValue, !(1...2_147_483_647).contains(deadline) {
            errors.append(
                .invalid(
                    path.child("activeDeadlineSeconds").text, .int(deadline),
                    "must be between 1 and 2147483647, inclusive"))
        }
        for (index, toleration) in CoreSupport.elements(spec, "tolerations").enumerated() {
            errors += validateToleration(toleration, at: path.child("tolerations").index(index))
        }
        return errors
    }

    /// `dnsConfig` within libc's limits (3 nameservers, 32 search domains of 2048 characters in
    /// all), as upstream's `validatePodDNSConfig` words it; `dnsPolicy: None` needs a nameserver.
    static func validateDNSConfig(_ spec: JSON, at path: FieldPath) -> [FieldError] {
        let config = spec["dnsConfig"]
        if spec["dnsPolicy"]?.stringValue == "None" {
            guard let config, config != .null else {
                return [.required(path.text, "must provide `dnsConfig` when `dnsPolicy` is None")]
            }
            if CoreSupport.elements(config, "nameservers").isEmpty {
                return [
                    .required(
                        path.child("nameservers").text,
                        "must provide at least one DNS nameserver when `dnsPolicy` is None")
                ]
            }
        }
        guard let config else { return [] }
        var errors: [FieldError] = []
        let servers = CoreSupport.elements(config, "nameservers").map { $0.stringValue ?? "" }
        if servers.count > 3 {
            errors.append(
                .invalid(
                    path.child("nameservers").text, .array(servers.map { .string($0) }),
                    "must not have more than 3 nameservers"))
        }
        for (index, server) in servers.enumerated() {
            errors += validateIP(server, at: path.child("nameservers").index(index))
        }
        let searches = CoreSupport.elements(config, "searches").map { $0.stringValue ?? "" }
        let searchList: JSON = .array(searches.map { .string($0) })
        if searches.count > 32 {
            errors.append(.invalid(path.child("searches").text, searchList, "must not have more than 32 search paths"))
        }
        if searches.joined(separator: " ").count > 2048 {
            errors.append(
                .invalid(
                    path.child("searches").text, searchList,
                    "must not have more than 2048 characters (including spaces) in the search list"))
        }
        for (index, search) in searches.enumerated() where search != "." {
            // A trailing dot is fine.
            let name = search.hasSuffix(".") ? String(search.dropLast()) : search
            errors += NameRules.dns1123Subdomain(name).map {
                .invalid(path.child("searches").index(index).text, .string(name), $0)
            }
        }
        for (index, option) in CoreSupport.elements(config, "options").enumerated()
        where (option["name"]?.stringValue ?? "").isEmpty {
            errors.append(.required(path.child("options").index(index).text, "must not be empty"))
        }
        return errors
    }

    /// Each alias an IP address and DNS subdomain host names.
    static func validateHostAliases(_ aliases: [JSON], at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for (index, alias) in aliases.enumerated() {
            errors += validateIP(alias["ip"]?.stringValue ?? "", at: path.index(index).child("ip"))
            for (position, name) in CoreSupport.elements(alias, "hostnames").enumerated() {
                let text = name.stringValue ?? ""
                errors += NameRules.dns1123Subdomain(text).map {
                    .invalid(path.index(index).child("hostnames").index(position).text, .string(text), $0)
                }
            }
        }
        return errors
    }

    static func validateIP(_ text: String, at path: FieldPath) -> [FieldError] {
        if NetworkAddress.isIPv4(text) || NetworkAddress.isIPv6(text) { return [] }
        return [.invalid(path.text, .string(text), "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")]
    }

    /// Two containers of a pod may not claim the same host IP, protocol and host port.
    static func validateHostPorts(_ spec: JSON, at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for key in ["initContainers", "containers"] {
            var claimed = Set<String>()
            for (index, container) in CoreSupport.elements(spec, key).enumerated() {
                for (position, port) in CoreSupport.elements(container, "ports").enumerated() {
                    let hostPort = port["hostPort"]?.intValue ?? 0
                    guard hostPort != 0 else { continue }
                    let claim =
                        CoreSupport.string(port, ["hostIP"]) + "/" + CoreSupport.string(port, ["protocol"])
                        + "/\(hostPort)"
                    if !claimed.insert(claim).inserted {
                        let portPath = path.child(key).index(index).child("ports").index(position).child("hostPort")
                        errors.append(.duplicate(portPath.text, .string(claim)))
                    }
                }
            }
        }
        return errors
    }

    /// Names in a pod spec that must be DNS labels or subdomains.
    static func validatePodSpecNames(_ spec: JSON, at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for key in ["serviceAccountName", "nodeName"] {
            let value = spec[key]?.stringValue ?? ""
            guard !value.isEmpty else { continue }
            errors += NameRules.dns1123Subdomain(value).map { .invalid(path.child(key).text, .string(value), $0) }
        }
        for key in ["hostname", "subdomain"] {
            let value = spec[key]?.stringValue ?? ""
            guard !value.isEmpty else { continue }
            errors += NameRules.dns1123Label(value).map { .invalid(path.child(key).text, .string(value), $0) }
        }
        return errors
    }

    /// Required when absent or empty, otherwise one of `allowed` (listed in upstream's order).
    static func validateEnum(_ value: JSON?, _ allowed: [String], at path: FieldPath) -> [FieldError] {
        let text = value?.stringValue ?? ""
        if text.isEmpty { return [.required(path.text)] }
        return allowed.contains(text) ? [] : [.notSupported(path.text, .string(text), allowed)]
    }

    enum ContainerRole {
        case regular, initialization, ephemeral
    }

    static func validateContainer(
        _ container: JSON, role: ContainerRole, names: inout Set<String>, volumes: Set<String>, at path: FieldPath
    ) -> [FieldError] {
        var errors: [FieldError] = []
        let name = container["name"]?.stringValue ?? ""
        if name.isEmpty {
            errors.append(.required(path.child("name").text))
        } else {
            let problems = NameRules.dns1123Label(name)
            errors += problems.map { .invalid(path.child("name").text, .string(name), $0) }
            if problems.isEmpty, !names.insert(name).inserted {
                errors.append(.duplicate(path.child("name").text, .string(name)))
            }
        }
        let image = container["image"]?.stringValue ?? ""
        if image.isEmpty {
            errors.append(.required(path.child("image").text))
        } else if image.first?.isWhitespace == true || image.last?.isWhitespace == true {
            errors.append(
                .invalid(path.child("image").text, .string(image), "must not have leading or trailing whitespace"))
        }
        errors += validateEnum(
            container["imagePullPolicy"], ["Always", "IfNotPresent", "Never"], at: path.child("imagePullPolicy"))
        if let policy = container["terminationMessagePolicy"]?.stringValue {
            errors += validateEnum(
                .string(policy), ["File", "FallbackToLogsOnError"], at: path.child("terminationMessagePolicy"))
        }
        errors += validatePorts(CoreSupport.elements(container, "ports"), at: path.child("ports"))
        errors += validateEnv(CoreSupport.elements(container, "env"), at: path.child("env"))
        errors += validateEnvFrom(CoreSupport.elements(container, "envFrom"), at: path.child("envFrom"))
        errors += validateVolumeMounts(
            CoreSupport.elements(container, "volumeMounts"), volumes: volumes, at: path.child("volumeMounts"))
        errors += validateResources(container["resources"] ?? .emptyObject, at: path.child("resources"))
        errors += validateContainerRole(container, role: role, at: path)
        return errors
    }

    /// Rules that depend on where the container sits: probes and restart policies.
    static func validateContainerRole(_ container: JSON, role: ContainerRole, at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let restartPolicy = container["restartPolicy"]?.stringValue
        let isSidecar = role == .initialization && restartPolicy == "Always"
        switch role {
        case .regular:
            if restartPolicy != nil {
                errors.append(.forbidden(path.child("restartPolicy").text, "may not be set for non-init containers"))
            }
        case .initialization:
            if let restartPolicy, restartPolicy != "Always" {
                errors.append(.notSupported(path.child("restartPolicy").text, .string(restartPolicy), ["Always"]))
            }
        case .ephemeral:
            break
        }
        let probeKinds = ["livenessProbe", "readinessProbe", "startupProbe"]
        if role == .regular || isSidecar {
            for kind in probeKinds {
                guard let probe = container[kind], probe != .null else { continue }
                errors += validateProbe(probe, kind: kind, at: path.child(kind))
            }
        } else {
            let detail =
                role == .ephemeral
                ? "may not be set for ephemeral containers"
                : "may not be set for init containers without restartPolicy=Always"
            for kind in probeKinds + (role == .ephemeral ? ["lifecycle"] : []) where container[kind] != nil {
                errors.append(.forbidden(path.child(kind).text, detail))
            }
        }
        return errors
    }

    static func validatePorts(_ ports: [JSON], at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        var names = Set<String>()
        for (index, port) in ports.enumerated() {
            let portPath = path.index(index)
            if let name = port["name"]?.stringValue, !name.isEmpty {
                let problems = CoreSupport.portNameProblems(name)
                errors += problems.map { .invalid(portPath.child("name").text, .string(name), $0) }
                if problems.isEmpty, !names.insert(name).inserted {
                    errors.append(.duplicate(portPath.child("name").text, .string(name)))
                }
            }
            let number = port["containerPort"]?.intValue ?? 0
            if number == 0 {
                errors.append(.required(portPath.child("containerPort").text))
            } else if !CoreSupport.isValidPort(number) {
                errors.append(
                    .invalid(portPath.child("containerPort").text, .int(number), CoreSupport.portRangeMessage))
            }
            if let hostPort = port["hostPort"]?.intValue, hostPort != 0, !CoreSupport.isValidPort(hostPort) {
                errors.append(.invalid(portPath.child("hostPort").text, .int(hostPort), CoreSupport.portRangeMessage))
            }
            errors += validateProtocol(port["protocol"], at: portPath.child("protocol"))
        }
        return errors
    }

    /// Port protocols; upstream lists the supported values sorted.
    static func validateProtocol(_ value: JSON?, at path: FieldPath) -> [FieldError] {
        validateEnum(value, CoreV1.protocols.sorted(), at: path)
    }

    static func validateEnv(_ variables: [JSON], at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for (index, variable) in variables.enumerated() {
            let variablePath = path.index(index)
            let name = variable["name"]?.stringValue ?? ""
            if name.isEmpty {
                errors.append(.required(variablePath.child("name").text))
            } else {
                errors += NameRules.envVarName(name).map {
                    .invalid(variablePath.child("name").text, .string(name), $0)
                }
            }
            guard let source = variable["valueFrom"], source != .null else { continue }
            let sourcePath = variablePath.child("valueFrom")
            let kinds = ["fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef"].filter {
                source[$0] != nil && source[$0] != .null
            }
            if kinds.isEmpty {
                errors.append(
                    .invalid(
                        sourcePath.text, .string(""),
                        "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
            } else if kinds.count > 1 {
                errors.append(
                    .invalid(sourcePath.text, .string(""), "may not have more than one field specified at a time"))
            }
            if !(variable["value"]?.stringValue ?? "").isEmpty {
                errors.append(
                    .invalid(sourcePath.text, .string(""), "may not be specified when `value` is not empty"))
            }
            for key in ["configMapKeyRef", "secretKeyRef"]
            where (source[path: [key, "key"]]?.stringValue ?? "").isEmpty
                && source[key] != nil
            {
                errors.append(.required(sourcePath.child(key).child("key").text))
            }
            if let fieldRef = source["fieldRef"], (fieldRef["fieldPath"]?.stringValue ?? "").isEmpty {
                errors.append(.required(sourcePath.child("fieldRef").child("fieldPath").text))
            }
        }
        return errors
    }

    static func validateEnvFrom(_ sources: [JSON], at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for (index, source) in sources.enumerated() {
            let sourcePath = path.index(index)
            if let prefix = source["prefix"]?.stringValue, !prefix.isEmpty {
                errors += NameRules.envVarName(prefix).map {
                    .invalid(sourcePath.child("prefix").text, .string(prefix), $0)
                }
            }
            let kinds = ["configMapRef", "secretRef"].filter { source[$0] != nil && source[$0] != .null }
            for kind in kinds {
                let name = CoreSupport.string(source, [kind, "name"])
                let namePath = sourcePath.child(kind).child("name").text
                if name.isEmpty {
                    errors.append(.required(namePath))
                } else {
                    errors += NameRules.dns1123Subdomain(name).map { .invalid(namePath, .string(name), $0) }
                }
            }
            if kinds.isEmpty {
                errors.append(.invalid(path.text, .string(""), "must specify one of: `configMapRef` or `secretRef`"))
            } else if kinds.count > 1 {
                errors.append(.invalid(path.text, .string(""), "may not have more than one field specified at a time"))
            }
        }
        return errors
    }

    static func validateVolumeMounts(_ mounts: [JSON], volumes: Set<String>, at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        var mountPaths = Set<String>()
        for (index, mount) in mounts.enumerated() {
            let mountPath = path.index(index)
            let name = mount["name"]?.stringValue ?? ""
            if name.isEmpty { errors.append(.required(mountPath.child("name").text)) }
            if !volumes.contains(name) {
                errors.append(FieldError(.notFound, mountPath.child("name").text, .string(name)))
            }
            let target = mount["mountPath"]?.stringValue ?? ""
            if target.isEmpty {
                errors.append(.required(mountPath.child("mountPath").text))
            } else if !mountPaths.insert(target).inserted {
                errors.append(.invalid(mountPath.child("mountPath").text, .string(target), "must be unique"))
            }
            if let subPath = mount["subPath"]?.stringValue, !subPath.isEmpty {
                errors += relativePathProblems(subPath).map {
                    .invalid(mountPath.child("subPath").text, .string(subPath), $0)
                }
            }
        }
        return errors
    }

    /// Paths inside a volume: relative and never climbing out with `..`.
    static func relativePathProblems(_ value: String) -> [String] {
        if value.hasPrefix("/") { return ["must be a relative path"] }
        if value.split(separator: "/").contains("..") { return ["must not contain '..'"] }
        return []
    }

    static func validateToleration(_ toleration: JSON, at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        let key = toleration["key"]?.stringValue ?? ""
        let operation = toleration["operator"]?.stringValue ?? ""
        let value = toleration["value"]?.stringValue ?? ""
        let effect = toleration["effect"]?.stringValue ?? ""
        if !key.isEmpty {
            errors += NameRules.qualifiedName(key).map { .invalid(path.child("key").text, .string(key), $0) }
        } else if operation != "Exists" {
            errors.append(
                .invalid(
                    path.child("operator").text, .string(operation),
                    "operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
        }
        if toleration["tolerationSeconds"] != nil, toleration["tolerationSeconds"] != .null, effect != "NoExecute" {
            errors.append(
                .invalid(
                    path.child("effect").text, .string(effect),
                    "effect must be 'NoExecute' when `tolerationSeconds` is set"))
        }
        switch operation {
        case "Equal", "":
            errors += NameRules.labelValue(value).map { .invalid(path.child("operator").text, .string(value), $0) }
        case "Exists":
            if !value.isEmpty {
                errors.append(
                    .invalid(path.child("operator").text, toleration, "value must be empty when `operator` is 'Exists'")
                )
            }
        default:
            errors.append(.notSupported(path.child("operator").text, .string(operation), ["Equal", "Exists"]))
        }
        if !effect.isEmpty {
            errors += validateEnum(.string(effect), CoreV1.taintEffects, at: path.child("effect"))
        }
        return errors
    }
}
