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
        var paths = ProtoWriter()
        for operation in operations {
            // QueryParameterSubSchema {in: 2, name: 4, type: 6} in NonBodyParameter 3, Parameter 2, ParametersItem 1.
            var query = ProtoWriter()
            query.string(2, "query")
            query.string(4, "fieldValidation")
            query.string(6, "string")
            let parameter = ProtoWriter.message(1, ProtoWriter.message(2, ProtoWriter.message(3, query.bytes)))
            let kind = operation.kind
            let yaml = "group: \"\(kind.group)\"\nkind: \(kind.kind)\nversion: \(kind.version)\n"
            // NamedAny {name: 1, value: Any {yaml: 2}}.
            var any = ProtoWriter()
            any.string(2, yaml)
            var named = ProtoWriter()
            named.string(1, "x-kubernetes-group-version-kind")
            named.field(2, any.bytes)
            // Operation {operation_id: 5, parameters: 8, vendor_extension: 13}.
            var patch = ProtoWriter()
            patch.string(5, "patch\(kind.kind)")
            patch.field(8, parameter)
            patch.field(13, named.bytes)
            // NamedPathItem {name: 1, value: PathItem {patch: 8}} in Paths.path (2).
            var item = ProtoWriter()
            item.string(1, operation.path)
            item.field(2, ProtoWriter.message(8, patch.bytes))
            paths.field(2, item.bytes)
        }
        var info = ProtoWriter()
        info.string(1, "Kubernetes")
        info.string(2, version)
        var document = ProtoWriter()
        document.string(1, "2.0")
        document.field(2, info.bytes)
        document.field(8, paths.bytes)
        return document.bytes
    }
}

/// Writes protobuf fields: varint keys, length-delimited strings and messages.
struct ProtoWriter {
    private(set) var bytes: [UInt8] = []

    mutating func string(_ number: Int, _ text: String) {
        field(number, Array(text.utf8))
    }

    mutating func field(_ number: Int, _ payload: [UInt8]) {
        varint(UInt64(number << 3 | 2))
        varint(UInt64(payload.count))
        bytes += payload
    }

    /// A message holding one length-delimited field.
    static func message(_ number: Int, _ payload: [UInt8]) -> [UInt8] {
        var writer = ProtoWriter()
        writer.field(number, payload)
        return writer.bytes
    }

    private mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }
}
