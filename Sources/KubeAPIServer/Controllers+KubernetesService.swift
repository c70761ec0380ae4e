import KubeTypes

/// The `kubernetes` service in the default namespace, which clients inside the cluster use to
/// reach the API server: it takes the first address of the service range (as upstream) and its
/// endpoints name the address this server advertises.
extension KubeAPIServer {
    static let apiServerServiceName = "kubernetes"

    func reconcileKubernetesService(_ world: World) async {
        let manager = "kube-apiserver"
        let exists = world.objects.contains { entry in
            entry.resource.kind == "Service" && entry.resource.group.isEmpty && entry.object.namespace == "default"
                && entry.object.name == Self.apiServerServiceName
        }
        let (host, port) = Self.splitHostPort(advertiseAddress)
        if !exists, let clusterIP = options.serviceNetwork.apiServerIP {
            let service: JSON = [
                "apiVersion": "v1", "kind": "Service",
                "metadata": [
                    "name": .string(Self.apiServerServiceName),
                    "labels": ["component": "apiserver", "provider": "kubernetes"],
                ],
                "spec": [
                    "type": "ClusterIP", "clusterIP": .string(clusterIP), "sessionAffinity": "None",
                    "ports": [["name": "https", "port": 443, "protocol": "TCP", "targetPort": .int(port)]],
                ],
            ]
            _ = await call(.POST, "/api/v1/namespaces/default/services", body: service, manager: manager)
        }
        guard IPv4Network.parseAddress(host) != nil else { return }
        let subsets: JSON = [
            [
                "addresses": [["ip": .string(host)]],
                "ports": [["name": "https", "port": .int(port), "protocol": "TCP"]],
            ]
        ]
        let current = world.objects.first { entry in
            entry.resource.kind == "Endpoints" && entry.object.namespace == "default"
                && entry.object.name == Self.apiServerServiceName
        }
        guard current?.object["subsets"] != subsets else { return }
        let endpoints: JSON = [
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": [
                "name": .string(Self.apiServerServiceName),
                "labels": ["endpointslice.kubernetes.io/skip-mirror": "true"],
            ],
            "subsets": subsets,
        ]
        let path = "/api/v1/namespaces/default/endpoints"
        if current == nil {
            _ = await call(.POST, path, body: endpoints, manager: manager)
        } else {
            _ = await call(
                .PATCH, path + "/" + Self.apiServerServiceName, body: ["subsets": subsets],
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
