import KubeTypes

/// A write the EndpointSlice controller wants made, in order (creates, then updates, then
/// deletes, so clients never see fewer endpoints than exist).
public enum EndpointSliceAction: Sendable, Hashable {
    /// POST this slice (it has `generateName`).
    case create(JSON)
    /// PUT this slice; it carries the cached resourceVersion, so a stale cache gets a 409.
    case update(JSON)
    case delete(ObjectReference)
}

/// The EndpointSlice controller's decisions (upstream `pkg/controller/endpointslice` and its
/// reconciler): the endpoints of a Service with a selector, in slices of at most
/// `maxEndpointsPerSlice`, one group of slices per set of ports, changing as few slices as it can.
public enum EndpointSliceReconciler {
    public static let serviceNameLabel = "kubernetes.io/service-name"
    public static let managedByLabel = "endpointslice.kubernetes.io/managed-by"
    public static let controllerName = "endpointslice-controller.k8s.io"
    /// Upstream `--max-endpoints-per-slice` default.
    public static let defaultMaxEndpointsPerSlice = 100
    static let addressType = "IPv4"
    static let zoneLabel = "topology.kubernetes.io/zone"

    /// The writes that bring the Service's slices in line with its pods. `slices` are the slices
    /// of the namespace (those of other services are ignored); `nodeZones` maps node names to
    /// their `topology.kubernetes.io/zone`.
    public static func reconcile(
        service: JSON, pods: [JSON], slices: [JSON], nodeZones: [String: String] = [:],
        maxEndpointsPerSlice: Int = defaultMaxEndpointsPerSlice
    ) -> [EndpointSliceAction] {
        guard ServiceEndpoints.selector(of: service) != nil else { return [] }
        let existing = managedSlices(of: service, among: slices)
        var plan = SlicePlan(service: service, maxEndpoints: max(1, maxEndpointsPerSlice))
        let desired = desiredEndpoints(service: service, pods: pods, nodeZones: nodeZones)
        var slicesByMeta: [String: [JSON]] = [:]
        for slice in existing {
            guard slice["addressType"]?.stringValue == addressType else {
                plan.deletes.append(slice)
                continue
            }
            slicesByMeta[metaKey(ports: slice["ports"]?.arrayValue ?? []), default: []].append(slice)
        }
        for group in desired { plan.reconcile(group, existing: slicesByMeta.removeValue(forKey: group.key) ?? []) }
        plan.deletes += slicesByMeta.keys.sorted().flatMap { slicesByMeta[$0] ?? [] }
        plan.keepPlaceholder(existingCount: existing.count)
        return plan.actions
    }

    /// The slices this controller manages for the service: labelled with its name and this
    /// controller, and not already being deleted.
    public static func managedSlices(of service: JSON, among slices: [JSON]) -> [JSON] {
        slices.filter { slice in
            slice.namespace == service.namespace && slice.labels[serviceNameLabel] == service.name
                && slice.labels[managedByLabel] == controllerName && !slice.isBeingDeleted
        }
    }

    /// The queue key of the Service a managed slice belongs to, for the slice informer's handler.
    public static func serviceKey(ofSlice slice: JSON) -> String? {
        guard slice.labels[managedByLabel] == controllerName, let name = slice.labels[serviceNameLabel] else {
            return nil
        }
        return "\(slice.namespace)/\(name)"
    }

    /// Desired endpoints grouped by port set, groups in the order their first pod appears.
    struct EndpointGroup {
        var key: String
        var ports: [JSON]
        var endpoints: [(key: String, endpoint: JSON)]
    }

    static func desiredEndpoints(service: JSON, pods: [JSON], nodeZones: [String: String]) -> [EndpointGroup] {
        var groups: [EndpointGroup] = []
        for pod in ServiceEndpoints.selectedPods(of: service, among: pods) {
            guard ServiceEndpoints.shouldInclude(pod, includeTerminating: true) else { continue }
            let ports = ServiceEndpoints.endpointPorts(of: pod, for: service)
            let endpoint = endpoint(for: pod, service: service, nodeZones: nodeZones)
            let key = metaKey(ports: ports)
            if let index = groups.firstIndex(where: { $0.key == key }) {
                groups[index].endpoints.append((endpointKey(endpoint), endpoint))
            } else {
                groups.append(EndpointGroup(key: key, ports: ports, endpoints: [(endpointKey(endpoint), endpoint)]))
            }
        }
        return groups
    }

    /// Upstream `podToEndpoint`: a terminating pod is never ready (unless the service publishes
    /// not-ready addresses) but may still be serving.
    static func endpoint(for pod: JSON, service: JSON, nodeZones: [String: String]) -> JSON {
        let publishNotReady = ServiceEndpoints.publishesNotReady(service)
        let serving = publishNotReady || PodState.isReady(pod)
        let terminating = pod.isBeingDeleted
        let ready = publishNotReady || (serving && !terminating)
        var endpoint: JSON = [
            "addresses": [.string(ServiceEndpoints.podIPv4(pod))],
            "conditions": ["ready": .bool(ready), "serving": .bool(serving), "terminating": .bool(terminating)],
            "targetRef": ServiceEndpoints.targetReference(pod),
        ]
        let node = PodState.nodeName(pod)
        if !node.isEmpty {
            endpoint["nodeName"] = .string(node)
            if let zone = nodeZones[node], !zone.isEmpty { endpoint["zone"] = .string(zone) }
        }
        if let hostname = ServiceEndpoints.hostname(of: pod, for: service) { endpoint["hostname"] = .string(hostname) }
        return endpoint
    }

    /// Identity of an endpoint across syncs: the pod it stands for and its address.
    static func endpointKey(_ endpoint: JSON) -> String {
        let address = endpoint["addresses"]?.arrayValue?.first?.stringValue ?? ""
        let target = endpoint["targetRef"] ?? .null
        return "\(target["namespace"]?.stringValue ?? "")/\(target["name"]?.stringValue ?? "")@\(address)"
    }

    /// Slices are grouped by their ports, whatever their order (upstream's port map key).
    static func metaKey(ports: [JSON]) -> String {
        let normalized = ports.map { port -> JSON in
            var port = port
            if port["name"] == nil { port["name"] = "" }
            if port["protocol"] == nil { port["protocol"] = "TCP" }
            return port
        }
        return normalized.map { $0.serialized() }.sorted().joined(separator: ",")
    }

    /// Upstream `setEndpointSliceLabels`: the service's labels (minus the two this controller
    /// owns), the headless marker, the service name and this controller.
    static func labels(for service: JSON) -> [String: String] {
        var labels = ServiceEndpoints.derivedLabels(service)
        labels[serviceNameLabel] = service.name
        labels[managedByLabel] = controllerName
        return labels
    }

    static func newSlice(for service: JSON, ports: [JSON]) -> JSON {
        [
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": [
                "generateName": .string(service.name + "-"), "namespace": .string(service.namespace),
                "labels": JSON(labels(for: service)),
                "ownerReferences": [
                    [
                        "apiVersion": "v1", "kind": "Service", "name": .string(service.name),
                        "uid": .string(service.uid), "controller": true, "blockOwnerDeletion": true,
                    ]
                ],
            ],
            "addressType": .string(addressType), "ports": .array(ports), "endpoints": [],
        ]
    }
}

/// The creates, updates and deletes of one Service's slices, built group by group.
struct SlicePlan {
    let service: JSON
    let maxEndpoints: Int
    var creates: [JSON] = []
    var updates: [JSON] = []
    var deletes: [JSON] = []

    init(service: JSON, maxEndpoints: Int) {
        self.service = service
        self.maxEndpoints = maxEndpoints
    }

    var actions: [EndpointSliceAction] {
        creates.map { .create($0) } + updates.map { .update($0) } + deletes.map { .delete(ObjectReference($0)) }
    }

    /// Upstream `reconcileByPortMapping`: existing slices keep the endpoints still wanted (in
    /// their new form) and drop the rest; new endpoints go first into slices being updated anyway,
    /// then into an unchanged slice they fit in, and only then into new slices.
    mutating func reconcile(_ group: EndpointSliceReconciler.EndpointGroup, existing: [JSON]) {
        var wanted: [String: JSON] = [:]
        for (key, endpoint) in group.endpoints { wanted[key] = endpoint }
        let labels = JSON(EndpointSliceReconciler.labels(for: service))
        var changed: [JSON] = []
        var unchanged: [JSON] = []
        for slice in existing {
            var kept: [JSON] = []
            for endpoint in slice["endpoints"]?.arrayValue ?? [] {
                let key = EndpointSliceReconciler.endpointKey(endpoint)
                // A duplicate in a second slice is dropped there.
                guard let desired = wanted.removeValue(forKey: key) else { continue }
                kept.append(desired)
            }
            let before = slice["endpoints"]?.arrayValue ?? []
            if kept == before && slice[path: ["metadata", "labels"]] == labels {
                unchanged.append(slice)
            } else if kept.isEmpty {
                deletes.append(slice)
            } else {
                var updated = slice
                updated["endpoints"] = .array(kept)
                updated[path: ["metadata", "labels"]] = labels
                changed.append(updated)
            }
        }
        var remaining = group.endpoints.filter { wanted[$0.key] != nil }
        // Fullest first, so endpoints pack into as few slices as possible.
        changed.sort { count($0) > count($1) }
        for index in changed.indices {
            while !remaining.isEmpty && count(changed[index]) < maxEndpoints {
                append(remaining.removeFirst().endpoint, to: &changed[index])
            }
        }
        while !remaining.isEmpty {
            var slice: JSON
            if remaining.count < maxEndpoints, let fit = fullestFitting(remaining.count, in: unchanged) {
                slice = unchanged.remove(at: fit)
            } else {
                slice = EndpointSliceReconciler.newSlice(for: service, ports: group.ports)
            }
            while !remaining.isEmpty && count(slice) < maxEndpoints {
                append(remaining.removeFirst().endpoint, to: &slice)
            }
            if slice.name.isEmpty { creates.append(slice) } else { changed.append(slice) }
        }
        updates += changed
    }

    /// Upstream's placeholder: a service whose slices would all go keeps (or gets) one empty
    /// slice, so watchers can tell "no endpoints" from "not processed yet".
    mutating func keepPlaceholder(existingCount: Int) {
        guard deletes.count == existingCount, creates.isEmpty, updates.isEmpty else { return }
        if deletes.count == 1, isPlaceholder(deletes[0]) {
            deletes.removeAll()
        } else {
            creates.append(EndpointSliceReconciler.newSlice(for: service, ports: []))
        }
    }

    func isPlaceholder(_ slice: JSON) -> Bool {
        (slice["endpoints"]?.arrayValue ?? []).isEmpty && (slice["ports"]?.arrayValue ?? []).isEmpty
            && slice["addressType"]?.stringValue == EndpointSliceReconciler.addressType
            && slice[path: ["metadata", "labels"]] == JSON(EndpointSliceReconciler.labels(for: service))
    }

    /// Upstream `getSliceToFill`: of the slices with room for `needed` more, the one left fullest.
    func fullestFitting(_ needed: Int, in slices: [JSON]) -> Int? {
        slices.indices.filter { count(slices[$0]) + needed <= maxEndpoints }.max {
            count(slices[$0]) < count(slices[$1])
        }
    }

    func count(_ slice: JSON) -> Int { slice["endpoints"]?.arrayValue?.count ?? 0 }

    func append(_ endpoint: JSON, to slice: inout JSON) {
        slice["endpoints"] = .array((slice["endpoints"]?.arrayValue ?? []) + [endpoint])
    }
}
