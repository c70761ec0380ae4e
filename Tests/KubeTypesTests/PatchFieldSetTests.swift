import Testing

@testable import KubeTypes

@Suite struct PatchFieldSetTests {
    private func json(_ text: String) -> JSON { PatchFixtures.json(text) }

    static let upstreamSample =
        #"{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},"#
        + #""f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"#
        + #""f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{},"#
        + #""f:ports":{".":{},"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"#
        + #""f:protocol":{}}}}}},"f:metadata":{"f:finalizers":{"v:\"example.com/x\"":{}}}}}}"#

    @Test func fieldsV1RoundTrips() throws {
        let encoded = json(Self.upstreamSample)
        let set = try FieldSet(fieldsV1: encoded)
        #expect(set.fieldsV1 == encoded)
        let containers: FieldSet.Path = [.field("spec"), .field("template"), .field("spec"), .field("containers")]
        let nginx = containers + [.key(["name": "nginx"])]
        #expect(set.contains(nginx))
        #expect(set.contains(nginx + [.field("image")]))
        #expect(!set.contains(containers))
        #expect(set.contains([.field("metadata"), .field("labels")]))
        let finalizer: FieldSet.Path = [.field("finalizers"), .value("example.com/x")]
        #expect(set.contains([.field("spec"), .field("template"), .field("metadata")] + finalizer))
        #expect(set.paths.count == 14)
    }

    @Test func invalidFieldsV1IsRejected() {
        #expect(throws: PatchError.self) { try FieldSet(fieldsV1: ["x:spec": .emptyObject]) }
        #expect(throws: PatchError.self) { try FieldSet(fieldsV1: ["k:[1]": .emptyObject]) }
        #expect(throws: PatchError.self) { try FieldSet(fieldsV1: ["f:spec": 1]) }
        #expect(throws: PatchError.self) { try FieldSet(fieldsV1: "f:spec") }
    }

    @Test func pathsPrintInUpstreamNotation() {
        let path: FieldSet.Path = [
            .field("spec"), .field("containers"), .key(["name": "nginx"]), .field("ports"),
            .key(["containerPort": 80, "protocol": "TCP"]), .field("name"),
        ]
        #expect(
            FieldSet.describe(path) == #".spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"].name"#)
        #expect(FieldSet.describe([.field("finalizers"), .value("a")]) == #".finalizers[="a"]"#)
        #expect(FieldSet.describe([.field("args"), .index(2)]) == ".args[2]")
    }

    @Test func setAlgebra() {
        let a = FieldSet([[.field("a")], [.field("a"), .field("b")], [.field("c")]])
        let b = FieldSet([[.field("a")]])
        #expect(a.subtracting(b).paths == [[.field("a"), .field("b")], [.field("c")]])
        #expect(a.subtractingRecursively(b).paths == [[.field("c")]])
        #expect(a.intersection(b) == b)
        #expect(a.containsPath(under: [.field("a")]))
        #expect(!b.containsPath(under: [.field("a"), .field("b")]))
        #expect(FieldSet([[]]).isEmpty)
    }

    @Test func fieldSetOfAnAppliedDeploymentMatchesUpstreamShape() {
        let config = json(
            #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},"#
                + #""spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"#
                + #""labels":{"app":"web"}},"spec":{"containers":[{"name":"nginx","image":"nginx:1.27","#
                + #""ports":[{"containerPort":80}],"resources":{}}],"tolerations":[{"key":"k"}],"#
                + #""nodeSelector":{"disk":"ssd"}}}}}"#)
        let set = FieldSet(of: config, type: PatchFixtures.deployment, catalog: PatchFixtures.catalog)
        let expected = json(
            #"{"f:apiVersion":{},"f:kind":{},"f:metadata":{"f:name":{},"f:labels":{"f:app":{}}},"#
                + #""f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"#
                + #""f:spec":{"f:tolerations":{},"f:nodeSelector":{},"f:containers":{"k:{\"name\":\"nginx\"}":{"#
                + #"".":{},"f:image":{},"f:name":{},"f:resources":{},"#
                + #""f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}"#)
        #expect(set.fieldsV1 == expected)
        let schemaless = FieldSet(
            of: json(#"{"spec":{"a":{"b":1},"list":[1,2]}}"#), type: nil, catalog: PatchFixtures.catalog)
        #expect(schemaless.fieldsV1 == json(#"{"f:spec":{".":{},"f:a":{".":{},"f:b":{}},"f:list":{}}}"#))
    }

    @Test func comparisonReportsAddedModifiedAndRemovedPaths() {
        let old = json(#"{"spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"a","image":"x"}]}}}}"#)
        let new = json(
            #"{"spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"b","image":"y"}]}}},"metadata":{"labels":{"l":"v"}}}"#
        )
        let comparison = FieldComparison(
            old: old, new: new, node: .root(PatchFixtures.deployment, PatchFixtures.catalog))
        let containers: FieldSet.Path = [.field("spec"), .field("template"), .field("spec"), .field("containers")]
        #expect(comparison.modified.paths == [[.field("spec"), .field("replicas")]])
        #expect(comparison.added.contains(containers + [.key(["name": "b"])]))
        #expect(comparison.added.contains(containers + [.key(["name": "b"]), .field("image")]))
        #expect(comparison.added.contains([.field("metadata"), .field("labels"), .field("l")]))
        // Objects of a known type are tracked through their fields only.
        #expect(!comparison.added.contains([.field("metadata")]))
        #expect(comparison.added.contains([.field("metadata"), .field("labels")]))
        #expect(comparison.removed.contains(containers + [.key(["name": "a"]), .field("name")]))
        #expect(!comparison.added.contains(containers))
    }
}
