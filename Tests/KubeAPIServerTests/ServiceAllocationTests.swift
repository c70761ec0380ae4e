import Foundation
import KubeTypes
import StateStore
import Testing

@testable import KubeAPIServer

/// Concurrent service writes never share an address: allocation and the store write happen under
/// one gate, with what is in use read from the stored services.
@Suite struct ServiceAllocationTests {
    static func makeServer() async throws -> KubeAPIServer {
        var options = KubeAPIOptions()
        // A /27 leaves 29 addresses for services (the first is the kubernetes service's).
        options.serviceNetwork = ServiceNetwork(
            clusterIPRange: IPv4Network("10.1.0.0/27")!, nodePortRange: 30000...30039)
        // Every search starts at the same place, so without the gate concurrent creates would collide.
        let environment = KubeEnvironment(
            now: { 1_700_000_000 }, makeUID: { UUID().uuidString.lowercased() }, randomSuffix: { _ in "abcde" },
            randomNumber: { _ in 0 })
        let server = KubeAPIServer(store: MemoryStateStore(), options: options, environment: environment)
        try await server.start()
        return server
    }

    static func createService(_ server: KubeAPIServer, _ name: String) async -> (Int, JSON?) {
        let body =
            #"{"apiVersion":"v1","kind":"Service","metadata":{"name":"\#(name)"},"spec":{"type":"NodePort","ports":[{"port":80}]}}"#
        let response = await server.handle(
            CompactionTests.request(.POST, "/api/v1/namespaces/default/services", body))
        guard case .bytes(let buffer) = response.body else { return (Int(response.status.code), nil) }
        return (Int(response.status.code), try? JSONReader.parse(Array(buffer.readableBytesView)))
    }

    @Test func concurrentCreatesGetDistinctAddressesUntilTheRangeIsFull() async throws {
        let server = try await Self.makeServer()
        let results = await withTaskGroup(of: (Int, JSON?).self) { group in
            for index in 0..<32 { group.addTask { await Self.createService(server, "s\(index)") } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let created = results.filter { $0.0 == 201 }.compactMap { $0.1 }
        let ips = created.compactMap { $0[path: ["spec", "clusterIP"]]?.stringValue }
        let ports = created.compactMap { $0[path: ["spec", "ports"]]?.arrayValue?.first?["nodePort"]?.intValue }
        // 29 free addresses: 29 services are created, all with different addresses and node ports.
        #expect(created.count == 29)
        #expect(Set(ips).count == 29 && !ips.contains("10.1.0.1"))
        #expect(Set(ports).count == 29)
        let refused = results.filter { $0.0 != 201 }
        #expect(refused.count == 3)
        #expect(refused.allSatisfy { $0.0 == 500 })
        #expect(refused.first?.1?["message"]?.stringValue?.contains("range is full") ?? false)
        await server.stop()
    }

    @Test func dryRunShowsAddressesWithoutTakingThem() async throws {
        let server = try await Self.makeServer()
        let body =
            #"{"apiVersion":"v1","kind":"Service","metadata":{"name":"dry"},"spec":{"clusterIP":"10.1.0.9","ports":[{"port":80}]}}"#
        let dry = await server.handle(
            CompactionTests.request(.POST, "/api/v1/namespaces/default/services?dryRun=All", body))
        #expect(dry.status == .created)
        let real = await server.handle(CompactionTests.request(.POST, "/api/v1/namespaces/default/services", body))
        #expect(real.status == .created)
        await server.stop()
    }
}
