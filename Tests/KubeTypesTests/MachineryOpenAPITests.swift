import Testing

@testable import KubeTypes

@Suite struct MachineryOpenAPITests {
    let catalog = MachineryFixture.catalog
    let node = ResourceType(
        group: "", version: "v1", kind: "Thing", plural: "things", namespaced: false,
        schemaName: MachineryFixture.gadget)

    var document: JSON {
        OpenAPIDocuments.document(
            groupVersion: "widgets.example.io/v1", resources: [MachineryFixture.resource, node], catalog: catalog)
    }

    /// What kubectl's query_param_verifier_v3 does: find a PATCH operation of the kind that lists
    /// `fieldValidation` as a query parameter.
    static func supportsFieldValidation(_ document: JSON, _ gvk: GroupVersionKind) -> Bool {
        for (_, pathItem) in document["paths"]?.objectValue ?? [:] {
            guard let patch = pathItem["patch"],
                patch["x-kubernetes-group-version-kind"] == OpenAPISchemas.gvkObject(gvk)
            else { continue }
            let parameters = patch["parameters"]?.arrayValue ?? []
            return parameters.contains { $0["name"] == "fieldValidation" && $0["in"] == "query" }
        }
        return false
    }

    @Test func hasTheHeaderAndOnlyThisGroupVersion() {
        #expect(document["openapi"] == "3.0.0")
        #expect(document["info"] == ["title": "Kubernetes", "version": "v1.37.0"])
        let paths = document["paths"]?.objectValue ?? [:]
        #expect(paths.keys.allSatisfy { $0.hasPrefix("/apis/widgets.example.io/v1/") })
        #expect(
            Set(paths.keys) == [
                "/apis/widgets.example.io/v1/namespaces/{namespace}/widgets",
                "/apis/widgets.example.io/v1/namespaces/{namespace}/widgets/{name}",
                "/apis/widgets.example.io/v1/namespaces/{namespace}/widgets/{name}/status",
                "/apis/widgets.example.io/v1/namespaces/{namespace}/widgets/{name}/scale",
                "/apis/widgets.example.io/v1/widgets",
            ])
    }

    @Test func patchOperationsSatisfyKubectlsFieldValidationCheck() throws {
        let gvk = GroupVersionKind("widgets.example.io", "v1", "Widget")
        #expect(Self.supportsFieldValidation(document, gvk))
        #expect(!Self.supportsFieldValidation(document, GroupVersionKind("apps", "v1", "Deployment")))
        let item = try #require(document["paths"]?["/apis/widgets.example.io/v1/namespaces/{namespace}/widgets/{name}"])
        let patch = try #require(item["patch"])
        #expect(patch["operationId"] == "patchWidgetsExampleIoV1NamespacedWidget")
        #expect(patch["x-kubernetes-action"] == "patch")
        let names = (patch["parameters"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        #expect(names == ["dryRun", "fieldManager", "fieldValidation", "force"])
        let contentTypes = Set(patch[path: ["requestBody", "content"]]?.objectValue?.keys.map { $0 } ?? [])
        #expect(
            contentTypes == [
                "application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml",
            ])
        #expect(
            patch[path: ["responses", "200", "content", "application/json", "schema"]]
                == ["$ref": "#/components/schemas/io.example.widgets.v1.Widget"])
        #expect(item["get"]?["x-kubernetes-action"] == "get")
        #expect(item["put"]?["operationId"] == "replaceWidgetsExampleIoV1NamespacedWidget")
        #expect(item["delete"]?["x-kubernetes-action"] == "delete")
        let pathParameters = (item["parameters"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        #expect(pathParameters == ["name", "namespace", "pretty"])
    }

    @Test func collectionAndSubresourceOperations() throws {
        let paths = try #require(document["paths"])
        let collection = try #require(paths["/apis/widgets.example.io/v1/namespaces/{namespace}/widgets"])
        #expect(collection["get"]?["x-kubernetes-action"] == "list")
        #expect(collection["post"]?["x-kubernetes-action"] == "post")
        #expect(collection["delete"]?["x-kubernetes-action"] == "deletecollection")
        #expect(collection["delete"]?["operationId"] == "deleteWidgetsExampleIoV1CollectionNamespacedWidget")
        #expect(
            collection["get"]?[path: ["responses", "200", "content", "application/json", "schema", "$ref"]]
                == "#/components/schemas/io.example.widgets.v1.WidgetList")
        let all = try #require(paths["/apis/widgets.example.io/v1/widgets"])
        #expect(all["get"]?["operationId"] == "listWidgetsExampleIoV1WidgetForAllNamespaces")
        let status = try #require(paths["/apis/widgets.example.io/v1/namespaces/{namespace}/widgets/{name}/status"])
        #expect(status["patch"]?["operationId"] == "patchWidgetsExampleIoV1NamespacedWidgetStatus")
        #expect(
            status["patch"]?["x-kubernetes-group-version-kind"] == [
                "group": "widgets.example.io", "version": "v1", "kind": "Widget",
            ])
        let scale = try #require(paths["/apis/widgets.example.io/v1/namespaces/{namespace}/widgets/{name}/scale"])
        #expect(
            scale["patch"]?["x-kubernetes-group-version-kind"] == [
                "group": "autoscaling", "version": "v1", "kind": "Scale",
            ])
        #expect(
            scale["get"]?[path: ["responses", "200", "content", "application/json", "schema", "$ref"]]
                == "#/components/schemas/io.k8s.api.autoscaling.v1.Scale")
    }

    @Test func coreGroupPathsAndStrategicMerge() throws {
        let core = OpenAPIDocuments.document(
            groupVersion: "v1", resources: [MachineryFixture.resource, node], catalog: catalog)
        let item = try #require(core["paths"]?["/api/v1/things/{name}"])
        #expect(item["patch"]?["operationId"] == "patchCoreV1Thing")
        #expect(item["patch"]?[path: ["requestBody", "content", "application/strategic-merge-patch+json"]] != nil)
        #expect((item["parameters"]?.arrayValue ?? []).count == 2)
        #expect(core["paths"]?["/api/v1/things"]?["get"]?["operationId"] == "listCoreV1Thing")
        #expect(Self.supportsFieldValidation(core, GroupVersionKind("", "v1", "Thing")))
        #expect(
            OpenAPIDocuments.operationPrefix(group: "rbac.authorization.k8s.io", version: "v1") == "RbacAuthorizationV1"
        )
        #expect(OpenAPIDocuments.operationPrefix(group: "apps", version: "v1beta2") == "AppsV1beta2")
    }

    @Test func componentsHoldEveryReachableDefinition() throws {
        let schemas = try #require(document[path: ["components", "schemas"]]?.objectValue)
        for name in [
            MachineryFixture.widget, MachineryFixture.widgetSpec, MachineryFixture.widgetStatus,
            MachineryFixture.container, MachineryFixture.objectMeta, MachineryFixture.gadget,
            OpenAPISchemas.quantity, OpenAPISchemas.time, OpenAPISchemas.patch, OpenAPISchemas.status,
            OpenAPISchemas.deleteOptions, OpenAPISchemas.listMeta, "io.example.widgets.v1.WidgetList",
            "io.k8s.api.autoscaling.v1.Scale",
        ] {
            #expect(schemas[name] != nil, "\(name)")
        }
        #expect(schemas[MachineryFixture.lonely] == nil)
        // Every reference resolves.
        for target in OpenAPISchemas.referencedNames(in: document) { #expect(schemas[target] != nil, "\(target)") }
    }

    @Test func rendersKindsAndPropertiesLikeUpstream() throws {
        let schemas = try #require(document[path: ["components", "schemas"]])
        let widget = try #require(schemas[MachineryFixture.widget])
        #expect(widget["type"] == "object")
        #expect(widget["description"] == "A widget.")
        #expect(
            widget["x-kubernetes-group-version-kind"] == [
                ["group": "widgets.example.io", "version": "v1", "kind": "Widget"]
            ])
        #expect(
            widget[path: ["properties", "metadata"]]
                == [
                    "allOf": [["$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]],
                    "default": [:], "description": "Standard metadata.",
                ])
        let spec = try #require(schemas[MachineryFixture.widgetSpec])
        #expect(spec["x-kubernetes-group-version-kind"] == nil)
        #expect(spec["required"] == ["containers"])
        let containers = try #require(spec[path: ["properties", "containers"]])
        #expect(containers["type"] == "array")
        #expect(
            containers["items"] == [
                "allOf": [["$ref": "#/components/schemas/io.example.widgets.v1.Container"]], "default": [:],
            ])
        #expect(containers["x-kubernetes-patch-merge-key"] == "name")
        #expect(containers["x-kubernetes-patch-strategy"] == "merge")
        #expect(containers["x-kubernetes-list-type"] == "map")
        #expect(containers["x-kubernetes-list-map-keys"] == ["name"])
        #expect(
            spec[path: ["properties", "replicas"]] == [
                "type": "integer", "format": "int32", "description": "How many.",
            ])
        #expect(
            spec[path: ["properties", "resources", "additionalProperties"]]
                == ["$ref": "#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity"])
        #expect(spec[path: ["properties", "port", "x-kubernetes-int-or-string"]] == true)
        #expect(spec[path: ["properties", "data", "additionalProperties"]] == ["type": "string", "format": "byte"])
        #expect(spec[path: ["properties", "extra", "x-kubernetes-preserve-unknown-fields"]] == true)
        let container = try #require(schemas[MachineryFixture.container])
        #expect(container[path: ["properties", "imagePullPolicy", "enum"]] == ["Always", "IfNotPresent", "Never"])
        let meta = try #require(schemas[MachineryFixture.objectMeta])
        #expect(
            meta[path: ["properties", "creationTimestamp"]]
                == [
                    "allOf": [["$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Time"]],
                    "description": "When the object was created.",
                ])
        #expect(schemas[OpenAPISchemas.time]?["format"] == "date-time")
        #expect(schemas[MachineryFixture.gadget]?["x-kubernetes-preserve-unknown-fields"] == true)
        #expect(
            schemas["io.example.widgets.v1.WidgetList"]?["x-kubernetes-group-version-kind"]
                == [["group": "widgets.example.io", "version": "v1", "kind": "WidgetList"]])
    }

    @Test func indexPointsAtEachGroupVersion() {
        let index = OpenAPIDocuments.index(groupVersions: ["v1", "apps/v1"]) { "H-" + $0.replacingSlash }
        #expect(
            index == [
                "paths": [
                    "api/v1": ["serverRelativeURL": "/openapi/v3/api/v1?hash=H-v1"],
                    "apis/apps/v1": ["serverRelativeURL": "/openapi/v3/apis/apps/v1?hash=H-apps_v1"],
                ]
            ])
    }

    @Test func contentHashIsStableFNV() {
        #expect(OpenAPIDocuments.contentHash(bytes: []) == "CBF29CE484222325")
        #expect(OpenAPIDocuments.contentHash(bytes: Array("a".utf8)) == "AF63DC4C8601EC8C")
        let first = OpenAPIDocuments.contentHash(document)
        #expect(first == OpenAPIDocuments.contentHash(document))
        #expect(first.count == 16)
        #expect(first != OpenAPIDocuments.contentHash(["openapi": "3.0.0"]))
    }
}

extension String {
    fileprivate var replacingSlash: String { String(map { $0 == "/" ? "_" : $0 }) }
}
