import KubeTypes
import Testing

@testable import KubeAPIServer

/// The protobuf `/openapi/v2` document holds, for each kind, the path of its PATCH operation with
/// the GVK extension and the `fieldValidation` query parameter kubectl looks for.
@Suite struct OpenAPIV2Tests {
    static func field(_ bytes: [UInt8], _ number: Int) throws -> [[UInt8]] {
        try ProtoReader.fields(bytes).compactMap { entry in
            guard entry.0 == number, case .bytes(let value) = entry.1 else { return nil }
            return value
        }
    }

    static func text(_ bytes: [UInt8], _ number: Int) throws -> String? {
        try field(bytes, number).first.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func namespacePatchAdvertisesFieldValidation() throws {
        let operations = [
            KubeAPIServer.PatchOperation(
                path: "/api/v1/namespaces/{name}", kind: GroupVersionKind("", "v1", "Namespace")),
            KubeAPIServer.PatchOperation(
                path: "/apis/apps/v1/namespaces/{namespace}/deployments/{name}",
                kind: GroupVersionKind("apps", "v1", "Deployment")),
        ]
        let document = KubeAPIServer.openAPIV2Document(operations, version: "v1.37.0")
        #expect(try Self.text(document, 1) == "2.0")
        let paths = try Self.field(document, 8)
        #expect(paths.count == 1)
        let items = try Self.field(paths[0], 2)
        #expect(try items.map { try Self.text($0, 1) } == operations.map(\.path))
        let patch = try Self.field(try Self.field(items[1], 2)[0], 8)[0]
        let extensionValue = try Self.field(try Self.field(patch, 13)[0], 2)[0]
        #expect(try Self.text(extensionValue, 2) == "group: \"apps\"\nkind: Deployment\nversion: v1\n")
        let query = try Self.field(try Self.field(try Self.field(try Self.field(patch, 8)[0], 1)[0], 2)[0], 3)[0]
        #expect(try Self.text(query, 4) == "fieldValidation")
        #expect(try Self.text(query, 2) == "query")
    }
}
