/// Rendering an app back to JSON in the shape Marathon 1.10 answers and marathon-python 0.13 accepts
/// (reference §6.2): unset optional fields are omitted, never `null`; `tty`, `check`,
/// `executorResources`, `resourceLimits`, `tasksStats` and port-mapping `networkNames` are never emitted;
/// timestamps are UTC with `Z`.
///
/// Public API for the HTTP shell:
/// - `app.json()`: the definition (`GET /v2/apps/{id}/versions/{v}`, stored form, deployment plans).
/// - `app.infoJSON(_ extras:)`: AppInfo for `GET /v2/apps[/{id}]`; the shell fills `AppInfoExtras`
///   with counts, deployment ids, rendered tasks and the last failure as its embed options ask.
/// Re-decoding `app.json()` with `AppDefinition.create` yields the same definition.
import Foundation
import MesosModel

/// Read-only AppInfo parts that come from the running system, not from the definition.
public struct AppInfoExtras: Sendable {
    public struct Counts: Hashable, Sendable {
        public var staged, running, healthy, unhealthy: Int
        public init(staged: Int = 0, running: Int = 0, healthy: Int = 0, unhealthy: Int = 0) {
            self.staged = staged
            self.running = running
            self.healthy = healthy
            self.unhealthy = unhealthy
        }
    }
    public var counts: Counts?
    public var deploymentIds: [String]?
    public var tasks: [JSONValue]?
    public var lastTaskFailure: JSONValue?
    public var readinessCheckResults: [JSONValue]?

    public init(
        counts: Counts? = nil, deploymentIds: [String]? = nil, tasks: [JSONValue]? = nil,
        lastTaskFailure: JSONValue? = nil, readinessCheckResults: [JSONValue]? = nil
    ) {
        self.counts = counts
        self.deploymentIds = deploymentIds
        self.tasks = tasks
        self.lastTaskFailure = lastTaskFailure
        self.readinessCheckResults = readinessCheckResults
    }
}

extension AppDefinition {
    public func json() -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(id.description), "instances": .number(Double(instances)), "cpus": .number(cpus),
            "mem": .number(mem), "disk": .number(disk), "gpus": .number(Double(gpus)), "executor": .string(executor),
            "env": .object(env.mapValues(JSONValue.string)), "labels": .object(labels.mapValues(JSONValue.string)),
            "constraints": .array(constraints.map(\.json)), "fetch": .array(fetch.map(\.json)),
            "backoffSeconds": .number(backoffSeconds), "backoffFactor": .number(backoffFactor),
            "maxLaunchDelaySeconds": .number(maxLaunchDelaySeconds),
            "healthChecks": .array(healthChecks.map(\.json)), "readinessChecks": .array(readinessChecks.map(\.json)),
            "dependencies": .array(dependencies.map { .string($0.description) }),
            "upgradeStrategy": .object([
                "minimumHealthCapacity": .number(upgradeStrategy.minimumHealthCapacity),
                "maximumOverCapacity": .number(upgradeStrategy.maximumOverCapacity),
            ]),
            "killSelection": .string(killSelection.rawValue), "unreachableStrategy": unreachableStrategy.json,
            "networks": .array(networks.map(\.json)), "portDefinitions": .array(portDefinitions.map(\.json)),
            "requirePorts": .bool(requirePorts),
        ]
        object["cmd"] = cmd.map(JSONValue.string)
        object["args"] = args.map { .array($0.map(JSONValue.string)) }
        object["user"] = user.map(JSONValue.string)
        object["container"] = container?.json
        object["acceptedResourceRoles"] = acceptedResourceRoles.map { .array($0.map(JSONValue.string)) }
        object["taskKillGracePeriodSeconds"] = taskKillGracePeriodSeconds.map(JSONValue.number)
        object["role"] = role.map(JSONValue.string)
        object["version"] = version.map { .string(Timestamp.format($0)) }
        if let versionInfo {
            object["versionInfo"] = .object([
                "lastScalingAt": .string(Timestamp.format(versionInfo.lastScalingAt)),
                "lastConfigChangeAt": .string(Timestamp.format(versionInfo.lastConfigChangeAt)),
            ])
        }
        return .object(object)
    }

    public func infoJSON(_ extras: AppInfoExtras) -> JSONValue {
        guard case .object(var object) = json() else { return json() }
        if let counts = extras.counts {
            object["tasksStaged"] = .number(Double(counts.staged))
            object["tasksRunning"] = .number(Double(counts.running))
            object["tasksHealthy"] = .number(Double(counts.healthy))
            object["tasksUnhealthy"] = .number(Double(counts.unhealthy))
        }
        object["deployments"] = extras.deploymentIds.map { ids in .array(ids.map { .object(["id": .string($0)]) }) }
        object["tasks"] = extras.tasks.map(JSONValue.array)
        object["lastTaskFailure"] = extras.lastTaskFailure
        object["readinessCheckResults"] = extras.readinessCheckResults.map(JSONValue.array)
        return .object(object)
    }
}

extension FetchURI {
    var json: JSONValue {
        var object: [String: JSONValue] = [
            "uri": .string(uri), "extract": .bool(extract), "executable": .bool(executable), "cache": .bool(cache),
        ]
        object["destPath"] = destPath.map(JSONValue.string)
        return .object(object)
    }
}

extension UnreachableStrategy {
    var json: JSONValue {
        switch self {
        case .disabled: return .string("disabled")
        case .enabled(let inactive, let expunge):
            return .object(["inactiveAfterSeconds": .number(inactive), "expungeAfterSeconds": .number(expunge)])
        }
    }
}

extension Network {
    var json: JSONValue {
        var object: [String: JSONValue] = ["mode": .string(mode.rawValue)]
        object["name"] = name.map(JSONValue.string)
        if !labels.isEmpty { object["labels"] = .object(labels.mapValues(JSONValue.string)) }
        return .object(object)
    }
}

extension PortDefinition {
    var json: JSONValue {
        var object: [String: JSONValue] = ["port": .number(Double(port)), "protocol": .string(`protocol`)]
        object["name"] = name.map(JSONValue.string)
        if !labels.isEmpty { object["labels"] = .object(labels.mapValues(JSONValue.string)) }
        return .object(object)
    }
}

extension PortMapping {
    var json: JSONValue {
        var object: [String: JSONValue] = [
            "containerPort": .number(Double(containerPort)), "servicePort": .number(Double(servicePort)),
            "protocol": .string(`protocol`),
        ]
        object["hostPort"] = hostPort.map { .number(Double($0)) }
        object["name"] = name.map(JSONValue.string)
        if !labels.isEmpty { object["labels"] = .object(labels.mapValues(JSONValue.string)) }
        return .object(object)
    }
}

extension Container {
    var json: JSONValue {
        var object: [String: JSONValue] = [
            "type": .string(type.rawValue), "portMappings": .array(portMappings.map(\.json)),
            "volumes": .array(
                volumes.map {
                    .object([
                        "containerPath": .string($0.containerPath), "hostPath": .string($0.hostPath),
                        "mode": .string($0.mode),
                    ])
                }),
        ]
        if let docker {
            object["docker"] = .object([
                "image": .string(docker.image), "forcePullImage": .bool(docker.forcePullImage),
                "privileged": .bool(false), "parameters": .array([]),
            ])
        }
        return .object(object)
    }
}

extension HealthCheck {
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "protocol": .string(`protocol`.rawValue), "gracePeriodSeconds": .number(gracePeriodSeconds),
            "intervalSeconds": .number(intervalSeconds), "timeoutSeconds": .number(timeoutSeconds),
            "maxConsecutiveFailures": .number(Double(maxConsecutiveFailures)), "delaySeconds": .number(delaySeconds),
            "ipProtocol": .string(ipProtocol),
        ]
        object["path"] = path.map(JSONValue.string)
        object["portIndex"] = portIndex.map { .number(Double($0)) }
        object["port"] = port.map { .number(Double($0)) }
        object["command"] = command.map { .object(["value": .string($0)]) }
        if `protocol` == .http || `protocol` == .https { object["ignoreHttp1xx"] = .bool(ignoreHttp1xx) }
        return .object(object)
    }
}

extension ReadinessCheck {
    var json: JSONValue {
        .object([
            "name": .string(name), "protocol": .string(`protocol`), "path": .string(path),
            "portName": .string(portName), "intervalSeconds": .number(intervalSeconds),
            "timeoutSeconds": .number(timeoutSeconds),
            "httpStatusCodesForReady": .array(httpStatusCodesForReady.map { .number(Double($0)) }),
            "preserveLastResponse": .bool(preserveLastResponse),
        ])
    }
}
