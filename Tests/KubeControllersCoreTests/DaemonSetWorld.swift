import KubeTypes

@testable import KubeControllersCore

extension Fixture {
    /// A DaemonSet as the API server stores it: defaulted, generation 1, template generation 1.
    static func daemonSet(
        _ name: String = "agent", image: String = "nginx:1.27", strategy: JSON? = nil, minReadySeconds: Int64 = 0,
        revisionHistoryLimit: Int64? = nil, nodeSelector: [String: String]? = nil, tolerations: [JSON]? = nil
    ) -> JSON {
        var template = template(image: image, app: name)
        if let nodeSelector { template[path: ["spec", "nodeSelector"]] = JSON(nodeSelector) }
        if let tolerations { template[path: ["spec", "tolerations"]] = .array(tolerations) }
        var spec: JSON = ["selector": ["matchLabels": ["app": .string(name)]], "template": template]
        if let strategy { spec["updateStrategy"] = strategy }
        if minReadySeconds > 0 { spec["minReadySeconds"] = .int(minReadySeconds) }
        if let revisionHistoryLimit { spec["revisionHistoryLimit"] = .int(revisionHistoryLimit) }
        var object: JSON = [
            "apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": [
                "name": .string(name), "namespace": "default", "uid": .string("uid-ds-" + name), "generation": 1,
                "resourceVersion": "1", "creationTimestamp": .string(time(0)),
                "annotations": [DaemonSetPods.templateGenerationAnnotation: "1"],
            ],
            "spec": spec,
        ]
        resource("DaemonSet").strategy.applyDefaults(&object)
        return object
    }

    static func node(_ name: String, labels: [String: String] = [:], taints: [NodeTaint] = []) -> JSON {
        var labels = labels
        labels["kubernetes.io/hostname"] = name
        var node: JSON = [
            "apiVersion": "v1", "kind": "Node", "metadata": ["name": .string(name), "labels": JSON(labels)],
        ]
        if !taints.isEmpty {
            node[path: ["spec", "taints"]] = .array(
                taints.map { ["key": .string($0.key), "value": .string($0.value), "effect": .string($0.effect)] })
        }
        return node
    }

    /// A daemon pod of `daemonSet` on `node` as the controller would have made it for `hash`.
    static func daemonPod(
        _ name: String, of daemonSet: JSON, node: String, hash: String, readySince: Int64? = 0, created: Int64 = 0,
        phase: String = "Running"
    ) -> JSON {
        var pod = DaemonSetPods.pod(for: daemonSet, node: node, hash: hash)
        pod[path: ["metadata", "name"]] = .string(name)
        pod[path: ["metadata", "uid"]] = .string("uid-" + name)
        pod[path: ["metadata", "creationTimestamp"]] = .string(time(created))
        pod[path: ["spec", "nodeName"]] = .string(node)
        pod["status"] = ["phase": .string(phase)]
        if let readySince {
            pod[path: ["status", "conditions"]] = [
                ["type": "Ready", "status": "True", "lastTransitionTime": .string(time(readySince))]
            ]
        }
        return pod
    }
}

/// A small cluster for driving the DaemonSet core through time: it applies the core's writes,
/// schedules pods to the node their affinity pins, makes them Ready `secondsToReady` after they
/// are created and removes deleted ones `secondsToTerminate` later.
struct DaemonSetWorld {
    var now: Int64 = Fixture.epoch
    var daemonSet: JSON
    var nodes: [JSON]
    var pods: [String: JSON] = [:]
    var revisions: [String: JSON] = [:]
    var events: [ControllerEvent] = []
    var backoff = FailedPodBackoff()
    var secondsToReady: Int64 = 2
    var secondsToTerminate: Int64 = 1
    /// Nodes that were, at some second, without an available up-to-date-or-old pod.
    var worstUnavailable = 0
    var mostPodsOnANode = 0
    private var serial = 0

    init(daemonSet: JSON, nodes: [JSON]) {
        self.daemonSet = daemonSet
        self.nodes = nodes
    }

    mutating func sync() -> DaemonSetReconciliation {
        let plan = DaemonSetReconciler.reconcile(
            daemonSet: daemonSet, nodes: nodes, pods: Array(pods.values), revisions: Array(revisions.values), now: now,
            backoff: backoff)
        backoff = plan.backoff
        apply(plan.actions)
        return plan
    }

    /// One second: a sync, then the kubelets and the clock.
    mutating func step() {
        _ = sync()
        now += 1
        for (name, var pod) in pods {
            if pod.isBeingDeleted,
                let since = pod[path: ["metadata", "deletionTimestamp"]]?.stringValue.flatMap(
                    Timestamp.parse), since + secondsToTerminate <= now
            {
                pods[name] = nil
                continue
            }
            if !PodState.isReady(pod), (pod.creationTime ?? 0) + secondsToReady <= now, PodState.phase(pod) == "Running"
            {
                pod[path: ["status", "conditions"]] = [
                    ["type": "Ready", "status": "True", "lastTransitionTime": .string(Timestamp.format(now))]
                ]
                pods[name] = pod
            }
        }
        let live = pods.values.filter { !$0.isBeingDeleted }
        let unavailable = nodes.count { node in
            !live.contains { PodState.nodeName($0) == node.name && PodState.isReady($0) }
        }
        worstUnavailable = max(worstUnavailable, unavailable)
        for node in nodes {
            mostPodsOnANode = max(mostPodsOnANode, live.count { PodState.nodeName($0) == node.name })
        }
    }

    mutating func run(seconds: Int) {
        for _ in 0..<seconds { step() }
    }

    /// Changes the template as an API server update would: generation and template generation up.
    mutating func setImage(_ image: String) {
        daemonSet[path: ["spec", "template", "spec", "containers"]] = [["name": "main", "image": .string(image)]]
        daemonSet[path: ["metadata", "generation"]] = .int(daemonSet.generation + 1)
        let generation = (DaemonSetPods.templateGeneration(daemonSet) ?? 0) + 1
        daemonSet[path: ["metadata", "annotations", DaemonSetPods.templateGenerationAnnotation]] = .string(
            "\(generation)")
    }

    func images(onNode node: String) -> [String] {
        pods.values.filter { PodState.nodeName($0) == node && !$0.isBeingDeleted }.compactMap {
            $0[path: ["spec", "containers"]]?.arrayValue?.first?["image"]?.stringValue
        }
    }

    mutating func apply(_ actions: [DaemonSetAction]) {
        for action in actions {
            switch action {
            case .createRevision(var revision):
                serial += 1
                revision[path: ["metadata", "uid"]] = .string("uid-rev-\(serial)")
                revisions[revision.name] = revision
            case .updateRevision(let revision):
                revisions[revision.name] = revision
            case .deleteRevision(let reference):
                revisions[reference.name] = nil
            case .patchRevision, .patchPod:
                break
            case .createPods(let created):
                for var pod in created {
                    serial += 1
                    let name = (pod[path: ["metadata", "generateName"]]?.stringValue ?? "") + "\(serial)"
                    pod[path: ["metadata", "name"]] = .string(name)
                    pod[path: ["metadata", "uid"]] = .string("uid-" + name)
                    pod[path: ["metadata", "creationTimestamp"]] = .string(Timestamp.format(now))
                    pod[path: ["spec", "nodeName"]] = .string(DaemonSetPods.targetNode(pod) ?? "")
                    pod["status"] = ["phase": "Running"]
                    pods[name] = pod
                }
            case .deletePods(let victims):
                for victim in victims where pods[victim.name] != nil {
                    pods[victim.name]?[path: ["metadata", "deletionTimestamp"]] = .string(Timestamp.format(now))
                }
            case .recordEvent(let event):
                events.append(event)
            case .updateStatus(let updated):
                daemonSet["status"] = updated["status"]
            }
        }
    }
}
