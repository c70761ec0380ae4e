/// Server-side printing of core/v1 kinds for `kubectl get`: the columns and cell logic of upstream's
/// printers, computed for every column (kubectl hides priority-1 columns unless `-o wide`).
public enum CoreV1Printers {
    static let nameColumn = TableColumn(
        "Name", format: "name", description: "Name of the object, unique in its namespace.")
    static let ageColumn = TableColumn("Age", description: "Time since the object was created.")

    static func text(_ value: String) -> JSON { .string(value) }

    /// `k=v,k2=v2` sorted by key, or `<none>`, as upstream's `labels.FormatLabels`.
    static func formatLabels(_ labels: [String: String]) -> String {
        if labels.isEmpty { return "<none>" }
        return labels.keys.sorted().map { "\($0)=\(labels[$0]!)" }.joined(separator: ",")
    }

    public static let pods = TableDefinition(
        columns: [
            nameColumn,
            TableColumn("Ready", description: "Ready containers out of all containers of the pod."),
            TableColumn("Status", description: "Summary of the state of the pod's containers."),
            TableColumn("Restarts", description: "Container restarts, and how long ago the last one happened."),
            ageColumn,
            TableColumn("IP", priority: 1, description: "Primary IP address of the pod."),
            TableColumn("Node", priority: 1, description: "Node the pod is bound to."),
            TableColumn(
                "Nominated Node", priority: 1, description: "Node the pod is expected to run on after preemption."),
            TableColumn(
                "Readiness Gates", priority: 1, description: "True readiness gate conditions out of all gates."),
        ],
        cells: podCells
    )

    @Sendable static func podCells(_ pod: JSON, now: Int64) -> [JSON] {
        let summary = PodSummary(pod)
        var restarts = String(summary.restarts)
        if summary.restarts != 0, let last = summary.lastRestart {
            restarts += " (\(Age.human(seconds: now - last)) ago)"
        }
        let spec = pod["spec"] ?? .emptyObject
        let status = pod["status"] ?? .emptyObject
        let podIP = CoreSupport.elements(status, "podIPs").first?["ip"]?.stringValue ?? ""
        let gates = CoreSupport.elements(spec, "readinessGates")
        var readinessGates = "<none>"
        if !gates.isEmpty {
            let conditions = CoreSupport.elements(status, "conditions")
            let trueCount = gates.filter { gate in
                let type = gate["conditionType"]?.stringValue
                return conditions.first { $0["type"]?.stringValue == type }?["status"]?.stringValue == "True"
            }.count
            readinessGates = "\(trueCount)/\(gates.count)"
        }
        return [
            text(pod.name), text("\(summary.ready)/\(summary.total)"), text(summary.reason), text(restarts),
            text(Age.of(pod, now: now)), text(podIP.isEmpty ? "<none>" : podIP),
            text(orNone(CoreSupport.string(spec, ["nodeName"]))),
            text(orNone(CoreSupport.string(status, ["nominatedNodeName"]))), text(readinessGates),
        ]
    }

    static func orNone(_ value: String) -> String { value.isEmpty ? "<none>" : value }

    public static let podTemplates = TableDefinition(
        columns: [
            TableColumn("Template", format: "name", description: "Name of the pod template."),
            TableColumn("Containers", description: "Names of the containers in the template."),
            TableColumn("Images", description: "Images of the containers in the template."),
            TableColumn("Pod Labels", description: "Labels given to pods created from the template."),
        ],
        cells: { object, _ in
            let template = object["template"] ?? .emptyObject
            let (names, images) = PodRules.containerNamesAndImages(template["spec"] ?? .emptyObject)
            let labels = template[path: ["metadata", "labels"]]?.stringMap ?? [:]
            return [text(object.name), text(names), text(images), text(formatLabels(labels))]
        }
    )
}

/// What the READY, STATUS and RESTARTS cells of a pod say, following upstream's `printPod`.
struct PodSummary {
    var ready = 0
    var total = 0
    var reason = ""
    var restarts: Int64 = 0
    /// Epoch seconds of the most recent restart (the last termination's finish time).
    var lastRestart: Int64?

    init(_ pod: JSON) {
        let spec = pod["spec"] ?? .emptyObject
        let status = pod["status"] ?? .emptyObject
        let phase = status["phase"]?.stringValue ?? ""
        reason = status["reason"]?.stringValue ?? phase
        let conditions = CoreSupport.elements(status, "conditions")
        if conditions.contains(where: {
            $0["type"]?.stringValue == "PodScheduled" && $0["reason"]?.stringValue == "SchedulingGated"
        }) {
            reason = "SchedulingGated"
        }
        let initContainers = CoreSupport.elements(spec, "initContainers")
        let sidecars = Set(
            initContainers.filter { $0["restartPolicy"]?.stringValue == "Always" }.compactMap {
                $0["name"]?.stringValue
            })
        total = CoreSupport.elements(spec, "containers").count + sidecars.count
        let initializing = summarizeInitContainers(status, sidecars: sidecars, initCount: initContainers.count)
        let initialized = conditions.contains {
            $0["type"]?.stringValue == "Initialized" && $0["status"]?.stringValue == "True"
        }
        if !initializing || initialized {
            summarizeContainers(status, podReady: conditions.contains { Self.isReadyCondition($0) })
        }
        if pod[path: ["metadata", "deletionTimestamp"]] != nil {
            if status["reason"]?.stringValue == "NodeLost" {
                reason = "Unknown"
            } else if phase != "Succeeded" && phase != "Failed" {
                reason = "Terminating"
            }
        }
    }

    static func isReadyCondition(_ condition: JSON) -> Bool {
        condition["type"]?.stringValue == "Ready" && condition["status"]?.stringValue == "True"
    }

    static func finishedAt(_ status: JSON) -> Int64? {
        status[path: ["lastState", "terminated", "finishedAt"]]?.stringValue.flatMap(Timestamp.parse)
    }

    private var sidecarRestarts: Int64 = 0
    private var sidecarLastRestart: Int64?

    /// Walks init containers in order; returns true while initialization is still running or failed.
    private mutating func summarizeInitContainers(_ status: JSON, sidecars: Set<String>, initCount: Int) -> Bool {
        for (index, container) in CoreSupport.elements(status, "initContainerStatuses").enumerated() {
            let count = container["restartCount"]?.intValue ?? 0
            restarts += count
            let finished = Self.finishedAt(container)
            if let finished { lastRestart = max(lastRestart ?? finished, finished) }
            let isSidecar = sidecars.contains(container["name"]?.stringValue ?? "")
            if isSidecar {
                sidecarRestarts += count
                if let finished { sidecarLastRestart = max(sidecarLastRestart ?? finished, finished) }
            }
            let terminated = container[path: ["state", "terminated"]]
            let waitingReason = container[path: ["state", "waiting", "reason"]]?.stringValue ?? ""
            if let terminated, terminated["exitCode"]?.intValue == 0 { continue }
            if isSidecar, container["started"]?.boolValue == true {
                if container["ready"]?.boolValue == true { ready += 1 }
                continue
            }
            if let terminated {
                reason = "Init:" + Self.terminationReason(terminated)
            } else if !waitingReason.isEmpty, waitingReason != "PodInitializing" {
                reason = "Init:" + waitingReason
            } else {
                reason = "Init:\(index)/\(initCount)"
            }
            return true
        }
        return false
    }

    /// Walks app containers from last to first, as upstream does, so the first container's state wins.
    private mutating func summarizeContainers(_ status: JSON, podReady: Bool) {
        restarts = sidecarRestarts
        lastRestart = sidecarLastRestart
        var hasRunning = false
        for container in CoreSupport.elements(status, "containerStatuses").reversed() {
            restarts += container["restartCount"]?.intValue ?? 0
            if let finished = Self.finishedAt(container) { lastRestart = max(lastRestart ?? finished, finished) }
            let waitingReason = container[path: ["state", "waiting", "reason"]]?.stringValue ?? ""
            let terminated = container[path: ["state", "terminated"]]
            if !waitingReason.isEmpty {
                reason = waitingReason
            } else if let terminated {
                reason = Self.terminationReason(terminated)
            } else if container["ready"]?.boolValue == true, container[path: ["state", "running"]] != nil {
                hasRunning = true
                ready += 1
            }
        }
        if reason == "Completed" && hasRunning { reason = podReady ? "Running" : "NotReady" }
    }

    /// The reason of a terminated state, or `Signal:N` / `ExitCode:N` without one.
    static func terminationReason(_ terminated: JSON) -> String {
        if let reason = terminated["reason"]?.stringValue, !reason.isEmpty { return reason }
        if let signal = terminated["signal"]?.intValue, signal != 0 { return "Signal:\(signal)" }
        return "ExitCode:\(terminated["exitCode"]?.intValue ?? 0)"
    }
}
