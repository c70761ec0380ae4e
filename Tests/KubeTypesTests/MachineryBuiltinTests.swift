import Testing

@testable import KubeTypes

/// The machinery over the real built-in catalog; written to tolerate a catalog that is still partial.
@Suite struct MachineryBuiltinTests {
    @Test func everyBuiltinKindPassesKubectlsFieldValidationCheck() {
        let groupVersions = Set(Builtin.resources.map(\.apiVersion))
        for groupVersion in groupVersions.sorted() {
            let document = OpenAPIDocuments.document(
                groupVersion: groupVersion, resources: Builtin.resources, catalog: Builtin.catalog)
            let schemas = document[path: ["components", "schemas"]]?.objectValue ?? [:]
            for target in OpenAPISchemas.referencedNames(in: document) {
                #expect(schemas[target] != nil, "\(groupVersion): \(target)")
            }
            for resource in Builtin.resources
            where resource.apiVersion == groupVersion && resource.verbs.contains("patch") {
                #expect(
                    MachineryOpenAPITests.supportsFieldValidation(document, resource.groupVersionKind),
                    "\(resource.qualifiedName)")
            }
        }
    }

    @Test func deploymentManifestChecksLikeUpstream() throws {
        let name = "io.k8s.api.apps.v1.Deployment"
        guard Builtin.catalog[name] != nil,
            Builtin.catalog.field(at: ["spec", "template", "spec", "containers"], from: name) != nil
        else { return }
        let manifest: JSON = [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "web", "labels": ["app": "web"]],
            "spec": [
                "replicas": "3",
                "selector": ["matchLabels": ["app": "web"]],
                "template": [
                    "metadata": ["labels": ["app": "web"]],
                    "spec": ["containers": [["name": "nginx", "image": "nginx", "imagePullPolicyy": "Always"]]],
                ],
            ],
        ]
        let result = SchemaValidator.check(manifest, type: name, catalog: Builtin.catalog)
        #expect(result.unknownFields == ["spec.template.spec.containers[0].imagePullPolicyy"])
        #expect(
            result.errors.map(\.detail)
                == ["json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"])
        let pruned = SchemaValidator.prune(manifest, type: name, catalog: Builtin.catalog)
        #expect(SchemaValidator.check(pruned, type: name, catalog: Builtin.catalog).unknownFields.isEmpty)
    }
}
