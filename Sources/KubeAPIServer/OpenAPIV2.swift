import HTTPSupport
import KubeTypes
import NIOCore

/// `/openapi/v2`, reduced to what kubectl still reads from it: the PATCH operation of every kind
/// with its `x-kubernetes-group-version-kind` and `fieldValidation` parameter. kubectl falls back to
/// v2 when v3 has no document for a group-version (a kind nobody serves, a CRD not yet installed):
/// with namespaces advertising `fieldValidation` it lets the server validate and reports "no matches
/// for kind" as against a real cluster, instead of failing to download the document. The document
/// has no definitions, so kubectl's client-side schema checks find nothing to hold objects against;
/// every schema lives in the v3 documents.
extension KubeAPIServer {
    /// kubectl asks for `application/com.github.proto-openapi.spec.v2@v1.0+protobuf`, but Go's media
    /// type parser rejects the `@`, so the answer is labelled as plain bytes (as kube-apiserver does).
    static let openAPIV2Protobuf = "application/octet-stream"

    struct PatchOperation {
        var path: String
        var kind: GroupVersionKind
    }

    func openAPIV2(_ request: HTTPRequest) -> HTTPResponse {
        let operations = registry.snapshot.resources.filter { $0.verbs.contains("patch") }.map { resource in
            PatchOperation(
                path: Self.path(resource, namespace: "{namespace}", name: "{name}"), kind: resource.groupVersionKind)
        }
        let title = Self.version["gitVersion"]?.stringValue ?? "v1.37.0"
        if (request.headers.first(name: "Accept") ?? "").contains("protobuf") {
            let bytes = Self.openAPIV2Document(operations, version: title)
            return .bytes(ByteBuffer(bytes: bytes), contentType: Self.openAPIV2Protobuf, status: .ok)
        }
        var paths = JSON.emptyObject
        for operation in operations {
            paths[operation.path] = [
                "patch": [
                    "operationId": .string("patch\(operation.kind.kind)"),
                    "parameters": [["name": "fieldValidation", "in": "query", "type": "string", "uniqueItems": true]],
                    "x-kubernetes-group-version-kind": [
                        "group": .string(operation.kind.group), "kind": .string(operation.kind.kind),
                        "version": .string(operation.kind.version),
                    ],
                ]
            ]
        }
        return Self.jsonResponse([
            "swagger": "2.0", "info": ["title": "Kubernetes", "version": .string(title)], "paths": paths,
            "definitions": .emptyObject,
        ])
    }

    /// The same document in gnostic's `openapi.v2.Document` protobuf, which is what kubectl asks for.
    static func openAPIV2Document(_ operations: [PatchOperation], version: String) -> [UInt8] {
        var document = ProtoWriter()
        document.string(1, "2.0")
        document.message(2) { info in
            info.string(1, "Kubernetes")
            info.string(2, version)
        }
        document.message(8) { paths in
            for operation in operations {
                // Paths.path (2): NamedPathItem {name: 1, value: PathItem {patch: 8}}.
                paths.message(2) { item in
                    item.string(1, operation.path)
                    item.message(2) { pathItem in
                        pathItem.message(8) { patch in Self.writePatchOperation(&patch, kind: operation.kind) }
                    }
                }
            }
        }
        return document.bytes
    }

    /// Operation {operation_id: 5, parameters: 8, vendor_extension: 13}: the `fieldValidation` query
    /// parameter (ParametersItem 1 > Parameter 2 > NonBodyParameter 3 > QueryParameterSubSchema
    /// {in: 2, name: 4, type: 6}) and the GVK as NamedAny {name: 1, value: Any {yaml: 2}}.
    private static func writePatchOperation(_ patch: inout ProtoWriter, kind: GroupVersionKind) {
        patch.string(5, "patch\(kind.kind)")
        patch.message(8) { item in
            item.message(1) { parameter in
                parameter.message(2) { nonBody in
                    nonBody.message(3) { query in
                        query.string(2, "query")
                        query.string(4, "fieldValidation")
                        query.string(6, "string")
                    }
                }
            }
        }
        patch.message(13) { named in
            named.string(1, "x-kubernetes-group-version-kind")
            named.message(2) { any in
                any.string(2, "group: \"\(kind.group)\"\nkind: \(kind.kind)\nversion: \(kind.version)\n")
            }
        }
    }
}
