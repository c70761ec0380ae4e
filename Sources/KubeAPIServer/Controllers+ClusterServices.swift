import KubeTypes

/// Services the cluster itself provides, kept by the API server: `kubernetes` in `default`, which
/// clients inside the cluster use to reach the API server (the first address of the service
/// range, as upstream), and, when a cluster DNS server is configured, `kube-dns` in
/// `kube-system` (the tenth address, as kubeadm; pods' resolv.conf names it). Their Endpoints and
/// EndpointSlices name the servers' own addresses, since no pod selector could find them.
extension KubeAPIServer {
    static let apiServerServiceName = "kubernetes"
    static let clusterDNSServiceName = "kube-dns"

    /// One self-provided Service: where it lives, its ports, and the server behind it.
    struct ClusterService {
        struct Port {
            var name: String
            var port: Int64
            var proto: String
            var targetPort: Int64
        }

        var namespace: String
        var name: String
        var labels: JSON
        var clusterIP: String
        var ports: [Port]
        var host: String
    }

    func clusterServices() -> [ClusterService] {
        var services: [ClusterService] = []
        let (host, port) = Self.splitHostPort(advertiseAddress)
        if let ip = options.serviceNetwork.apiServerIP {
            services.append(
                ClusterService(
                    namespace: "default", name: Self.apiServerServiceName,
                    labels: ["component": "apiserver", "provider": "kubernetes"], clusterIP: ip,
                    ports: [.init(name: "https", port: 443, proto: "TCP", targetPort: port)], host: host))
        }
        if let dns = options.clusterDNS, let ip = options.serviceNetwork.clusterDNSIP {
            services.append(
                ClusterService(
                    namespace: "kube-system", name: Self.clusterDNSServiceName,
                    labels: ["k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS"], clusterIP: ip,
                    ports: [
                        .init(name: "dns", port: 53, proto: "UDP", targetPort: Int64(dns.port)),
                        .init(name: "dns-tcp", port: 53, proto: "TCP", targetPort: Int64(dns.port)),
                    ], host: dns.host))
        }
        return services
    }

    func reconcileClusterServices(_ world: World) async {
        for service in clusterServices() {
            await reconcile(service, world)
        }
    }

    private func reconcile(_ service: ClusterService, _ world: World) async {
        let manager = "kube-apiserver"
        let base = service.namespace == "default" ? "/api/v1/namespaces/default" : "/api/v1/namespaces/kube-system"
        if find(world, kind: "Service", service) == nil {
            let body: JSON = [
                "apiVersion": "v1", "kind": "Service",
                "metadata": ["name": .string(service.name), "labels": service.labels],
                "spec": [
                    "type": "ClusterIP", "clusterIP": .string(service.clusterIP), "sessionAffinity": "None",
                    "ports": .array(
                        service.ports.map { port in
                            [
                                "name": .string(port.name), "port": .int(port.port), "protocol": .string(port.proto),
                                "targetPort": .int(port.targetPort),
                            ]
                        }),
                ],
            ]
            _ = await call(.POST, base + "/services", body: body, manager: manager)
        }
        guard IPv4Network.parseAddress(service.host) != nil else { return }
        await keepEndpoints(service, world, base: base, manager: manager)
        await keepEndpointSlice(service, world, base: base, manager: manager)
    }

    private func find(_ world: World, kind: String, _ service: ClusterService) -> JSON? {
        world.objects.first { entry in
            entry.resource.kind == kind && entry.object.namespace == service.namespace
                && entry.object.name == service.name
        }?.object
    }

    private func keepEndpoints(_ service: ClusterService, _ world: World, base: String, manager: String) async {
        let subsets: JSON = [
            [
                "addresses": [["ip": .string(service.host)]],
                "ports": .array(
                    service.ports.map { port in
                        ["name": .string(port.name), "port": .int(port.targetPort), "protocol": .string(port.proto)]
                    }),
            ]
        ]
        let current = find(world, kind: "Endpoints", service)
        guard current?["subsets"] != subsets else { return }
        if current == nil {
            let endpoints: JSON = [
                "apiVersion": "v1", "kind": "Endpoints",
                "metadata": [
                    "name": .string(service.name), "labels": ["endpointslice.kubernetes.io/skip-mirror": "true"],
                ],
                "subsets": subsets,
            ]
            _ = await call(.POST, base + "/endpoints", body: endpoints, manager: manager)
        } else {
            _ = await call(
                .PATCH, base + "/endpoints/" + service.name, body: ["subsets": subsets],
                contentType: "application/merge-patch+json", manager: manager)
        }
    }

    /// The slice kube-proxy-style consumers read (upstream's apiserver keeps one for `kubernetes` too).
    private func keepEndpointSlice(_ service: ClusterService, _ world: World, base: String, manager: String) async {
        let endpoints: JSON = [["addresses": [.string(service.host)], "conditions": ["ready": true]]]
        let ports: JSON = .array(
            service.ports.map { port in
                ["name": .string(port.name), "port": .int(port.targetPort), "protocol": .string(port.proto)]
            })
        let current = world.objects.first { entry in
            entry.resource.kind == "EndpointSlice" && entry.object.namespace == service.namespace
                && entry.object.name == service.name
        }?.object
        guard current?["endpoints"] != endpoints || current?["ports"] != ports else { return }
        let path = base.replacingOccurrences(of: "/api/v1/", with: "/apis/discovery.k8s.io/v1/") + "/endpointslices"
        if current == nil {
            let slice: JSON = [
                "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
                "metadata": [
                    "name": .string(service.name), "labels": ["kubernetes.io/service-name": .string(service.name)],
                ],
                "endpoints": endpoints, "ports": ports,
            ]
            _ = await call(.POST, path, body: slice, manager: manager)
        } else {
            _ = await call(
                .PATCH, path + "/" + service.name, body: ["endpoints": endpoints, "ports": ports],
                contentType: "application/merge-patch+json", manager: manager)
        }
    }

    static func splitHostPort(_ address: String) -> (host: String, port: Int64) {
        guard let colon = address.lastIndex(of: ":"), let port = Int64(address[address.index(after: colon)...]) else {
            return (address, 443)
        }
        return (String(address[..<colon]), port)
    }
}
