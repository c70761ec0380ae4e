import Foundation
import KubeTypes
import StateStore
import Testing

@testable import KubeAPIServer

/// The Services the cluster provides itself: `kubernetes` and `kube-dns`, each with Endpoints and
/// an EndpointSlice naming the server behind it.
@Suite struct ClusterServicesTests {
    static func get(_ server: KubeAPIServer, _ path: String) async -> JSON? {
        let response = await server.handle(CompactionTests.request(.GET, path, nil))
        guard response.status.code == 200, case .bytes(let buffer) = response.body else { return nil }
        return try? JSONReader.parse(Array(buffer.readableBytesView))
    }

    @Test func kubernetesAndKubeDNSAreKeptWithTheirSlices() async throws {
        var options = KubeAPIOptions()
        options.clusterDNS = (host: "10.0.0.5", port: 8053)
        let server = KubeAPIServer(store: MemoryStateStore(), options: options)
        try await server.start()
        server.setAdvertiseAddress("10.0.0.5:6443")
        await server.reconcileOnce()
        await server.reconcileOnce()

        let dns = try #require(await Self.get(server, "/api/v1/namespaces/kube-system/services/kube-dns"))
        #expect(dns[path: ["spec", "clusterIP"]]?.stringValue == "10.96.0.10")
        let ports = dns[path: ["spec", "ports"]]?.arrayValue ?? []
        #expect(ports.map { $0["protocol"]?.stringValue } == ["UDP", "TCP"])
        #expect(ports.allSatisfy { $0["port"]?.intValue == 53 && $0["targetPort"]?.intValue == 8053 })
        let slice = try #require(
            await Self.get(server, "/apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices/kube-dns"))
        #expect(slice[path: ["metadata", "labels", "kubernetes.io/service-name"]]?.stringValue == "kube-dns")
        #expect(slice["endpoints"]?.arrayValue?.first?["addresses"]?.arrayValue?.first?.stringValue == "10.0.0.5")
        #expect(slice["ports"]?.arrayValue?.compactMap { $0["port"]?.intValue } == [8053, 8053])
        let endpoints = try #require(await Self.get(server, "/api/v1/namespaces/kube-system/endpoints/kube-dns"))
        #expect(endpoints[path: ["subsets"]]?.arrayValue?.count == 1)

        let apiSlice = try #require(
            await Self.get(server, "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes"))
        #expect(apiSlice["ports"]?.arrayValue?.first?["port"]?.intValue == 6443)
        #expect(apiSlice["ports"]?.arrayValue?.first?["name"]?.stringValue == "https")

        // The server moves: both objects follow.
        server.setAdvertiseAddress("10.0.0.6:7443")
        await server.reconcileOnce()
        let moved = await Self.get(server, "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes")
        #expect(moved?["ports"]?.arrayValue?.first?["port"]?.intValue == 7443)
        #expect(moved?["endpoints"]?.arrayValue?.first?["addresses"]?.arrayValue?.first?.stringValue == "10.0.0.6")
        await server.stop()
    }

    @Test func withoutAClusterDNSThereIsNoKubeDNS() async throws {
        let server = KubeAPIServer(store: MemoryStateStore(), options: KubeAPIOptions())
        try await server.start()
        server.setAdvertiseAddress("127.0.0.1:6443")
        await server.reconcileOnce()
        #expect(await Self.get(server, "/api/v1/namespaces/kube-system/services/kube-dns") == nil)
        #expect(await Self.get(server, "/api/v1/namespaces/default/services/kubernetes") != nil)
        await server.stop()
    }
}
