import MesosModel

/// The Mesos task that runs one instance of an app, as Marathon's task builder makes it:
/// - `cmd` runs under `/bin/sh -c`; `args` run without a shell (inside an image they follow the
///   image's entrypoint, as `docker run IMAGE args`); an image app with neither runs the image.
/// - DOCKER and MESOS containers with an image both become a MESOS container with a Docker image
///   (the agent's containerizer runs it in the host network); host-path volumes are passed on.
/// - A COMMAND or MESOS_* health check becomes the task's Mesos health check, its port resolved to
///   the task's host port; Marathon-level checks (HTTP, HTTPS, TCP) are probed by the framework.
/// - The environment holds the app's `env`, then Marathon's variables (reference §2): `PORT0..n`,
///   `PORT_<NAME>`, `PORT`, `PORTS`, `HOST`, `MARATHON_APP_*`, `MESOS_TASK_ID`.
///
/// Public API for the framework shell: `AppTask.taskInfo(app:taskId:agentID:hostname:match:)`,
/// `AppTask.environment(app:taskId:hostname:ports:)`.
public enum AppTask {
    public static func taskInfo(
        app: AppDefinition, taskId: MarathonTaskId, agentID: AgentID, hostname: String, match: OfferMatch
    ) -> TaskInfo {
        let environment = environment(app: app, taskId: taskId, hostname: hostname, ports: match.hostPorts)
        let variables = environment.keys.sorted().map { Environment.Variable(name: $0, value: environment[$0] ?? "") }
        let image = app.container?.docker?.image
        var command: CommandInfo
        if let cmd = app.cmd {
            command = CommandInfo(value: cmd, shell: true)
        } else if let args = app.args, !args.isEmpty {
            command =
                image == nil
                ? CommandInfo(value: args[0], shell: false, arguments: args)
                : CommandInfo(value: nil, shell: false, arguments: args)
        } else {
            command = CommandInfo(value: nil, shell: false)
        }
        command.environment = Environment(variables: variables)
        command.user = app.user
        if !app.fetch.isEmpty {
            // CommandURI has no memberwise initializer outside MesosModel; its JSON form does.
            command.uris = app.fetch.compactMap { fetch in
                var fields: [String: JSONValue] = [
                    "value": .string(fetch.uri), "executable": .bool(fetch.executable),
                    "extract": .bool(fetch.extract), "cache": .bool(fetch.cache),
                ]
                fields["output_file"] = fetch.destPath.map(JSONValue.string)
                return try? JSONValueEncoder.decode(CommandURI.self, from: .object(fields))
            }
        }
        var task = TaskInfo(
            name: app.id.mesosTaskName, taskID: TaskID(taskId.description), agentID: agentID,
            resources: match.resources, command: command)
        let volumes = (app.container?.volumes ?? []).map {
            ContainerInfo.Volume(
                containerPath: $0.containerPath, hostPath: $0.hostPath,
                mode: $0.mode == "RO" ? .readOnly : .readWrite)
        }
        if let image {
            var container = ContainerInfo.mesosImage(image)
            if app.container?.docker?.forcePullImage == true { container.mesos?.image?.cached = false }
            if !volumes.isEmpty { container.volumes = volumes }
            task.container = container
        } else if !volumes.isEmpty {
            // Host paths for a command without an image: the agent binds them under the sandbox.
            task.container = ContainerInfo(type: .mesos, volumes: volumes)
        }
        if let check = app.healthChecks.first(where: { !$0.protocol.isMarathonLevel }) {
            task.healthCheck = mesosHealthCheck(check, ports: match.hostPorts).map { CheckDefinition($0) }
        }
        if let grace = app.taskKillGracePeriodSeconds {
            task.killPolicy = KillPolicy(gracePeriod: DurationInfo(seconds: grace))
        }
        return task
    }

    /// The Mesos health check of a COMMAND or MESOS_* check (the agent runs it next to the task and
    /// kills the task after `maxConsecutiveFailures`; 0 means never, as in Marathon). nil when the
    /// check names a port the task does not have (validation refuses such apps).
    static func mesosHealthCheck(_ check: HealthCheck, ports: [Int]) -> MesosModel.HealthCheck? {
        var mesos = MesosModel.HealthCheck(
            type: .command, delaySeconds: check.delaySeconds, intervalSeconds: check.intervalSeconds,
            timeoutSeconds: check.timeoutSeconds,
            consecutiveFailures: check.maxConsecutiveFailures > 0 ? check.maxConsecutiveFailures : Int(Int32.max),
            gracePeriodSeconds: check.gracePeriodSeconds)
        let index = check.portIndex ?? 0
        let port = check.port ?? (ports.indices.contains(index) ? ports[index] : nil)
        switch check.protocol {
        case .command:
            mesos.command = CommandInfo(value: check.command ?? "", shell: true)
        case .mesosHTTP, .mesosHTTPS:
            guard let port else { return nil }
            mesos.type = .http
            mesos.http = HTTPCheckDefinition(
                port: port, path: check.path ?? "/", scheme: check.protocol == .mesosHTTPS ? "https" : "http")
        case .mesosTCP:
            guard let port else { return nil }
            mesos.type = .tcp
            mesos.tcp = TCPCheckDefinition(port: port)
        case .http, .https, .tcp:
            return nil
        }
        return mesos
    }

    public static func environment(
        app: AppDefinition, taskId: MarathonTaskId, hostname: String, ports: [Int]
    ) -> [String: String] {
        var env = app.env
        for (index, port) in ports.enumerated() {
            env["PORT\(index)"] = "\(port)"
            if index < app.portDefinitions.count, let name = app.portDefinitions[index].name {
                env["PORT_\(variableName(name))"] = "\(port)"
            }
        }
        if let first = ports.first { env["PORT"] = "\(first)" }
        if !ports.isEmpty { env["PORTS"] = ports.map(String.init).joined(separator: ",") }
        env["HOST"] = hostname
        env["MARATHON_APP_ID"] = app.id.description
        env["MARATHON_APP_VERSION"] = app.version.map(Timestamp.format) ?? ""
        if let image = app.container?.docker?.image { env["MARATHON_APP_DOCKER_IMAGE"] = image }
        env["MARATHON_APP_RESOURCE_CPUS"] = decimal(app.cpus)
        env["MARATHON_APP_RESOURCE_MEM"] = decimal(app.mem)
        env["MARATHON_APP_RESOURCE_DISK"] = decimal(app.disk)
        env["MARATHON_APP_RESOURCE_GPUS"] = "\(app.gpus)"
        let labels = app.labels.keys.sorted().filter { isVariableName(variableName($0)) }
        env["MARATHON_APP_LABELS"] = labels.map(variableName).joined(separator: " ")
        for key in labels { env["MARATHON_APP_LABEL_\(variableName(key))"] = app.labels[key] }
        env["MESOS_TASK_ID"] = taskId.description
        return env
    }

    /// Upper case, characters other than letters, digits and `_` replaced by `_`.
    static func variableName(_ name: String) -> String {
        String(name.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    }

    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.first, !first.isNumber else { return false }
        return true
    }

    /// Marathon prints resources as Java doubles: `1.0`, `0.5`, `128.0`.
    static func decimal(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? "\(Int64(value)).0" : "\(value)"
    }
}
