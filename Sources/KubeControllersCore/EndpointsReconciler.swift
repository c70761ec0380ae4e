import KubeTypes

/// The write the Endpoints controller wants made for one Service.
public enum EndpointsAction: Sendable, Hashable {
    /// POST this Endpoints object.
    case create(JSON)
    /// PUT this Endpoints object (it carries the cached resourceVersion, so a stale cache gets 409).
    case update(JSON)
    /// DELETE the Endpoints of a Service that is gone.
    case delete(ObjectReference)
}

/// The Endpoints controller's decisions (upstream `pkg/controller/endpoint`): one Endpoints object
/// per Service with a selector, named like it, listing the addresses of the selected pods grouped
/// into subsets by identical port sets.
public enum EndpointsReconciler {
    /// `service` nil means the Service under this key is gone; `current` is the cached Endpoints
    /// of the same name. Nil when nothing needs writing.
    public static func reconcile(service: JSON?, pods: [JSON], current: JSON?) -> EndpointsAction? {
        guard let service else {
            // Upstream deletes the Endpoints of a deleted Service, whoever wrote them.
            return current.map { .delete(ObjectReference($0)) }
        }
        // No selector: the user (or the API server, for `kubernetes`) manages the Endpoints.
        guard ServiceEndpoints.selector(of: service) != nil else { return nil }
        let subsets = desiredSubsets(service: service, pods: pods)
        let labels = ServiceEndpoints.derivedLabels(service)
        guard var endpoints = current else {
            var created: JSON = [
                "apiVersion": "v1", "kind": "Endpoints",
                "metadata": [
                    "name": .string(service.name), "namespace": .string(service.namespace), "labels": JSON(labels),
                ],
            ]
            if !subsets.isEmpty { created["subsets"] = .array(subsets) }
            return .create(created)
        }
        if (endpoints["subsets"]?.arrayValue ?? []) == subsets && endpoints.labels == labels { return nil }
        endpoints[path: ["metadata", "labels"]] = JSON(labels)
        endpoints["subsets"] = subsets.isEmpty ? nil : .array(subsets)
        return .update(endpoints)
    }

    /// The subsets upstream computes: every selected pod with an address in `addresses` if ready
    /// (or the service publishes not-ready addresses), else in `notReadyAddresses`, under each
    /// port it serves; then repacked so pods with the same ports share a subset.
    public static func desiredSubsets(service: JSON, pods: [JSON]) -> [JSON] {
        let tolerateUnready = ServiceEndpoints.publishesNotReady(service)
        let servicePorts = service[path: ["spec", "ports"]]?.arrayValue ?? []
        var entries: [(address: JSON, ready: Bool, ports: [JSON])] = []
        for pod in ServiceEndpoints.selectedPods(of: service, among: pods) {
            guard ServiceEndpoints.shouldInclude(pod, includeTerminating: tolerateUnready) else { continue }
            let ready = tolerateUnready || PodState.isReady(pod)
            let address = address(of: pod, for: service)
            if servicePorts.isEmpty {
                // Only a headless service lists pods without ports.
                if ServiceEndpoints.isHeadless(service) { entries.append((address, ready, [])) }
                continue
            }
            let ports = ServiceEndpoints.endpointPorts(of: pod, for: service)
            if !ports.isEmpty { entries.append((address, ready, ports)) }
        }
        return repack(entries)
    }

    /// Upstream `podToEndpointAddressForService`.
    static func address(of pod: JSON, for service: JSON) -> JSON {
        var address: JSON = [
            "ip": .string(ServiceEndpoints.podIPv4(pod)), "targetRef": ServiceEndpoints.targetReference(pod),
        ]
        let node = PodState.nodeName(pod)
        if !node.isEmpty { address["nodeName"] = .string(node) }
        if let hostname = ServiceEndpoints.hostname(of: pod, for: service) { address["hostname"] = .string(hostname) }
        return address
    }

    /// Upstream `RepackSubsets`: one subset per distinct set of ports, addresses sorted by IP then
    /// uid, ports by name then number; subsets ordered by their ports so the result is stable.
    static func repack(_ entries: [(address: JSON, ready: Bool, ports: [JSON])]) -> [JSON] {
        var groups: [[JSON]: (ready: [JSON], notReady: [JSON])] = [:]
        for entry in entries {
            let ports = entry.ports.sorted(by: portOrder)
            var group = groups[ports] ?? ([], [])
            if entry.ready { group.ready.append(entry.address) } else { group.notReady.append(entry.address) }
            groups[ports] = group
        }
        return groups.keys.sorted { JSON.array($0).serialized() < JSON.array($1).serialized() }.map { ports in
            let group = groups[ports] ?? ([], [])
            var subset = JSON.emptyObject
            if !group.ready.isEmpty { subset["addresses"] = .array(group.ready.sorted(by: addressOrder)) }
            if !group.notReady.isEmpty { subset["notReadyAddresses"] = .array(group.notReady.sorted(by: addressOrder)) }
            if !ports.isEmpty { subset["ports"] = .array(ports) }
            return subset
        }
    }

    static func addressOrder(_ lhs: JSON, _ rhs: JSON) -> Bool {
        let (ipA, ipB) = (lhs["ip"]?.stringValue ?? "", rhs["ip"]?.stringValue ?? "")
        if ipA != ipB { return ipA < ipB }
        return (lhs[path: ["targetRef", "uid"]]?.stringValue ?? "")
            < (rhs[path: ["targetRef", "uid"]]?.stringValue ?? "")
    }

    static func portOrder(_ lhs: JSON, _ rhs: JSON) -> Bool {
        let (nameA, nameB) = (lhs["name"]?.stringValue ?? "", rhs["name"]?.stringValue ?? "")
        if nameA != nameB { return nameA < nameB }
        return (lhs["port"]?.intValue ?? 0) < (rhs["port"]?.intValue ?? 0)
    }
}
