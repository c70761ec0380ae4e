/// Whole-app rules of Marathon's `AppValidation` / `NetworkValidation`, run after decoding and
/// normalization, with Marathon's error texts. Rules about the app as a whole report at path `/`.
/// Internal to MarathonCore; `AppDefinition.create` and `AppUpdate` call `validate(into:)`.
extension AppDefinition {
    func validate(into violations: Violations) {
        validateCommand(violations)
        validateNetworks(violations)
        validatePorts(violations)
        validateHealthChecks(violations)
        validateReadinessChecks(violations)
        validateUnsupported(violations)
        if let roles = acceptedResourceRoles, roles.isEmpty {
            violations.add("/acceptedResourceRoles", "must not be empty")
        }
    }

    private func validateCommand(_ violations: Violations) {
        let hasCmd = cmd != nil
        let hasArgs = args.map { !$0.isEmpty } ?? false
        let hasImage = container?.docker != nil
        if !((hasCmd != hasArgs) || (!(hasCmd && hasArgs) && hasImage)) {
            violations.add("/", "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.")
        }
        if let cmd, cmd.count <= 1 { violations.add("/", "must not be an empty string") }
    }

    private func validateNetworks(_ violations: Violations) {
        let path = "/networks"
        if networks.contains(where: { $0.mode == .host && ($0.name.map { !$0.isEmpty } ?? false || !$0.labels.isEmpty) }
        ) {
            violations.add(path, "Host networks may not have names or labels")
        }
        if networks.contains(where: { $0.mode == .containerBridge && ($0.name.map { !$0.isEmpty } ?? false) }) {
            violations.add(path, "Bridge networks may not have names")
        }
        let host = networks.filter { $0.mode == .host }.count
        let bridge = networks.filter { $0.mode == .containerBridge }.count
        let containerNets = networks.filter { $0.mode == .container }.count
        let valid =
            (host <= 1 && bridge == 0 && containerNets == 0) || (host == 0 && bridge <= 1 && containerNets == 0)
            || (host == 0 && bridge == 0 && containerNets > 0)
        if !valid {
            violations.add(
                path, "May specify a single host network, single bridge network, or else 1-to-n container networks")
        }
    }

    private func validatePorts(_ violations: Violations) {
        let mappings = container?.portMappings ?? []
        if usesHostNetworking && !mappings.isEmpty {
            violations.add("/", "portMappings are not allowed with host-networking")
        }
        if !usesHostNetworking && !portDefinitions.isEmpty {
            violations.add("/", "portDefinitions are only allowed with host-networking")
        }
        let definitionNames = portDefinitions.compactMap(\.name)
        if Set(definitionNames).count != definitionNames.count {
            violations.add("/portDefinitions", "Port names must be unique.")
        }
        let fixedPorts = portDefinitions.map(\.port).filter { $0 != 0 }
        if Set(fixedPorts).count != fixedPorts.count { violations.add("/portDefinitions", "Ports must be unique.") }
        let mappingNames = mappings.compactMap(\.name)
        if Set(mappingNames).count != mappingNames.count {
            violations.add("/container/portMappings", "Port names must be unique.")
        }
        if requirePorts && !usesHostNetworking {
            violations.add("/requirePorts", "requirePorts is only allowed with host-networking")
        }
    }

    private func validateHealthChecks(_ violations: Violations) {
        for (index, check) in healthChecks.enumerated() {
            let path = "/healthChecks(\(index))"
            if check.command == nil && check.protocol.isMarathonLevel {
                let valid =
                    check.portIndex.map { (0..<portCount).contains($0) } ?? (check.port != nil || portCount == 1)
                if !valid {
                    violations.add(
                        path,
                        "Health check port indices must address an element of the ports array or container port mappings."
                    )
                }
            }
            let mesosHTTP = [.mesosHTTP, .mesosHTTPS, .mesosTCP].contains(check.protocol)
            if check.ipProtocol != "IPv4" && !(mesosHTTP && container?.type == .docker) {
                violations.add(
                    path, "IPv6 can only be used for container type DOCKER and Mesos http/https/tcp health checks")
            }
            if check.ignoreHttp1xx && !(check.protocol == .http || check.protocol == .https) {
                violations.add(
                    path + "/ignoreHttp1xx", "ignoreHttp1xx is only allowed with HTTP and HTTPS health checks")
            }
        }
        let mesosChecks = healthChecks.filter { !$0.protocol.isMarathonLevel }.count
        if mesosChecks > 1 { violations.add("/", "AppDefinition can contain at most one Mesos health check") }
        if mesosChecks > 0 && mesosChecks < healthChecks.count {
            violations.add("/healthChecks", "Mixing Mesos and Marathon health checks in one app is not supported")
        }
    }

    private func validateReadinessChecks(_ violations: Violations) {
        if readinessChecks.count > 1 {
            violations.add("/readinessChecks", "got \(readinessChecks.count), expected 1 or less")
        }
        let names = Set(portNames.compactMap { $0 })
        for (index, check) in readinessChecks.enumerated() {
            let path = "/readinessChecks(\(index))"
            if !names.contains(check.portName) {
                violations.add(path + "/portName", "No port definition reference for portName \(check.portName)")
            }
            if check.timeoutSeconds >= check.intervalSeconds {
                violations.add(
                    path + "/timeoutSeconds", "got \(check.timeoutSeconds), expected less than \(check.intervalSeconds)"
                )
            }
        }
    }

    private func validateUnsupported(_ violations: Violations) {
        if gpus > 0 { violations.add("/gpus", "GPU resources are not supported by Mesokube") }
        if !["", "//cmd"].contains(executor) {
            violations.add("/executor", "custom executors are not supported by Mesokube (use \"\" or \"//cmd\")")
        }
    }
}
