import KubeTypes

/// Upstream's `status/generate.go`: the kubelet-owned pod conditions with their reasons and messages.
enum PodConditionRules {
    static func conditions(
        views: [ContainerView], phase: String, sandboxReady: Bool, readinessGates: [String],
        foreignConditions: [JSON]
    ) -> [PodConditionValue] {
        let containersReady = containersReadyCondition(views: views, phase: phase)
        return [
            PodConditionValue(type: "PodReadyToStartContainers", status: sandboxReady ? "True" : "False"),
            initializedCondition(views: views, phase: phase),
            readyCondition(containersReady, readinessGates: readinessGates, foreignConditions: foreignConditions),
            containersReady,
            PodConditionValue(type: "PodScheduled", status: "True"),
        ]
    }

    /// Go's `%s` of a string slice: `[a b]`.
    static func goList(_ names: [String]) -> String { "[" + names.joined(separator: " ") + "]" }

    static func initializedCondition(views: [ContainerView], phase: String) -> PodConditionValue {
        if phase == "Succeeded" {
            return PodConditionValue(type: "Initialized", status: "True", reason: "PodCompleted")
        }
        if views.contains(where: { $0.spec.kind == .regular && $0.hasRun }) {
            return PodConditionValue(type: "Initialized", status: "True")
        }
        let incomplete = views.filter { view in
            switch view.spec.kind {
            case .initContainer: !view.ready
            case .sidecar: !view.started
            case .regular: false
            }
        }
        guard incomplete.isEmpty else {
            return PodConditionValue(
                type: "Initialized", status: "False", reason: "ContainersNotInitialized",
                message: "containers with incomplete status: \(goList(incomplete.map(\.spec.name)))")
        }
        return PodConditionValue(type: "Initialized", status: "True")
    }

    static func containersReadyCondition(views: [ContainerView], phase: String) -> PodConditionValue {
        if phase == "Succeeded" {
            return PodConditionValue(type: "ContainersReady", status: "False", reason: "PodCompleted")
        }
        if phase == "Failed" {
            return PodConditionValue(type: "ContainersReady", status: "False", reason: "PodFailed")
        }
        let unready = views.filter { $0.spec.kind != .initContainer && !$0.ready }
        guard unready.isEmpty else {
            return PodConditionValue(
                type: "ContainersReady", status: "False", reason: "ContainersNotReady",
                message: "containers with unready status: \(goList(unready.map(\.spec.name)))")
        }
        return PodConditionValue(type: "ContainersReady", status: "True")
    }

    static func readyCondition(
        _ containersReady: PodConditionValue, readinessGates: [String], foreignConditions: [JSON]
    )
        -> PodConditionValue
    {
        guard containersReady.status == "True" else {
            return PodConditionValue(
                type: "Ready", status: containersReady.status, reason: containersReady.reason,
                message: containersReady.message)
        }
        var problems: [String] = []
        for gate in readinessGates {
            let condition = foreignConditions.first { $0["type"]?.stringValue == gate }
            if let condition {
                let status = condition["status"]?.stringValue ?? ""
                if status != "True" {
                    problems.append("the status of pod readiness gate \"\(gate)\" is not \"True\", but \(status)")
                }
            } else {
                problems.append("corresponding condition of pod readiness gate \"\(gate)\" does not exist.")
            }
        }
        guard problems.isEmpty else {
            return PodConditionValue(
                type: "Ready", status: "False", reason: "ReadinessGatesNotReady",
                message: problems.joined(separator: ", "))
        }
        return PodConditionValue(type: "Ready", status: "True")
    }
}

extension PodLifecycle {
    /// The pod's `status` as upstream's kubelet writes it. Conditions keep the time their status
    /// last changed; `now` only stamps a condition the core has not seen change yet.
    public func status(now: Int64) -> JSON {
        let snapshot = snapshot()
        var status: JSON = .emptyObject
        if let generation = pod.generation { status["observedGeneration"] = .int(generation) }
        status["phase"] = .string(snapshot.phase)
        if let reason = snapshot.reason { status["reason"] = .string(reason) }
        if let message = snapshot.message { status["message"] = .string(message) }
        status["conditions"] = .array(pod.foreignConditions + snapshot.conditions.map { conditionJSON($0, now: now) })
        if let hostIP = config.hostIPs.first {
            status["hostIP"] = .string(hostIP)
            status["hostIPs"] = .array(config.hostIPs.map { ["ip": .string($0)] })
        }
        let ips = podIPs.isEmpty && pod.hostNetwork && sandbox == .ready ? config.hostIPs : podIPs
        if let podIP = ips.first {
            status["podIP"] = .string(podIP)
            status["podIPs"] = .array(ips.map { ["ip": .string($0)] })
        }
        status["startTime"] = .string(Timestamp.format(startTime))
        let initViews = snapshot.views.filter { $0.spec.kind != .regular }
        if !initViews.isEmpty {
            status["initContainerStatuses"] = .array(initViews.map(containerStatusJSON))
        }
        // Upstream sorts app container statuses by name; init ones keep spec order.
        let regular = snapshot.views.filter { $0.spec.kind == .regular }.sorted { $0.spec.name < $1.spec.name }
        status["containerStatuses"] = .array(regular.map(containerStatusJSON))
        status["qosClass"] = .string(pod.qosClass)
        return status
    }

    func conditionJSON(_ condition: PodConditionValue, now: Int64) -> JSON {
        var json: JSON = [
            "type": .string(condition.type), "status": .string(condition.status), "lastProbeTime": .null,
            "lastTransitionTime": .string(Timestamp.format(conditionMarks[condition.type]?.since ?? now)),
        ]
        if let reason = condition.reason { json["reason"] = .string(reason) }
        if let message = condition.message { json["message"] = .string(message) }
        if let generation = pod.generation { json["observedGeneration"] = .int(generation) }
        return json
    }

    func containerStatusJSON(_ view: ContainerView) -> JSON {
        var json: JSON = [
            "name": .string(view.spec.name), "state": stateJSON(view.state), "ready": .bool(view.ready),
            "restartCount": .int(Int64(view.restartCount)), "image": .string(view.image),
            "imageID": .string(view.imageID), "started": .bool(view.started),
            "lastState": view.lastTerminated.map { ["terminated": terminatedJSON($0)] } ?? .emptyObject,
        ]
        if let containerID = view.containerID { json["containerID"] = .string(containerID) }
        if view.isRunning, let resources = statusResources(view.spec.resources) { json["resources"] = resources }
        if !view.spec.volumeMounts.isEmpty {
            json["volumeMounts"] = .array(view.spec.volumeMounts.map(volumeMountStatus))
        }
        return json
    }

    func stateJSON(_ state: ContainerView.State) -> JSON {
        switch state {
        case .waiting(let waiting):
            var json: JSON = ["reason": .string(waiting.reason)]
            if let message = waiting.message { json["message"] = .string(message) }
            return ["waiting": json]
        case .running(let startedAt):
            return ["running": ["startedAt": .string(Timestamp.format(startedAt))]]
        case .terminated(let terminated):
            return ["terminated": terminatedJSON(terminated)]
        }
    }

    func terminatedJSON(_ terminated: TerminatedState) -> JSON {
        var json: JSON = ["exitCode": .int(terminated.exitCode), "reason": .string(terminated.reason)]
        if let signal = terminated.signal { json["signal"] = .int(signal) }
        if let message = terminated.message { json["message"] = .string(message) }
        // Upstream serialises zero times as null; a lost container has none.
        json["startedAt"] = terminated.startedAt.map { .string(Timestamp.format($0)) } ?? .null
        json["finishedAt"] = terminated.finishedAt.map { .string(Timestamp.format($0)) } ?? .null
        if let runtimeID = terminated.runtimeID {
            json["containerID"] = .string("\(config.runtimeName)://\(runtimeID)")
        }
        return json
    }

    /// The running container's resources (InPlacePodVerticalScaling): cpu, memory and
    /// ephemeral-storage from the spec, which is what the runtime was given.
    func statusResources(_ resources: JSON?) -> JSON? {
        var result: JSON = .emptyObject
        for key in ["limits", "requests"] {
            let list = (resources?[key]?.objectValue ?? [:]).filter {
                ["cpu", "memory", "ephemeral-storage"].contains($0.key)
            }
            if !list.isEmpty { result[key] = .object(list) }
        }
        return result == .emptyObject ? nil : result
    }

    /// `status.containerStatuses[].volumeMounts`: read-only mounts report `recursiveReadOnly`.
    func volumeMountStatus(_ mount: JSON) -> JSON {
        var json: JSON = [
            "name": mount["name"] ?? .string(""), "mountPath": mount["mountPath"] ?? .string(""),
        ]
        if mount["readOnly"]?.boolValue == true {
            json["readOnly"] = true
            let requested = mount["recursiveReadOnly"]?.stringValue
            json["recursiveReadOnly"] = .string(requested == "Enabled" ? "Enabled" : "Disabled")
        }
        return json
    }
}
