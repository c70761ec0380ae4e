import Testing

@testable import KubeTypes

/// A small catalog shaped like the built-in ones, so these tests do not depend on `Builtin`.
enum MachineryFixture {
    static let objectMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
    static let widget = "io.example.widgets.v1.Widget"
    static let widgetSpec = "io.example.widgets.v1.WidgetSpec"
    static let widgetStatus = "io.example.widgets.v1.WidgetStatus"
    static let container = "io.example.widgets.v1.Container"
    static let gadget = "io.example.widgets.v1.Gadget"
    static let lonely = "io.example.widgets.v1.Unreferenced"

    static let catalog = SchemaCatalog([
        TypeSchema(
            objectMeta, "Metadata of every object.",
            [
                FieldSchema("name", .string, "Object name."),
                FieldSchema("namespace", .string, "Object namespace."),
                FieldSchema("labels", .stringMap, "Labels."),
                FieldSchema("creationTimestamp", .time, "When the object was created."),
            ]),
        TypeSchema(
            widget, "A widget.",
            [
                FieldSchema("apiVersion", .string, "Version of the schema."),
                FieldSchema("kind", .string, "Kind of object."),
                FieldSchema("metadata", .ref(objectMeta), "Standard metadata."),
                FieldSchema("spec", .ref(widgetSpec), "Desired state."),
                FieldSchema("status", .ref(widgetStatus), "Observed state."),
            ], kinds: [GroupVersionKind("widgets.example.io", "v1", "Widget")]),
        TypeSchema(
            widgetSpec, "What a widget should be.",
            [
                FieldSchema("replicas", .int32, "How many."),
                FieldSchema(
                    "containers", .array(.ref(container)), "Containers.", required: true, mergeKey: "name",
                    strategy: "merge", listType: "map", mapKeys: ["name"]),
                FieldSchema("resources", .map(.quantity), "Resource amounts."),
                FieldSchema("data", .map(.bytes), "Binary data."),
                FieldSchema("extra", .any, "Anything."),
                FieldSchema("port", .intOrString, "A port by number or name."),
                FieldSchema("ratio", .number, "A ratio."),
                FieldSchema("paused", .boolean, "Paused."),
                FieldSchema("gadget", .ref(gadget), "A free-form gadget."),
            ]),
        TypeSchema(
            container, "One container.",
            [
                FieldSchema("name", .string, "Container name.", required: true),
                FieldSchema("image", .string, "Image."),
                FieldSchema(
                    "imagePullPolicy", .string, "When to pull.", enumValues: ["Always", "IfNotPresent", "Never"]),
            ]),
        TypeSchema(widgetStatus, "What a widget is.", [FieldSchema("phase", .string, "Phase.")]),
        TypeSchema(
            gadget, "Keeps whatever it is given.", [FieldSchema("size", .int64, "Size.")], preservesUnknownFields: true),
        TypeSchema(lonely, "Not referenced from widgets.", [FieldSchema("x", .string, "X.")]),
    ])

    static let resource = ResourceType(
        group: "widgets.example.io", version: "v1", kind: "Widget", plural: "widgets", namespaced: true,
        schemaName: widget, strategy: ResourceStrategy(hasStatus: true, scale: ScaleAccessor()))
}

@Suite struct MachinerySchemaValidatorTests {
    let catalog = MachineryFixture.catalog

    @Test func acceptsAWellTypedObject() {
        let object: JSON = [
            "apiVersion": "widgets.example.io/v1", "kind": "Widget",
            "metadata": ["name": "w", "labels": ["a": "b"], "creationTimestamp": "2026-11-21T09:30:00Z"],
            "spec": [
                "replicas": 3, "containers": [["name": "c", "image": "nginx"]],
                "resources": ["cpu": "500m", "memory": 1],
                "data": ["k": "aGVsbG8="], "extra": ["anything": [1, 2]], "port": "http", "ratio": 0.5,
                "paused": false, "gadget": ["size": 2, "colour": "red"],
            ],
            "status": .null,
        ]
        let result = SchemaValidator.check(object, type: MachineryFixture.widget, catalog: catalog)
        #expect(result.isClean, "\(result)")
    }

    @Test func reportsUnknownFieldsWithIndices() {
        let object: JSON = [
            "apiVersion": "widgets.example.io/v1", "kind": "Widget", "colour": "red",
            "metadata": ["name": "w", "nickname": "x"],
            "spec": ["containers": [["name": "a"], ["name": "b", "imagePullPolicyy": "Always"]]],
        ]
        let result = SchemaValidator.check(object, type: MachineryFixture.widget, catalog: catalog)
        #expect(result.unknownFields == ["colour", "metadata.nickname", "spec.containers[1].imagePullPolicyy"])
        #expect(result.errors.isEmpty)
        #expect(result.unknownFieldMessages.last == "unknown field \"spec.containers[1].imagePullPolicyy\"")
    }

    @Test func reportsTypeMismatchesLikeTheGoDecoder() {
        let object: JSON = [
            "spec": [
                "replicas": "three", "containers": [["name": 5]], "paused": "no", "port": true, "ratio": "x",
            ]
        ]
        let result = SchemaValidator.check(object, type: MachineryFixture.widget, catalog: catalog)
        let byField = Dictionary(uniqueKeysWithValues: result.errors.map { ($0.field, $0.detail) })
        #expect(
            byField["spec.replicas"]
                == "json: cannot unmarshal string into Go struct field WidgetSpec.spec.replicas of type int32")
        #expect(
            byField["spec.containers[0].name"]
                == "json: cannot unmarshal number into Go struct field Container.spec.containers.name of type string")
        #expect(
            byField["spec.paused"]
                == "json: cannot unmarshal string into Go struct field WidgetSpec.spec.paused of type bool")
        #expect(
            byField["spec.port"]
                == "json: cannot unmarshal bool into Go struct field WidgetSpec.spec.port of type int32")
        #expect(
            byField["spec.ratio"]
                == "json: cannot unmarshal string into Go struct field WidgetSpec.spec.ratio of type float64")
        #expect(result.errors.allSatisfy { $0.kind == .typeInvalid })
    }

    @Test func checksIntegersRangesAndNestedShapes() {
        let object: JSON = [
            "metadata": "oops",
            "spec": ["replicas": 3_000_000_000, "containers": ["name": "c"], "resources": ["cpu": 1.5]],
        ]
        let result = SchemaValidator.check(object, type: MachineryFixture.widget, catalog: catalog)
        let details = result.errors.map(\.detail)
        #expect(
            details.contains("json: cannot unmarshal string into Go struct field Widget.metadata of type v1.ObjectMeta")
        )
        #expect(
            details.contains(
                "json: cannot unmarshal number 3000000000 into Go struct field WidgetSpec.spec.replicas of type int32"))
        #expect(details.contains { $0.hasSuffix("spec.containers of type []v1.Container") })
        #expect(result.errors.count == 3)
        #expect(
            SchemaValidator.check(["spec": ["replicas": 2.5]], type: MachineryFixture.widget, catalog: catalog)
                .errors.first?.detail
                == "json: cannot unmarshal number 2.5 into Go struct field WidgetSpec.spec.replicas of type int32")
    }

    @Test func parsesQuantitiesTimesAndBase64() {
        let object: JSON = [
            "metadata": ["creationTimestamp": "yesterday"],
            "spec": ["resources": ["cpu": "lots", "memory": "1Gi"], "data": ["a": "not base64!", "b": "YWJj"]],
        ]
        let result = SchemaValidator.check(object, type: MachineryFixture.widget, catalog: catalog)
        let byField = Dictionary(uniqueKeysWithValues: result.errors.map { ($0.field, $0.detail) })
        #expect(byField.count == 3)
        #expect(byField["spec.resources.cpu"] == QuantityError.formatWrong.message)
        #expect(byField["spec.data.a"] == "illegal base64 data at input byte 3")
        #expect(byField["metadata.creationTimestamp"]?.hasPrefix("parsing time \"yesterday\"") == true)
    }

    @Test func anyAndPreservingTypesAreNotChecked() {
        let object: JSON = ["spec": ["extra": ["x": ["y": 1]], "gadget": ["size": 1, "free": ["form": true]]]]
        #expect(SchemaValidator.check(object, type: MachineryFixture.widget, catalog: catalog).isClean)
        let wrongSize: JSON = ["spec": ["gadget": ["size": "big"]]]
        #expect(SchemaValidator.check(wrongSize, type: MachineryFixture.widget, catalog: catalog).errors.count == 1)
        #expect(SchemaValidator.check(["anything": 1], type: "io.unknown.Type", catalog: catalog).isClean)
    }

    @Test func openAPIStyleNamesTheExpectedType() {
        let result = SchemaValidator.check(
            ["spec": ["replicas": "3"]], type: MachineryFixture.widget, catalog: catalog, style: .openAPI)
        #expect(
            result.errors.first?.description
                == "spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\""
        )
    }

    @Test func pruneDropsOnlyUnknownFields() {
        let object: JSON = [
            "apiVersion": "widgets.example.io/v1", "kind": "Widget", "colour": "red",
            "metadata": ["name": "w", "nickname": "x", "labels": ["keep": "me"]],
            "spec": [
                "replicas": "wrong-but-kept", "containers": [["name": "a", "bogus": 1]], "extra": ["free": 1],
                "gadget": ["size": 1, "free": 2],
            ],
        ]
        let expected: JSON = [
            "apiVersion": "widgets.example.io/v1", "kind": "Widget",
            "metadata": ["name": "w", "labels": ["keep": "me"]],
            "spec": [
                "replicas": "wrong-but-kept", "containers": [["name": "a"]], "extra": ["free": 1],
                "gadget": ["size": 1, "free": 2],
            ],
        ]
        let pruned = SchemaValidator.prune(object, type: MachineryFixture.widget, catalog: catalog)
        #expect(pruned == expected)
        #expect(SchemaValidator.check(pruned, type: MachineryFixture.widget, catalog: catalog).unknownFields.isEmpty)
    }

    @Test func base64Rules() {
        #expect(Base64Check.firstIllegalByte("") == nil)
        #expect(Base64Check.firstIllegalByte("YQ==") == nil)
        #expect(Base64Check.firstIllegalByte("YWI=") == nil)
        #expect(Base64Check.firstIllegalByte("YWJj\nZA==") == nil)
        #expect(Base64Check.firstIllegalByte("YQ") == 0)
        #expect(Base64Check.firstIllegalByte("Y===") == 1)
        #expect(Base64Check.firstIllegalByte("YQ==YQ==") == 4)
        #expect(Base64Check.firstIllegalByte("YW-j") == 2)
    }
}
