import Foundation
import KubeTypes

/// Reads the protobuf bodies kubectl's typed clients send (`kubectl auth can-i`, `kubectl create
/// namespace|configmap|secret`), which do not fall back to JSON. The envelope is `k8s\0` followed by
/// a `runtime.Unknown` {1: typeMeta {1: apiVersion, 2: kind}, 2: raw object}; the object is decoded
/// into JSON with a table of field numbers from upstream's generated.proto for the kinds listed in
/// `messages`. Other kinds get 415 with a pointer to `kubectl apply -f`.
enum ProtobufBodies {
    indirect enum FieldType: Sendable {
        case string
        case int
        case bool
        /// Bytes shown base64-encoded in JSON (Secret data).
        case bytes
        case time
        case message([Int: Field])
        /// map<string, string> or map<string, bytes>.
        case map(FieldType)
    }

    struct Field: Sendable {
        var name: String
        var type: FieldType
        var repeated = false
    }

    static let objectMeta: [Int: Field] = [
        1: Field(name: "name", type: .string), 2: Field(name: "generateName", type: .string),
        3: Field(name: "namespace", type: .string), 5: Field(name: "uid", type: .string),
        6: Field(name: "resourceVersion", type: .string), 7: Field(name: "generation", type: .int),
        8: Field(name: "creationTimestamp", type: .time), 11: Field(name: "labels", type: .map(.string)),
        12: Field(name: "annotations", type: .map(.string)),
        14: Field(name: "finalizers", type: .string, repeated: true),
    ]

    static let messages: [String: [Int: Field]] = [
        "SelfSubjectAccessReview": [
            1: Field(name: "metadata", type: .message(objectMeta)),
            2: Field(
                name: "spec",
                type: .message([
                    1: Field(
                        name: "resourceAttributes",
                        type: .message([
                            1: Field(name: "namespace", type: .string), 2: Field(name: "verb", type: .string),
                            3: Field(name: "group", type: .string), 4: Field(name: "version", type: .string),
                            5: Field(name: "resource", type: .string), 6: Field(name: "subresource", type: .string),
                            7: Field(name: "name", type: .string),
                        ])),
                    2: Field(
                        name: "nonResourceAttributes",
                        type: .message([1: Field(name: "path", type: .string), 2: Field(name: "verb", type: .string)])),
                ])),
        ],
        "Namespace": [
            1: Field(name: "metadata", type: .message(objectMeta)),
            2: Field(name: "spec", type: .message([1: Field(name: "finalizers", type: .string, repeated: true)])),
        ],
        "ConfigMap": [
            1: Field(name: "metadata", type: .message(objectMeta)), 2: Field(name: "data", type: .map(.string)),
            3: Field(name: "binaryData", type: .map(.bytes)), 4: Field(name: "immutable", type: .bool),
        ],
        "Secret": [
            1: Field(name: "metadata", type: .message(objectMeta)), 2: Field(name: "data", type: .map(.bytes)),
            3: Field(name: "type", type: .string), 4: Field(name: "stringData", type: .map(.string)),
            5: Field(name: "immutable", type: .bool),
        ],
    ]

    static let magic: [UInt8] = [0x6B, 0x38, 0x73, 0x00]

    /// The object in a protobuf body, as JSON.
    static func decode(_ bytes: [UInt8]) throws -> JSON {
        guard bytes.count >= 4, Array(bytes.prefix(4)) == magic else {
            throw APIError.badRequest("the protobuf body does not start with the Kubernetes envelope")
        }
        let envelope = try ProtoReader.fields(Array(bytes.dropFirst(4)))
        var apiVersion = ""
        var kind = ""
        var raw: [UInt8] = []
        for (number, value) in envelope {
            switch (number, value) {
            case (1, .bytes(let typeMeta)):
                for (field, entry) in try ProtoReader.fields(typeMeta) {
                    if case .bytes(let text) = entry {
                        if field == 1 { apiVersion = String(decoding: text, as: UTF8.self) }
                        if field == 2 { kind = String(decoding: text, as: UTF8.self) }
                    }
                }
            case (2, .bytes(let body)): raw = body
            default: continue
            }
        }
        guard let schema = messages[kind] else { throw MediaTypes.protobufRefusal }
        var object = try message(raw, schema: schema)
        object["apiVersion"] = .string(apiVersion)
        object["kind"] = .string(kind)
        return object
    }

    static func message(_ bytes: [UInt8], schema: [Int: Field]) throws -> JSON {
        var object = JSON.emptyObject
        for (number, value) in try ProtoReader.fields(bytes) {
            guard let field = schema[number] else { continue }
            let decoded = try self.value(value, type: field.type)
            // Go writes every string field, empty or not; JSON would have left empty ones out.
            if decoded == .string(""), !field.repeated { continue }
            switch field.type {
            case .map:
                guard case .array(let pair) = decoded, pair.count == 2, let key = pair[0].stringValue else { continue }
                var map = object[field.name] ?? .emptyObject
                map[key] = pair[1]
                object[field.name] = map
            default:
                if field.repeated {
                    object[field.name] = .array((object[field.name]?.arrayValue ?? []) + [decoded])
                } else {
                    object[field.name] = decoded
                }
            }
        }
        return object
    }

    static func value(_ value: ProtoReader.Value, type: FieldType) throws -> JSON {
        switch (type, value) {
        case (.string, .bytes(let bytes)): return .string(String(decoding: bytes, as: UTF8.self))
        case (.bytes, .bytes(let bytes)): return .string(Data(bytes).base64EncodedString())
        case (.int, .varint(let number)): return .int(Int64(bitPattern: number))
        case (.bool, .varint(let number)): return .bool(number != 0)
        case (.message(let schema), .bytes(let bytes)): return try message(bytes, schema: schema)
        case (.time, .bytes(let bytes)):
            var seconds: Int64 = 0
            for (field, entry) in try ProtoReader.fields(bytes) {
                if field == 1, case .varint(let number) = entry { seconds = Int64(bitPattern: number) }
            }
            return .string(Timestamp.format(seconds))
        case (.map(let valueType), .bytes(let bytes)):
            var key = ""
            var entryValue: JSON = ""
            for (field, entry) in try ProtoReader.fields(bytes) {
                if field == 1, case .bytes(let text) = entry { key = String(decoding: text, as: UTF8.self) }
                if field == 2 { entryValue = try self.value(entry, type: valueType) }
            }
            return .array([.string(key), entryValue])
        default:
            throw APIError.badRequest("the protobuf body has a field of an unexpected wire type")
        }
    }
}

/// The protobuf wire format: varints, length-delimited fields and fixed-width numbers.
enum ProtoReader {
    enum Value {
        case varint(UInt64)
        case bytes([UInt8])
        case fixed(UInt64)
    }

    static func fields(_ bytes: [UInt8]) throws -> [(Int, Value)] {
        var index = 0
        var result: [(Int, Value)] = []
        while index < bytes.count {
            let key = try varint(bytes, &index)
            let number = Int(key >> 3)
            switch key & 7 {
            case 0: result.append((number, .varint(try varint(bytes, &index))))
            case 1: result.append((number, .fixed(try fixed(bytes, &index, width: 8))))
            case 5: result.append((number, .fixed(try fixed(bytes, &index, width: 4))))
            case 2:
                let length = Int(try varint(bytes, &index))
                guard length >= 0, index + length <= bytes.count else { throw malformed }
                result.append((number, .bytes(Array(bytes[index..<(index + length)]))))
                index += length
            default: throw malformed
            }
        }
        return result
    }

    static let malformed = APIError.badRequest("the protobuf body is malformed")

    static func varint(_ bytes: [UInt8], _ index: inout Int) throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard index < bytes.count, shift < 64 else { throw malformed }
            let byte = bytes[index]
            index += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    static func fixed(_ bytes: [UInt8], _ index: inout Int, width: Int) throws -> UInt64 {
        guard index + width <= bytes.count else { throw malformed }
        var result: UInt64 = 0
        for offset in 0..<width { result |= UInt64(bytes[index + offset]) << (8 * UInt64(offset)) }
        index += width
        return result
    }
}
