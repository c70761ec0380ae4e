/// Decoding an app body into a canonical `AppDefinition`: Marathon 1.10 defaults, normalization of
/// deprecated fields, then validation (`AppDefinition+Validation.swift`).
///
/// Public API for the HTTP shell:
/// - `AppDefinition.create(from:base:defaultRole:)`: POST `/v2/apps` body (or one app of a group)
///   → definition, or `ValidationFailure` whose `.json` is the 422 body. Relative ids resolve
///   against `base`. Read-only AppInfo keys a client echoes back (`tasks`, `deployments`,
///   `tasksRunning`, `versionInfo`, ...) are ignored; unknown keys and unsupported features are refused.
import MesosModel

extension AppDefinition {
    /// Keys of a Marathon app the core understands.
    static let knownKeys: Set<String> = [
        "id", "cmd", "args", "user", "env", "instances", "cpus", "mem", "disk", "gpus", "executor", "constraints",
        "fetch", "uris", "backoffSeconds", "backoffFactor", "maxLaunchDelaySeconds", "container", "healthChecks",
        "readinessChecks", "dependencies", "upgradeStrategy", "labels", "acceptedResourceRoles", "killSelection",
        "unreachableStrategy", "networks", "portDefinitions", "ports", "requirePorts", "taskKillGracePeriodSeconds",
        "role",
    ]

    /// AppInfo keys that are output only; clients such as marathon-python send them back on update.
    static let readOnlyKeys: Set<String> = [
        "version", "versionInfo", "tasks", "tasksStaged", "tasksRunning", "tasksHealthy", "tasksUnhealthy",
        "deployments", "lastTaskFailure", "readinessCheckResults", "taskStats", "tasksStats",
    ]

    static let refusals: [String: @Sendable (JSONValue) -> String?] = [
        "residency": Refusal.unsupported("residency (resident tasks with persistent volumes)"),
        "secrets": Refusal.unlessEmpty("secrets"),
        "ipAddress": Refusal.unsupported("ipAddress (use networks)"),
        "storeUrls": Refusal.unlessEmpty("storeUrls"),
        "taskRateLimit": Refusal.unsupported("taskRateLimit"),
        "tty": Refusal.unlessEmpty("tty"),
        "check": Refusal.unsupported("check (Mesos checks)"),
        "executorResources": Refusal.unsupported("executorResources"),
        "resourceLimits": Refusal.unsupported("resourceLimits"),
    ]

    /// Decodes, normalizes and validates an app definition (POST semantics).
    public static func create(
        from json: JSONValue, base: PathId = .root, defaultRole: String? = nil
    )
        throws(ValidationFailure) -> AppDefinition
    {
        let violations = Violations()
        guard let reader = ObjectReader(json, path: "", violations: violations) else { throw failure(violations) }
        reader.rejectUnknown(known: knownKeys.union(readOnlyKeys), refusals: refusals)
        var app = AppDefinition(id: decodeId(reader, base: base))
        app.decodeCommand(reader)
        app.decodeResources(reader)
        app.decodeScheduling(reader)
        app.decodeNetworking(reader)
        app.decodeChecks(reader)
        if app.role == nil { app.role = defaultRole }
        app.validate(into: violations)
        try violations.check()
        return app
    }

    private static func failure(_ violations: Violations) -> ValidationFailure {
        ValidationFailure(details: violations.details)
    }

    private static func decodeId(_ reader: ObjectReader, base: PathId) -> PathId {
        guard let raw = reader.requiredString("id") else { return .root }
        for error in PathId.violations(of: raw, base: base) { reader.violations.add(reader.at("id"), error) }
        return PathId(raw).canonical(base: base)
    }

    private mutating func decodeCommand(_ reader: ObjectReader) {
        cmd = reader.string("cmd")
        args = reader.stringArray("args")
        user = reader.string("user")
        executor = reader.string("executor") ?? ""
        labels = reader.stringMap("labels") ?? [:]
        role = reader.string("role")
        acceptedResourceRoles = reader.stringArray("acceptedResourceRoles")
        dependencies = (reader.stringArray("dependencies") ?? []).enumerated().map { index, raw in
            let path = "\(reader.at("dependencies"))(\(index))"
            for error in PathId.violations(of: raw, base: id.parent) { reader.violations.add(path, error) }
            return PathId(raw).canonical(base: id.parent)
        }
        decodeEnv(reader)
        decodeFetch(reader)
    }

    private mutating func decodeEnv(_ reader: ObjectReader) {
        guard let env = reader.value("env") else { return }
        guard case .object(let entries) = env else {
            reader.violations.add(reader.at("env"), "error.expected.jsobject")
            return
        }
        for (name, value) in entries {
            switch value {
            case .string(let text): self.env[name] = text
            case .object(let ref) where ref["secret"] != nil:
                reader.violations.add(reader.at("env") + "/" + name, "secrets are not supported by Mesokube")
            default: reader.violations.add(reader.at("env") + "/" + name, "error.expected.jsstring")
            }
        }
    }

    private mutating func decodeFetch(_ reader: ObjectReader) {
        let uris = reader.stringArray("uris") ?? []
        let fetchReaders = reader.objects("fetch") ?? []
        if !uris.isEmpty && !fetchReaders.isEmpty {
            reader.violations.add(reader.at("uris"), "may not be set in conjunction with fetch")
        }
        fetch = uris.map(FetchURI.fromLegacy)
        for item in fetchReaders {
            item.rejectUnknown(known: ["uri", "extract", "executable", "cache", "destPath"])
            guard let uri = item.requiredString("uri") else { continue }
            fetch.append(
                FetchURI(
                    uri: uri, extract: item.bool("extract") ?? true, executable: item.bool("executable") ?? false,
                    cache: item.bool("cache") ?? false, destPath: item.string("destPath")))
        }
    }

    private mutating func decodeResources(_ reader: ObjectReader) {
        instances = reader.int("instances", min: 0) ?? 1
        cpus = reader.double("cpus", min: 0.001) ?? 1
        mem = reader.double("mem", min: 0) ?? 128
        disk = reader.double("disk", min: 0) ?? 0
        gpus = reader.int("gpus", min: 0) ?? 0
        taskKillGracePeriodSeconds = reader.double("taskKillGracePeriodSeconds", min: 0)
    }

    private mutating func decodeScheduling(_ reader: ObjectReader) {
        backoffSeconds = reader.double("backoffSeconds", min: 0) ?? 1
        backoffFactor = reader.double("backoffFactor", min: 1) ?? 1.15
        maxLaunchDelaySeconds = reader.double("maxLaunchDelaySeconds", min: 0) ?? 300
        if let raw = reader.string("killSelection") {
            if let selection = KillSelection(rawValue: raw) {
                killSelection = selection
            } else {
                reader.violations.add(reader.at("killSelection"), "error.expected.validenumvalue")
            }
        }
        if let strategy = reader.object("upgradeStrategy") {
            strategy.rejectUnknown(known: ["minimumHealthCapacity", "maximumOverCapacity"])
            upgradeStrategy = UpgradeStrategy(
                minimumHealthCapacity: strategy.double("minimumHealthCapacity", min: 0, max: 1) ?? 1,
                maximumOverCapacity: strategy.double("maximumOverCapacity", min: 0, max: 1) ?? 1)
        }
        decodeUnreachable(reader)
        constraints = (reader.array("constraints") ?? []).enumerated().compactMap { index, item in
            do throws(ValidationFailure) {
                return try PlacementConstraint.parse(item, path: "\(reader.at("constraints"))(\(index))")
            } catch {
                reader.violations.merge(error)
                return nil
            }
        }
    }

    private mutating func decodeUnreachable(_ reader: ObjectReader) {
        guard let value = reader.value("unreachableStrategy") else { return }
        if value == .string("disabled") {
            unreachableStrategy = .disabled
            return
        }
        guard let strategy = ObjectReader(value, path: reader.at("unreachableStrategy"), violations: reader.violations)
        else { return }
        strategy.rejectUnknown(known: ["inactiveAfterSeconds", "expungeAfterSeconds"])
        let inactive = strategy.double("inactiveAfterSeconds", min: 0) ?? 0
        let expunge = strategy.double("expungeAfterSeconds", min: 0) ?? 0
        if inactive > expunge {
            reader.violations.add(
                strategy.path, "inactiveAfterSeconds (\(inactive)) must be less or equal to expungeAfterSeconds")
        }
        unreachableStrategy = .enabled(inactiveAfterSeconds: inactive, expungeAfterSeconds: expunge)
    }
}

// MARK: - Health and readiness checks

extension AppDefinition {
    private mutating func decodeChecks(_ reader: ObjectReader) {
        healthChecks = (reader.objects("healthChecks") ?? []).map(Self.decodeHealthCheck)
        readinessChecks = (reader.objects("readinessChecks") ?? []).map(Self.decodeReadinessCheck)
    }

    private static func decodeHealthCheck(_ item: ObjectReader) -> HealthCheck {
        item.rejectUnknown(
            known: [
                "protocol", "path", "portIndex", "port", "command", "gracePeriodSeconds", "intervalSeconds",
                "timeoutSeconds", "maxConsecutiveFailures", "delaySeconds", "ignoreHttp1xx", "ipProtocol",
            ])
        var check = HealthCheck()
        if let raw = item.string("protocol") {
            if let kind = HealthCheck.HealthProtocol(rawValue: raw) {
                check.protocol = kind
            } else {
                item.violations.add(item.at("protocol"), "error.expected.validenumvalue")
            }
        }
        check.path = item.string("path")
        check.portIndex = item.int("portIndex", min: 0)
        check.port = item.int("port", min: 0, max: 65535)
        if let command = item.object("command") {
            command.rejectUnknown(known: ["value"])
            check.command = command.requiredString("value")
        } else if let text = item.string("command") {
            check.command = text
        }
        check.gracePeriodSeconds = item.double("gracePeriodSeconds", min: 0) ?? 300
        check.intervalSeconds = item.double("intervalSeconds", min: 0) ?? 60
        check.timeoutSeconds = item.double("timeoutSeconds", min: 0) ?? 20
        check.maxConsecutiveFailures = item.int("maxConsecutiveFailures", min: 0) ?? 3
        check.delaySeconds = item.double("delaySeconds", min: 0) ?? 15
        check.ignoreHttp1xx = item.bool("ignoreHttp1xx") ?? false
        if let ipProtocol = item.string("ipProtocol") {
            if ["IPv4", "IPv6"].contains(ipProtocol) {
                check.ipProtocol = ipProtocol
            } else {
                item.violations.add(item.at("ipProtocol"), "error.expected.validenumvalue")
            }
        }
        if check.protocol.isHTTP && check.path == nil { check.path = "/" }
        if check.protocol == .command && check.command == nil {
            item.violations.add(item.at("command"), "command is required for COMMAND health checks")
        }
        return check
    }

    private static func decodeReadinessCheck(_ item: ObjectReader) -> ReadinessCheck {
        item.rejectUnknown(
            known: [
                "name", "protocol", "path", "portName", "intervalSeconds", "timeoutSeconds",
                "httpStatusCodesForReady", "preserveLastResponse",
            ])
        var check = ReadinessCheck()
        check.name = item.string("name") ?? check.name
        if let raw = item.string("protocol") {
            if ["HTTP", "HTTPS"].contains(raw) {
                check.protocol = raw
            } else {
                item.violations.add(item.at("protocol"), "error.expected.validenumvalue")
            }
        }
        check.path = item.string("path") ?? check.path
        check.portName = item.string("portName") ?? check.portName
        check.intervalSeconds = item.double("intervalSeconds", min: 0) ?? check.intervalSeconds
        check.timeoutSeconds = item.double("timeoutSeconds", min: 0) ?? check.timeoutSeconds
        if let codes = item.array("httpStatusCodesForReady") {
            check.httpStatusCodesForReady = codes.compactMap { $0.doubleValue.map { Int($0) } }
        }
        check.preserveLastResponse = item.bool("preserveLastResponse") ?? false
        return check
    }
}
