/// Strategies of pods and pod templates.
extension CoreV1 {
    static let taintEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"]

    static let podStrategy = ResourceStrategy(
        applyDefaults: { pod in
            CoreSupport.withMember(&pod, "spec") { spec in
                PodRules.applyPodSpecDefaults(&spec)
                PodRules.applyPodOnlyDefaults(&spec)
            }
        },
        prepareForCreate: preparePodForCreate,
        validateCreate: { pod in PodRules.validatePodSpec(pod["spec"] ?? .emptyObject, at: FieldPath("spec")) },
        validateUpdate: validatePodUpdate,
        hasStatus: true,
        fieldLabels: podFieldLabels,
        table: CoreV1Printers.pods,
        deletion: DeletionRules(gracePeriod: podGracePeriod)
    )

    /// Scheduled pods that have not finished stop their containers first (the node agent deletes
    /// them once done); unscheduled and finished pods have nothing to stop and go at once, as upstream.
    @Sendable static func podGracePeriod(_ pod: JSON, requested: Int64?) -> Int64 {
        let grace = requested ?? pod[path: ["spec", "terminationGracePeriodSeconds"]]?.intValue ?? 30
        let phase = pod[path: ["status", "phase"]]?.stringValue ?? ""
        let scheduled = !(pod[path: ["spec", "nodeName"]]?.stringValue ?? "").isEmpty
        guard scheduled, phase != "Succeeded", phase != "Failed" else { return 0 }
        return max(0, grace)
    }

    static let podTemplateStrategy = ResourceStrategy(
        applyDefaults: { object in
            CoreSupport.withMember(&object, "template") { template in
                CoreSupport.withMember(&template, "spec", PodRules.applyPodSpecDefaults)
            }
        },
        validateCreate: { object in
            PodRules.validatePodTemplate(object["template"] ?? .emptyObject, at: FieldPath("template"))
        },
        validateUpdate: { new, _ in
            PodRules.validatePodTemplate(new["template"] ?? .emptyObject, at: FieldPath("template"))
        },
        table: CoreV1Printers.podTemplates
    )

    static let podFieldLabels: [String: @Sendable (JSON) -> String?] = [
        "spec.nodeName": { CoreSupport.string($0, ["spec", "nodeName"]) },
        "spec.restartPolicy": { CoreSupport.string($0, ["spec", "restartPolicy"]) },
        "spec.schedulerName": { CoreSupport.string($0, ["spec", "schedulerName"]) },
        "spec.serviceAccountName": { CoreSupport.string($0, ["spec", "serviceAccountName"]) },
        "spec.hostNetwork": { ($0[path: ["spec", "hostNetwork"]]?.boolValue ?? false) ? "true" : "false" },
        "status.phase": { CoreSupport.string($0, ["status", "phase"]) },
        "status.podIP": { pod in
            CoreSupport.elements(pod["status"], "podIPs").first?["ip"]?.stringValue
                ?? CoreSupport.string(pod, ["status", "podIP"])
        },
        "status.nominatedNodeName": { CoreSupport.string($0, ["status", "nominatedNodeName"]) },
    ]

    /// A new pod starts Pending with its QoS class; any status sent by the client is dropped.
    /// The defaults upstream's standard admission plugins add are filled in here too.
    @Sendable static func preparePodForCreate(_ pod: inout JSON) {
        CoreSupport.withMember(&pod, "spec", applyAdmissionDefaults)
        var status: JSON = ["phase": "Pending", "qosClass": .string(qosClass(of: pod["spec"] ?? .emptyObject))]
        if !CoreSupport.elements(pod["spec"], "schedulingGates").isEmpty {
            status["conditions"] = [
                [
                    "type": "PodScheduled", "status": "False", "reason": "SchedulingGated",
                    "message": "Scheduling is blocked due to non-empty scheduling gates",
                ]
            ]
        }
        pod["status"] = status
    }

    /// What the ServiceAccount, Priority and DefaultTolerationSeconds admission plugins add to a
    /// new pod: the `default` service account, priority 0, and five minutes of tolerance for
    /// not-ready and unreachable nodes.
    static func applyAdmissionDefaults(_ spec: inout JSON) {
        if CoreSupport.string(spec, ["serviceAccountName"]).isEmpty {
            spec["serviceAccountName"] = "default"
            spec["serviceAccount"] = "default"
        }
        if spec["priorityClassName"] == nil {
            CoreSupport.setDefault(&spec, "priority", 0)
            CoreSupport.setDefault(&spec, "preemptionPolicy", "PreemptLowerPriority")
        }
        var tolerations = CoreSupport.elements(spec, "tolerations")
        for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] {
            let tolerated = tolerations.contains { toleration in
                let tolerationKey = CoreSupport.string(toleration, ["key"])
                let effect = CoreSupport.string(toleration, ["effect"])
                return (tolerationKey == key || tolerationKey.isEmpty) && (effect.isEmpty || effect == "NoExecute")
            }
            if !tolerated {
                tolerations.append(
                    ["key": .string(key), "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300])
            }
        }
        spec["tolerations"] = .array(tolerations)
    }

    /// Upstream's QoS rules: BestEffort without any cpu/memory request or limit; Guaranteed when
    /// every container limits both cpu and memory and the summed requests equal the summed limits;
    /// Burstable otherwise.
    public static func qosClass(of spec: JSON) -> String {
        let computeResources: Set<String> = ["cpu", "memory"]
        var requests: [String: Quantity] = [:]
        var limits: [String: Quantity] = [:]
        var limitsCoverEverything = true
        func add(_ list: JSON?, into totals: inout [String: Quantity]) -> Set<String> {
            var seen = Set<String>()
            for (name, value) in list?.objectValue ?? [:] where computeResources.contains(name) {
                guard let quantity = CoreQuantity.parse(value), quantity.sign > 0 else { continue }
                totals[name] = (totals[name] ?? .zero) + quantity
                seen.insert(name)
            }
            return seen
        }
        if let podResources = spec["resources"], podResources != .null, podResources != .emptyObject {
            _ = add(podResources["requests"], into: &requests)
            limitsCoverEverything = add(podResources["limits"], into: &limits).isSuperset(of: computeResources)
        } else {
            let containers = CoreSupport.elements(spec, "initContainers") + CoreSupport.elements(spec, "containers")
            for container in containers {
                _ = add(container[path: ["resources", "requests"]], into: &requests)
                let limited = add(container[path: ["resources", "limits"]], into: &limits)
                if !limited.isSuperset(of: computeResources) { limitsCoverEverything = false }
            }
        }
        if requests.isEmpty && limits.isEmpty { return "BestEffort" }
        if limitsCoverEverything, requests.allSatisfy({ limits[$0.key] == $0.value }), requests.count == limits.count {
            return "Guaranteed"
        }
        return "Burstable"
    }

    static let updatablePodFields = [
        "`spec.containers[*].image`", "`spec.initContainers[*].image`", "`spec.activeDeadlineSeconds`",
        "`spec.tolerations` (only additions to existing tolerations)",
        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
    ]

    /// Pod specs are immutable apart from images, the active deadline, added tolerations and a
    /// negative grace period turning into 1; everything else is rejected like upstream does.
    @Sendable static func validatePodUpdate(_ new: JSON, _ old: JSON) -> [FieldError] {
        let newSpec = new["spec"] ?? .emptyObject
        let oldSpec = old["spec"] ?? .emptyObject
        var errors: [FieldError] = []
        for key in ["containers", "initContainers"] {
            for (index, container) in CoreSupport.elements(newSpec, key).enumerated()
            where (container["image"]?.stringValue ?? "").isEmpty {
                errors.append(.required(FieldPath("spec").child(key).index(index).child("image").text))
            }
        }
        errors += validateDeadlineUpdate(newSpec["activeDeadlineSeconds"], oldSpec["activeDeadlineSeconds"])
        let oldTolerations = CoreSupport.elements(oldSpec, "tolerations")
        let newTolerations = CoreSupport.elements(newSpec, "tolerations")
        let tolerationKey = { (toleration: JSON) -> JSON in
            var copy = toleration
            copy["tolerationSeconds"] = nil
            return copy
        }
        let keptTolerations = oldTolerations.allSatisfy { old in
            newTolerations.contains { tolerationKey($0) == tolerationKey(old) }
        }
        if !keptTolerations {
            errors.append(
                .forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds"))
        }
        for (index, toleration) in newTolerations.enumerated() {
            errors += PodRules.validateToleration(toleration, at: FieldPath("spec.tolerations").index(index))
        }
        let munged = mungedPodSpec(newSpec, old: oldSpec, tolerationsKept: keptTolerations)
        if munged != oldSpec {
            let changed = Set((munged.objectValue ?? [:]).keys).union((oldSpec.objectValue ?? [:]).keys)
                .filter { munged[$0] != oldSpec[$0] }.sorted()
            let detail =
                "pod updates may not change fields other than " + updatablePodFields.joined(separator: ",") + "\n"
                + "changed: " + changed.map { "spec." + $0 }.joined(separator: ", ")
            errors.append(.forbidden("spec", detail))
        }
        return errors
    }

    /// The new spec with every permitted change undone, so that it equals the old one when only
    /// permitted fields changed.
    static func mungedPodSpec(_ spec: JSON, old: JSON, tolerationsKept: Bool) -> JSON {
        var munged = spec
        for key in ["containers", "initContainers"] {
            let oldContainers = CoreSupport.elements(old, key)
            var index = 0
            CoreSupport.forEachElement(&munged, key) { container in
                if index < oldContainers.count { container["image"] = oldContainers[index]["image"] }
                index += 1
            }
        }
        munged["activeDeadlineSeconds"] = old["activeDeadlineSeconds"]
        if tolerationsKept { munged["tolerations"] = old["tolerations"] }
        let oldGrace = old["terminationGracePeriodSeconds"]?.intValue ?? 0
        if oldGrace < 0, spec["terminationGracePeriodSeconds"]?.intValue == 1 {
            munged["terminationGracePeriodSeconds"] = old["terminationGracePeriodSeconds"]
        }
        // Scheduling gates may only be removed; what remains must be a subset of the old gates.
        let oldGates = CoreSupport.elements(old, "schedulingGates")
        if CoreSupport.elements(spec, "schedulingGates").allSatisfy({ oldGates.contains($0) }) {
            munged["schedulingGates"] = old["schedulingGates"]
        }
        return munged
    }

    static func validateDeadlineUpdate(_ new: JSON?, _ old: JSON?) -> [FieldError] {
        let path = "spec.activeDeadlineSeconds"
        guard let newValue = new?.intValue else {
            return old?.intValue == nil
                ? [] : [.invalid(path, .null, "must not update from a positive integer to nil value")]
        }
        if newValue < 0 || newValue > 2_147_483_647 {
            return [.invalid(path, .int(newValue), "must be between 0 and 2147483647, inclusive")]
        }
        if let oldValue = old?.intValue, oldValue < newValue {
            return [.invalid(path, .int(newValue), "must be less than or equal to previous value")]
        }
        return []
    }
}
