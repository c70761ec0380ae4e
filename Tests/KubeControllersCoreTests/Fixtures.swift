import KubeTypes

@testable import KubeControllersCore

/// Builders for Deployments, ReplicaSets and pods, so each test states only what it is about.
enum Fixture {
    /// 2026-01-01T00:00:00Z: tests count seconds from here.
    static let epoch: Int64 = Timestamp.parse("2026-01-01T00:00:00Z")!

    static func time(_ seconds: Int64) -> String { Timestamp.format(epoch + seconds) }

    static func resource(_ kind: String) -> ResourceType {
        (AppsV1.resources + CoreV1.resources).first { $0.kind == kind }!
    }

    /// A pod template running `image` with labels `app: <app>`.
    static func template(image: String = "nginx:1.27", app: String = "web") -> JSON {
        [
            "metadata": ["labels": ["app": .string(app)]],
            "spec": ["containers": [["name": "main", "image": .string(image)]]],
        ]
    }

    /// A Deployment as the API server stores it: defaulted and validated, generation 1.
    static func deployment(
        _ name: String = "web", replicas: Int64 = 5, image: String = "nginx:1.27", recreate: Bool = false,
        maxSurge: JSON? = nil, maxUnavailable: JSON? = nil, minReadySeconds: Int64 = 0,
        revisionHistoryLimit: Int64? = nil, progressDeadlineSeconds: Int64? = nil, annotations: [String: String] = [:]
    ) -> JSON {
        var spec: JSON = [
            "replicas": .int(replicas), "selector": ["matchLabels": ["app": "web"]],
            "template": template(image: image),
        ]
        if recreate { spec["strategy"] = ["type": "Recreate"] }
        if maxSurge != nil || maxUnavailable != nil {
            var rolling = JSON.emptyObject
            rolling["maxSurge"] = maxSurge
            rolling["maxUnavailable"] = maxUnavailable
            spec["strategy"] = ["type": "RollingUpdate", "rollingUpdate": rolling]
        }
        if minReadySeconds > 0 { spec["minReadySeconds"] = .int(minReadySeconds) }
        if let revisionHistoryLimit { spec["revisionHistoryLimit"] = .int(revisionHistoryLimit) }
        if let progressDeadlineSeconds { spec["progressDeadlineSeconds"] = .int(progressDeadlineSeconds) }
        var object: JSON = [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": [
                "name": .string(name), "namespace": "default", "uid": .string("uid-deploy-" + name), "generation": 1,
                "resourceVersion": "1", "creationTimestamp": .string(time(0)),
            ],
            "spec": spec,
        ]
        if !annotations.isEmpty { object[path: ["metadata", "annotations"]] = JSON(annotations) }
        resource("Deployment").strategy.applyDefaults(&object)
        return object
    }

    /// A ReplicaSet selecting `labels`, optionally controlled by `owner`.
    static func replicaSet(
        _ name: String = "rs", replicas: Int64 = 3, labels: [String: String] = ["app": "web"], owner: JSON? = nil,
        minReadySeconds: Int64 = 0, created: Int64 = 0
    ) -> JSON {
        var object: JSON = [
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": [
                "name": .string(name), "namespace": "default", "uid": .string("uid-rs-" + name), "generation": 1,
                "resourceVersion": "1", "creationTimestamp": .string(time(created)), "labels": JSON(labels),
            ],
            "spec": [
                "replicas": .int(replicas), "selector": ["matchLabels": JSON(labels)],
                "template": [
                    "metadata": ["labels": JSON(labels)],
                    "spec": ["containers": [["name": "main", "image": "nginx:1.27"]]],
                ],
            ],
        ]
        if minReadySeconds > 0 { object[path: ["spec", "minReadySeconds"]] = .int(minReadySeconds) }
        if let owner {
            object[path: ["metadata", "ownerReferences"]] = [OwnerKind.deployment.controllerReference(to: owner)]
        }
        return object
    }

    /// A pod; `owner` becomes its controller, `readySince` marks it Ready since that second,
    /// `node` binds it (and makes it Running).
    static func pod(
        _ name: String, labels: [String: String] = ["app": "web"], owner: JSON? = nil, node: String? = "n1",
        readySince: Int64? = nil, created: Int64 = 0, restarts: Int64 = 0, deletionCost: Int? = nil,
        deleting: Bool = false, phase: String? = nil
    ) -> JSON {
        var pod: JSON = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": .string(name), "namespace": "default", "uid": .string("uid-" + name),
                "creationTimestamp": .string(time(created)), "labels": JSON(labels),
            ],
            "spec": ["containers": [["name": "main", "image": "nginx:1.27"]]],
            "status": ["phase": .string(phase ?? (node == nil ? "Pending" : "Running"))],
        ]
        if let owner {
            pod[path: ["metadata", "ownerReferences"]] = [OwnerKind.replicaSet.controllerReference(to: owner)]
        }
        if let node { pod[path: ["spec", "nodeName"]] = .string(node) }
        if let readySince {
            pod[path: ["status", "conditions"]] = [
                ["type": "Ready", "status": "True", "lastTransitionTime": .string(time(readySince))]
            ]
        }
        if restarts > 0 {
            pod[path: ["status", "containerStatuses"]] = [["name": "main", "restartCount": .int(restarts)]]
        }
        if let deletionCost {
            pod[path: ["metadata", "annotations"]] = [
                "controller.kubernetes.io/pod-deletion-cost": .string("\(deletionCost)")
            ]
        }
        if deleting { pod[path: ["metadata", "deletionTimestamp"]] = .string(time(created + 1)) }
        return pod
    }
}

/// `kubectl rollout status` for a Deployment (upstream `DeploymentStatusViewer.Status`), to check
/// that the statuses the core writes read the way kubectl expects.
enum RolloutStatus {
    enum Outcome: Equatable {
        case waiting(String)
        case done(String)
        case failed(String)
    }

    static func evaluate(_ deployment: JSON) -> Outcome {
        let name = deployment.name
        let generation = deployment[path: ["metadata", "generation"]]?.intValue ?? 0
        let status = deployment["status"] ?? .emptyObject
        func count(_ field: String) -> Int64 { status[field]?.intValue ?? 0 }
        guard generation <= count("observedGeneration") else {
            return .waiting("Waiting for deployment spec update to be observed...")
        }
        let progressing = (status["conditions"]?.arrayValue ?? []).first { $0["type"] == "Progressing" }
        if progressing?["reason"] == "ProgressDeadlineExceeded" {
            return .failed("deployment \"\(name)\" exceeded its progress deadline")
        }
        let replicas = deployment[path: ["spec", "replicas"]]?.intValue ?? 1
        let updated = count("updatedReplicas")
        let waiting = "Waiting for deployment \"\(name)\" rollout to finish: "
        if updated < replicas {
            return .waiting(waiting + "\(updated) out of \(replicas) new replicas have been updated...")
        }
        if count("replicas") > updated {
            return .waiting(waiting + "\(count("replicas") - updated) old replicas are pending termination...")
        }
        if count("availableReplicas") < updated {
            return .waiting(waiting + "\(count("availableReplicas")) of \(updated) updated replicas are available...")
        }
        return .done("deployment \"\(name)\" successfully rolled out")
    }
}
