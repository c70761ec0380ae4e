import MesosModel

/// Mesos-style checks of the task fields the containerizer interprets: `container`,
/// `health_check`, `check`, `limits` and `CommandInfo.uris`. Each returns the TASK_ERROR message
/// for the first problem found, or nil. Pure: no I/O.
enum TaskValidation {
    static let seeDocs = "(see docs/containerizer.md)"

    /// All containerizer-related checks of one task; `resources` are the task's own.
    static func containerizerError(_ task: TaskInfo, resources: Resources) -> String? {
        // A custom executor's task runs inside the executor's container, so these would be ignored.
        if task.executor != nil {
            if task.container != nil {
                return "TaskInfo.container is not supported on a task with an ExecutorInfo: the task runs in its"
                    + " executor's container \(seeDocs)"
            }
            if task.limits != nil {
                return "TaskInfo.limits is not supported on a task with an ExecutorInfo: limits apply to the"
                    + " executor's container \(seeDocs)"
            }
        }
        if let container = task.container, let error = containerError(container) { return error }
        if let error = task.healthCheck?.error { return error.description }
        if let error = task.check?.error { return error.description }
        if let limits = task.limits, let error = limitsError(limits, requests: resources) { return error }
        if let error = urisError(task.command?.uris) { return error }
        return nil
    }

    // MARK: - CommandInfo.uris

    /// Every fetcher URI needs a `value`.
    static func urisError(_ uris: [CommandURI]?) -> String? {
        for (index, uri) in (uris ?? []).enumerated()
        where uri.value.trimmingWhitespace.isEmpty {
            return "CommandInfo.uris[\(index)].value must not be empty"
        }
        return nil
    }

    // MARK: - TaskInfo.limits

    /// Mesos' resource-limit rules: only cpus and mem, never below the task's request, and only
    /// for a resource the task requests.
    static func limitsError(_ limits: TaskLimits, requests: Resources) -> String? {
        for (name, limit) in limits.values.sorted(by: { $0.key < $1.key }) {
            guard name == "cpus" || name == "mem" else {
                return "Resource limits may only be set for 'cpus' and 'mem', not '\(name)'"
            }
            guard !limit.isNaN, limit >= 0 else {
                return "The '\(name)' limit must be a non-negative number or \"Infinity\", got \(limit)"
            }
            let request = requests.scalar(name)
            guard request > 0 else {
                return "A '\(name)' limit requires the task to request '\(name)'"
            }
            guard limit >= request else {
                return "The '\(name)' limit \(limit) is less than the task's '\(name)' request \(request)"
            }
        }
        return nil
    }

    // MARK: - ExecutorInfo.container

    /// Custom executors run as plain processes: only an image-less MESOS container (a no-op) is
    /// accepted.
    static func executorContainerError(_ container: ContainerInfo) -> String? {
        let prefix = "ExecutorInfo.container"
        guard container.type == .mesos else {
            let type = container.type?.rawValue ?? "(none)"
            return "\(prefix) of type \(type) is not supported: custom executors run without an image, "
                + "use type MESOS without an image \(seeDocs)"
        }
        if container.mesos?.image != nil {
            return "\(prefix).mesos.image is not supported: custom executors run without an image \(seeDocs)"
        }
        if let volumes = container.volumes, !volumes.isEmpty {
            return "\(prefix).volumes is not supported for custom executors \(seeDocs)"
        }
        return commonFieldsError(container, prefix: prefix)
    }
}

extension String {
    var trimmingWhitespace: String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
