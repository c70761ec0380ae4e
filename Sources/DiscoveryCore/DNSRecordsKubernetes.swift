/// The Kubernetes DNS-based service discovery specification (schema 1.1.0), as CoreDNS' `kubernetes`
/// plugin serves it with `pods verified`.
extension DNSRecordBuilder {
    mutating func addKubernetesRecords(_ snapshot: DiscoverySnapshot, zone: DNSName) {
        for service in snapshot.services {
            addServiceRecords(service, zone: zone)
        }
        // `a-b-c-d.<ns>.pod.<zone>` → a.b.c.d, only for pods that exist with that IP ("verified").
        for pod in snapshot.pods {
            guard let address = IPv4Address(pod.ip) else { continue }
            add(DNSName(labels: [address.dashed, pod.namespace, "pod"] + zone.labels), .a(address))
        }
    }

    private mutating func addServiceRecords(_ service: ServiceEntry, zone: DNSName) {
        let base = DNSName(labels: [service.name, service.namespace, "svc"] + zone.labels)
        switch service.kind {
        case .externalName:
            guard let external = service.externalName, !external.isEmpty else { return }
            add(base, .cname(DNSName(external)))
        case _ where service.isHeadless:
            addHeadlessRecords(service, base: base)
        default:
            // ClusterIP (also NodePort and LoadBalancer): A → the cluster IP; SRV per named port → the
            // service name itself, with the service port.
            addA(base, service.clusterIPs)
            for port in service.ports where !port.name.isEmpty {
                guard let number = UInt16(exactly: port.port) else { continue }
                add(
                    base.prepending("_\(port.name)", "_\(port.protocol.rawValue)"),
                    .srv(DNSService(priority: 0, weight: 100, port: number, target: base)))
            }
        }
    }

    /// Headless: A → every ready endpoint; `<hostname>.<svc>…` (or the dashed IP) → that endpoint; SRV per
    /// named port → one record per ready endpoint, targeting its own name, with the endpoint's port.
    private mutating func addHeadlessRecords(_ service: ServiceEntry, base: DNSName) {
        for port in service.ports {
            let ready = port.backends.filter(\.ready).compactMap { backend -> (ServiceEntry.Backend, IPv4Address)? in
                IPv4Address(backend.ip).map { (backend, $0) }
            }
            let weight = UInt16(max(1, 100 / max(1, ready.count)))
            for (backend, address) in ready {
                let label = backend.hostname.flatMap { $0.isEmpty ? nil : $0 } ?? address.dashed
                let endpoint = base.prepending(label)
                add(base, .a(address))
                add(endpoint, .a(address))
                guard !port.name.isEmpty, let number = UInt16(exactly: backend.port) else { continue }
                add(
                    base.prepending("_\(port.name)", "_\(port.protocol.rawValue)"),
                    .srv(DNSService(priority: 0, weight: weight, port: number, target: endpoint)))
            }
        }
    }
}
