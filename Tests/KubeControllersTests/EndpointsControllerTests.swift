import Foundation
import KubeClient
import KubeControllersCore
import KubeTypes
import Testing

/// The Endpoints and EndpointSlice controllers against a live API server, the test giving pods
/// addresses and readiness as a kubelet would.
@Suite struct EndpointsControllerTests {
    static func service(_ name: String, targetPort: JSON = 8080) -> JSON {
        [
            "apiVersion": "v1", "kind": "Service", "metadata": ["name": .string(name)],
            "spec": [
                "selector": ["app": .string(name)],
                "ports": [["name": "http", "port": 80, "protocol": "TCP", "targetPort": targetPort]],
            ],
        ]
    }

    static func pod(_ name: String, app: String) -> JSON {
        [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name), "labels": ["app": .string(app)]],
            "spec": [
                "nodeName": "node-1",
                "containers": [
                    [
                        "name": "main", "image": "nginx",
                        "ports": [["name": "web", "containerPort": 8080, "protocol": "TCP"]],
                    ]
                ],
            ],
        ]
    }

    /// Gives the pod an address and a Ready condition of `ready`.
    static func report(_ cluster: ControllerCluster, _ name: String, ip: String, ready: Bool) async throws {
        var pod = try await cluster.get(.pods, name)
        pod["status"] = [
            "phase": "Running", "podIP": .string(ip), "podIPs": [["ip": .string(ip)]],
            "conditions": [
                [
                    "type": "Ready", "status": .string(ready ? "True" : "False"),
                    "lastTransitionTime": .string(Timestamp.format(Int64(Date().timeIntervalSince1970))),
                ]
            ],
        ]
        _ = try await cluster.client.updateStatus(.pods, pod)
    }

    static func addresses(_ endpoints: JSON, _ field: String) -> [String] {
        (endpoints["subsets"]?.arrayValue ?? []).flatMap { $0[field]?.arrayValue ?? [] }
            .compactMap { $0["ip"]?.stringValue }.sorted()
    }

    static func sliceEndpoints(_ cluster: ControllerCluster, service: String) async throws -> [JSON] {
        try await cluster.client.listAll(
            .endpointSlices, namespace: "default", labelSelector: "kubernetes.io/service-name=\(service)"
        ).items.flatMap { $0["endpoints"]?.arrayValue ?? [] }
    }

    @Test func endpointsAndSlicesFollowThePods() async throws {
        try await ControllerCluster.with { cluster in
            _ = try await cluster.client.create(.services, namespace: "default", Self.service("web", targetPort: "web"))
            for index in 1...3 {
                _ = try await cluster.client.create(.pods, namespace: "default", Self.pod("web-\(index)", app: "web"))
            }
            _ = try await cluster.client.create(.pods, namespace: "default", Self.pod("db-1", app: "db"))
            try await Self.report(cluster, "web-1", ip: "10.1.0.1", ready: true)
            try await Self.report(cluster, "web-2", ip: "10.1.0.2", ready: true)
            try await Self.report(cluster, "web-3", ip: "10.1.0.3", ready: false)
            try await Self.report(cluster, "db-1", ip: "10.1.0.9", ready: true)

            let endpoints = try await eventually { [cluster] () -> JSON? in
                let endpoints = try await cluster.get(.endpoints, "web")
                return Self.addresses(endpoints, "notReadyAddresses") == ["10.1.0.3"] ? Optional(endpoints) : nil
            }
            #expect(Self.addresses(endpoints, "addresses") == ["10.1.0.1", "10.1.0.2"])
            #expect(
                endpoints["subsets"]?.arrayValue?.first?["ports"] == [
                    ["name": "http", "port": 8080, "protocol": "TCP"]
                ])

            let slices = try await eventually { [cluster] () -> [JSON]? in
                let endpoints = try await Self.sliceEndpoints(cluster, service: "web")
                return endpoints.count == 3 ? endpoints : nil
            }
            let readiness = Dictionary(
                uniqueKeysWithValues: slices.map {
                    ($0["addresses"]?.arrayValue?.first?.stringValue ?? "", $0[path: ["conditions", "ready"]])
                })
            #expect(readiness == ["10.1.0.1": true, "10.1.0.2": true, "10.1.0.3": false])
            let slice = try #require(try await Self.controllerSlices(cluster).first)
            #expect(slice[path: ["metadata", "ownerReferences"]]?.arrayValue?.first?["kind"] == "Service")
            #expect(slice.labels["endpointslice.kubernetes.io/managed-by"] == "endpointslice-controller.k8s.io")

            // A pod being deleted leaves the Endpoints; its slice entry stays, terminating and not
            // ready, until the pod is gone (no kubelet here finishes it).
            try await cluster.client.delete(.pods, namespace: "default", name: "web-1")
            try await expectEventually { [cluster] in
                let endpoints = try await cluster.get(.endpoints, "web")
                let leaving = try await Self.sliceEndpoints(cluster, service: "web").first {
                    $0["addresses"]?.arrayValue?.first == "10.1.0.1"
                }
                let terminating = leaving.map {
                    $0["conditions"] == ["ready": false, "serving": true, "terminating": true]
                }
                return Self.addresses(endpoints, "addresses") == ["10.1.0.2"] && terminating != false
            }
            // The same slice was updated, not replaced.
            #expect(try await Self.controllerSlices(cluster).map(\.name) == [slice.name])
        }
    }

    @Test func theKubernetesServiceAndSelectorlessServicesAreLeftAlone() async throws {
        try await ControllerCluster.with { cluster in
            var manual = Self.service("manual")
            manual[path: ["spec", "selector"]] = nil
            _ = try await cluster.client.create(.services, namespace: "default", manual)
            let endpoints: JSON = [
                "apiVersion": "v1", "kind": "Endpoints", "metadata": ["name": "manual"],
                "subsets": [["addresses": [["ip": "192.168.1.1"]], "ports": [["port": 5432]]]],
            ]
            _ = try await cluster.client.create(.endpoints, namespace: "default", endpoints)
            // A selector service alongside shows the controllers ran.
            _ = try await cluster.client.create(.services, namespace: "default", Self.service("web"))
            _ = try await eventually { [cluster] in try await cluster.get(.endpoints, "web") }
            let kept = try await cluster.get(.endpoints, "manual")
            #expect(Self.addresses(kept, "addresses") == ["192.168.1.1"])
            // The controller made slices for `web` only; the API server keeps its own for `kubernetes`.
            let slices = try await cluster.list(.endpointSlices)
            #expect(
                try await Self.controllerSlices(cluster).allSatisfy { $0.labels["kubernetes.io/service-name"] == "web" }
            )
            #expect(
                slices.filter { $0.labels["kubernetes.io/service-name"] == "kubernetes" }.allSatisfy {
                    $0.labels["endpointslice.kubernetes.io/managed-by"] == nil
                })
            #expect(!slices.contains { $0.labels["kubernetes.io/service-name"] == "manual" })
        }
    }

    /// The slices the EndpointSlice controller manages (not the API server's own `kubernetes` slice).
    static func controllerSlices(_ cluster: ControllerCluster) async throws -> [JSON] {
        try await cluster.list(.endpointSlices).filter {
            $0.labels["endpointslice.kubernetes.io/managed-by"] == "endpointslice-controller.k8s.io"
        }
    }
}
