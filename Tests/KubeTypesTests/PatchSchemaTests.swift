import Testing

@testable import KubeTypes

/// A small catalog shaped like upstream's Deployment, so the patch tests do not depend on the
/// built-in schemas.
enum PatchFixtures {
    static let deployment = "test.apps.v1.Deployment"

    static let catalog = SchemaCatalog([
        TypeSchema(
            deployment, "",
            [
                FieldSchema("apiVersion", .string, ""), FieldSchema("kind", .string, ""),
                FieldSchema("metadata", .ref("test.ObjectMeta"), ""),
                FieldSchema("spec", .ref("test.DeploymentSpec"), ""),
                FieldSchema("status", .ref("test.DeploymentStatus"), ""),
            ]),
        TypeSchema(
            "test.ObjectMeta", "",
            [
                FieldSchema("name", .string, ""), FieldSchema("namespace", .string, ""),
                FieldSchema("uid", .string, ""), FieldSchema("resourceVersion", .string, ""),
                FieldSchema("generation", .int64, ""), FieldSchema("creationTimestamp", .time, ""),
                FieldSchema("labels", .stringMap, ""), FieldSchema("annotations", .stringMap, ""),
                FieldSchema("finalizers", .array(.string), "", strategy: "merge", listType: "set"),
                FieldSchema("managedFields", .array(.any), "", listType: "atomic"),
            ]),
        TypeSchema(
            "test.DeploymentSpec", "",
            [
                FieldSchema("replicas", .int32, ""),
                FieldSchema("selector", .ref("test.LabelSelector"), "", mapType: "atomic"),
                FieldSchema("template", .ref("test.PodTemplateSpec"), ""),
                FieldSchema("strategy", .ref("test.DeploymentStrategy"), "", strategy: "retainKeys"),
            ]),
        TypeSchema("test.LabelSelector", "", [FieldSchema("matchLabels", .stringMap, "")]),
        TypeSchema(
            "test.DeploymentStrategy", "",
            [
                FieldSchema("type", .string, ""),
                FieldSchema("rollingUpdate", .ref("test.RollingUpdate"), ""),
            ]),
        TypeSchema(
            "test.RollingUpdate", "",
            [FieldSchema("maxSurge", .intOrString, ""), FieldSchema("maxUnavailable", .intOrString, "")]),
        TypeSchema(
            "test.PodTemplateSpec", "",
            [FieldSchema("metadata", .ref("test.ObjectMeta"), ""), FieldSchema("spec", .ref("test.PodSpec"), "")]),
        TypeSchema(
            "test.PodSpec", "",
            [
                FieldSchema(
                    "containers", .array(.ref("test.Container")), "", mergeKey: "name", strategy: "merge",
                    listType: "map", mapKeys: ["name"]),
                FieldSchema("tolerations", .array(.ref("test.Toleration")), "", listType: "atomic"),
                FieldSchema(
                    "volumes", .array(.ref("test.Volume")), "", mergeKey: "name", strategy: "merge,retainKeys",
                    listType: "map", mapKeys: ["name"]),
                FieldSchema("nodeSelector", .stringMap, "", mapType: "atomic"),
                FieldSchema("extra", .any, ""),
            ]),
        TypeSchema(
            "test.Container", "",
            [
                FieldSchema("name", .string, ""), FieldSchema("image", .string, ""),
                FieldSchema("args", .array(.string), "", listType: "atomic"),
                FieldSchema(
                    "ports", .array(.ref("test.ContainerPort")), "", mergeKey: "containerPort", strategy: "merge",
                    listType: "map", mapKeys: ["containerPort", "protocol"]),
                FieldSchema("env", .array(.ref("test.EnvVar")), "", mergeKey: "name", strategy: "merge"),
                FieldSchema("resources", .ref("test.ResourceRequirements"), ""),
            ]),
        TypeSchema(
            "test.ContainerPort", "",
            [
                FieldSchema("containerPort", .int32, ""), FieldSchema("protocol", .string, ""),
                FieldSchema("name", .string, ""),
            ]),
        TypeSchema("test.EnvVar", "", [FieldSchema("name", .string, ""), FieldSchema("value", .string, "")]),
        TypeSchema(
            "test.ResourceRequirements", "",
            [FieldSchema("limits", .map(.quantity), ""), FieldSchema("requests", .map(.quantity), "")]),
        TypeSchema(
            "test.Toleration", "",
            [FieldSchema("key", .string, ""), FieldSchema("operator", .string, ""), FieldSchema("effect", .string, "")]
        ),
        TypeSchema(
            "test.Volume", "",
            [
                FieldSchema("name", .string, ""), FieldSchema("emptyDir", .ref("test.EmptyDir"), ""),
                FieldSchema("hostPath", .ref("test.HostPath"), ""),
            ]),
        TypeSchema("test.EmptyDir", "", [FieldSchema("medium", .string, "")]),
        TypeSchema("test.HostPath", "", [FieldSchema("path", .string, "")]),
        TypeSchema("test.DeploymentStatus", "", [FieldSchema("replicas", .int32, "")]),
    ])

    static func json(_ text: String) -> JSON {
        try! JSONReader.parse(text)
    }

    static func node(_ path: [String]) -> SchemaNode {
        path.reduce(SchemaNode.root(deployment, catalog)) { $0.child($1) }
    }
}

@Suite struct PatchSchemaTests {
    @Test func listSemanticsFollowListTypeThenPatchStrategy() {
        let pod = ["spec", "template", "spec"]
        #expect(PatchFixtures.node(pod + ["containers"]).listSemantics == .map(["name"]))
        #expect(PatchFixtures.node(pod + ["tolerations"]).listSemantics == .atomic)
        #expect(PatchFixtures.node(["metadata", "finalizers"]).listSemantics == .set)
        // No listType: a merge strategy with a key makes a keyed list, as upstream's conversion does.
        #expect(PatchFixtures.node(pod + ["containers"]).element.child("env").listSemantics == .map(["name"]))
        #expect(PatchFixtures.node(pod + ["containers"]).element.child("args").listSemantics == .atomic)
        #expect(PatchFixtures.node(["spec", "unknownField"]).listSemantics == .atomic)
    }

    @Test func mapsAndAnyAreAtomicOnlyWhenDeclaredSo() {
        #expect(PatchFixtures.node(["spec", "selector"]).isAtomicMap)
        #expect(PatchFixtures.node(["spec", "template", "spec", "extra"]).isAtomicMap)
        #expect(!PatchFixtures.node(["metadata", "labels"]).isAtomicMap)
        #expect(PatchFixtures.node(["metadata", "labels", "app"]).isScalar)
    }

    @Test func listKeysFallBackToUpstreamDefaults() {
        let key = SchemaNode.elementKey(["containerPort": 80], keys: ["containerPort", "protocol"])
        #expect(key == ["containerPort": 80, "protocol": "TCP"])
        #expect(SchemaNode.elementKey(["name": "a", "x": 1], keys: ["name"]) == ["name": "a"])
    }

    @Test func unknownRootTypeHasNoSchema() {
        let node = SchemaNode.root("no.such.Type", PatchFixtures.catalog)
        #expect(node.type == nil)
        #expect(node.child("spec").type == nil)
    }
}
