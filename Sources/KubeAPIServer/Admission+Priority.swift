import KubeTypes

/// Upstream's Priority admission plugin: a new pod's `spec.priorityClassName` (or the cluster's
/// global default class) becomes its `spec.priority` and `spec.preemptionPolicy`; a class that does
/// not exist, or a priority the pod sets itself that disagrees with its class, is refused.
extension KubeAPIServer {
    func admitPodPriority(_ pod: inout JSON, resource: ResourceType) async throws {
        guard resource.group.isEmpty, resource.plural == "pods",
            let classes = registry.snapshot.resource(
                group: "scheduling.k8s.io", version: "v1", plural: "priorityclasses")
        else { return }
        let requested = pod[path: ["spec", "priorityClassName"]]?.stringValue ?? ""
        var resolved: SchedulingV1.Resolved?
        if requested.isEmpty {
            resolved = try await globalDefaultPriorityClass(classes)
        } else if let (object, _) = try await storage.get(classes, namespace: nil, name: requested) {
            resolved = SchedulingV1.resolved(object)
        } else {
            throw APIError.forbidden(
                "pods \"\(podNameForMessages(pod))\" is forbidden: no PriorityClass with name \(requested) was found",
                resource: resource, name: pod.name)
        }
        let value = resolved?.value ?? 0
        let policy = resolved?.preemptionPolicy ?? "PreemptLowerPriority"
        if let given = pod[path: ["spec", "priority"]]?.intValue, given != value {
            throw APIError.forbidden(
                "pods \"\(podNameForMessages(pod))\" is forbidden: the integer value of priority (\(given)) must not be provided in pod spec; priority admission controller computed \(value) from the given PriorityClass name",
                resource: resource, name: pod.name)
        }
        if let given = pod[path: ["spec", "preemptionPolicy"]]?.stringValue, given != policy {
            throw APIError.forbidden(
                "pods \"\(podNameForMessages(pod))\" is forbidden: the string value of PreemptionPolicy (\(given)) must not be provided in pod spec; priority admission controller computed \(policy) from the given PriorityClass name",
                resource: resource, name: pod.name)
        }
        if let resolved { pod[path: ["spec", "priorityClassName"]] = .string(resolved.name) }
        pod[path: ["spec", "priority"]] = .int(value)
        pod[path: ["spec", "preemptionPolicy"]] = .string(policy)
    }

    /// The class marked `globalDefault`; with several (possible when two were created at once),
    /// upstream takes the lowest value.
    private func globalDefaultPriorityClass(_ classes: ResourceType) async throws -> SchedulingV1.Resolved? {
        let (items, _) = try await storage.store.listAll(prefix: ObjectStorage.prefix(classes, namespace: nil))
        return try items.map(ObjectStorage.decode)
            .filter { $0["globalDefault"]?.boolValue == true }
            .map(SchedulingV1.resolved)
            .min { $0.value < $1.value }
    }

    private func podNameForMessages(_ pod: JSON) -> String {
        pod.name.isEmpty ? (pod[path: ["metadata", "generateName"]]?.stringValue ?? "") : pod.name
    }

    /// The system classes upstream's API server creates at start.
    func ensureSystemPriorityClasses() async throws {
        for system in SchedulingV1.systemClasses {
            let body: JSON = [
                "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                "metadata": ["name": .string(system.name)],
                "value": .int(system.value), "description": .string(system.description),
            ]
            let response = await call(
                .POST, "/apis/scheduling.k8s.io/v1/priorityclasses", body: body, manager: "kube-apiserver")
            guard response.code == 201 || response.code == 409 else {
                throw APIError.internalError(
                    "creating priority class \(system.name): \(response.body?.serialized() ?? "")")
            }
        }
    }
}
