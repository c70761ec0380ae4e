import Foundation
import HTTPSupport
import KubeTypes
import Yams

/// Content negotiation: what a client accepts (plain JSON, a server-side Table, metadata only) and
/// how a request body is read (JSON, YAML, and protobuf for the kinds `ProtobufBodies` has tables for).
enum MediaTypes {
    enum ResponseShape: Equatable {
        case object
        case table
        case partialMetadata
    }

    struct MediaRange {
        var type: String
        var parameters: [String: String]
    }

    static func parseAccept(_ header: String) -> [MediaRange] {
        header.split(separator: ",").map { part in
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            var parameters: [String: String] = [:]
            for piece in pieces.dropFirst() {
                let pair = piece.split(separator: "=", maxSplits: 1).map(String.init)
                if pair.count == 2 { parameters[pair[0].lowercased()] = pair[1] }
            }
            return MediaRange(type: pieces.first?.lowercased() ?? "", parameters: parameters)
        }
    }

    static func wantsAggregatedDiscovery(_ accept: String) -> Bool {
        parseAccept(accept).contains {
            $0.parameters["as"] == "APIGroupDiscoveryList" && $0.parameters["g"] == "apidiscovery.k8s.io"
                && $0.parameters["v"] == "v2"
        }
    }

    /// The first acceptable shape in the client's order of preference; 406 when nothing is.
    static func responseShape(_ accept: String?) throws -> ResponseShape {
        guard let accept, !accept.isEmpty else { return .object }
        for range in parseAccept(accept) {
            switch range.type {
            case "application/json", "application/*", "*/*":
                switch range.parameters["as"] {
                case nil: return .object
                case "Table" where range.parameters["g"] == "meta.k8s.io": return .table
                case "PartialObjectMetadata", "PartialObjectMetadataList":
                    if range.parameters["g"] == "meta.k8s.io" { return .partialMetadata }
                default: continue
                }
            case "application/yaml", "application/vnd.kubernetes.protobuf", "application/cbor":
                // Answered in JSON when the client also accepts it; kubectl always does.
                continue
            default:
                continue
            }
        }
        throw APIError.notAcceptable(
            "only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io, application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io"
        )
    }

    /// Reads a create/update body. The Python client sends no Content-Type on POST: that is JSON.
    static func decodeBody(_ request: HTTPRequest) throws -> (object: JSON, duplicates: [String]) {
        let contentType =
            (request.headers.first(name: "Content-Type") ?? "application/json")
            .split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch contentType {
        case "", "application/json", "*/*":
            return try decodeJSON(request.bodyBytes)
        case "application/yaml", "application/x-yaml", "text/yaml":
            return (try decodeYAML(request.bodyString), [])
        case "application/vnd.kubernetes.protobuf":
            return (try ProtobufBodies.decode(request.bodyBytes), [])
        default:
            throw APIError.unsupportedMediaType(
                "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml"
            )
        }
    }

    static let protobufRefusal = APIError.unsupportedMediaType(
        "the body of the request was in protobuf, which this server reads only for "
            + ProtobufMessages.decodedKindsText + " (it answers in JSON). "
            + ProtobufBodies.applyAdvice)

    static func decodeJSON(_ bytes: [UInt8]) throws -> (object: JSON, duplicates: [String]) {
        guard !bytes.isEmpty else { throw APIError.badRequest("the body of the request is empty") }
        var reader = JSONReader(bytes: bytes)
        do {
            let object = try reader.readDocument()
            return (object, reader.duplicateFields)
        } catch let error as JSONSyntaxError {
            throw APIError.badRequest("the body of the request could not be decoded: \(error)")
        }
    }

    /// YAML to JSON, resolving scalars as YAML 1.1 does for Kubernetes manifests (ints, floats,
    /// booleans, null), so `replicas: 3` is an integer and `"3"` stays a string.
    static func decodeYAML(_ text: String) throws -> JSON {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw APIError.badRequest("the body of the request could not be decoded as YAML: \(error)")
        }
        guard let node else { throw APIError.badRequest("the body of the request is empty") }
        return try json(from: node)
    }

    static func json(from node: Node) throws -> JSON {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                if let value = node.null, value == NSNull() { return .null }
                if let value = node.bool { return .bool(value) }
                if let value = node.int { return .int(Int64(value)) }
                if let value = node.float, scalar.string.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
                    return .double(value)
                }
            }
            return .string(scalar.string)
        case .sequence(let sequence):
            return .array(try sequence.map { try json(from: $0) })
        case .mapping(let mapping):
            var members: [String: JSON] = [:]
            for (key, value) in mapping {
                guard let name = key.string else { throw APIError.badRequest("YAML map keys must be strings") }
                members[name] = try json(from: value)
            }
            return .object(members)
        case .alias:
            throw APIError.badRequest("YAML aliases are not supported in request bodies")
        }
    }
}
