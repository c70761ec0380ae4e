import Testing

@testable import DiscoveryCore

@Suite struct DiscoverySnapshotTests {
    @Test func headlessMeansNoClusterIPAndNotExternalName() {
        #expect(ServiceEntry(namespace: "ns", name: "db").isHeadless)
        #expect(!ServiceEntry(namespace: "ns", name: "db", clusterIPs: ["10.96.0.9"]).isHeadless)
        #expect(
            !ServiceEntry(namespace: "ns", name: "ext", kind: .externalName, externalName: "example.org").isHeadless)
    }
}
