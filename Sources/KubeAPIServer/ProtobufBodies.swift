import Foundation
import KubeTypes

/// Reads the protobuf bodies kubectl's typed clients send, which never fall back to JSON: `kubectl
/// create deployment|service|job|cronjob|namespace|configmap|secret|serviceaccount`, `create job
/// --from=cronjob/x`, `autoscale` and `auth can-i`; also Eviction and DeleteOptions from client-go
/// clientsets set to protobuf (kubectl 1.37's `drain` sends those in JSON). The envelope
/// is `k8s\0` followed by a `runtime.Unknown` {1: typeMeta {1: apiVersion, 2: kind}, 2: raw object};
/// the object is turned into the JSON kubectl would have sent, using tables of upstream's
/// generated.proto field numbers (ProtobufMessages*.swift). Kinds without a table, and any field
/// number a table lacks, get 415 with a pointer to `kubectl apply -f` rather than being dropped
/// silently: a dropped field would create an object that differs from what the user asked for.
enum ProtobufBodies {
    indirect enum FieldType: Sendable {
        case string
        /// Any varint integer (int32 and int64; negative int32 values arrive sign-extended).
        case int
        case bool
        /// Bytes shown base64-encoded in JSON (Secret data).
        case bytes
        /// metav1.Time {1: seconds, 2: nanos}; the zero time is an empty message and means unset.
        case time
        /// resource.Quantity {1: string}, shown as its string.
        case quantity
        /// intstr.IntOrString {1: type, 2: intVal, 3: strVal}, shown as a JSON number or string.
        case intOrString
        /// A nested message, by its name in `ProtobufMessages.all`.
        case message(String)
        /// map<string, T>, encoded as repeated {1: key, 2: value} entries.
        case map(FieldType)
    }

    /// One field of a message table.
    struct Field: Sendable {
        var name: String
        var type: FieldType
        var repeated = false
        /// A Go pointer: written only when set, so its zero value (`replicas: 0`) is meaningful
        /// and kept. Go writes every other scalar even when zero, where kubectl's JSON would have
        /// left the omitempty ones out, so their zero values are dropped.
        var pointer = false
        /// A Go struct embedded with `json:",inline"`: its fields belong to the enclosing object.
        var inline = false
        /// Set for a field this server deliberately does not read from protobuf: why.
        var refusal: String?
    }

    typealias Message = [Int: Field]

    static let magic: [UInt8] = [0x6B, 0x38, 0x73, 0x00]

    /// The object in a protobuf body, as JSON.
    static func decode(_ bytes: [UInt8]) throws -> JSON {
        guard bytes.count >= 4, Array(bytes.prefix(4)) == magic else {
            throw APIError.badRequest("the protobuf body does not start with the Kubernetes envelope")
        }
        var apiVersion = ""
        var kind = ""
        var raw: [UInt8] = []
        for (number, value) in try ProtoReader.fields(Array(bytes.dropFirst(4))) {
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
        guard let root = ProtobufMessages.kinds["\(apiVersion)/\(kind)"] else { throw MediaTypes.protobufRefusal }
        var object = try message(raw, named: root, at: "", kind: kind)
        object["apiVersion"] = .string(apiVersion)
        object["kind"] = .string(kind)
        return object
    }

    static func message(_ bytes: [UInt8], named name: String, at path: String, kind: String) throws -> JSON {
        guard let schema = ProtobufMessages.all[name] else {
            throw APIError.internalError("no protobuf table for message \(name)")
        }
        var members: [String: JSON] = [:]
        for (number, value) in try ProtoReader.fields(bytes) {
            guard let field = schema[number] else {
                throw unknownField(number, message: name, at: path, kind: kind)
            }
            let fieldPath = path.isEmpty ? field.name : "\(path).\(field.name)"
            if let refusal = field.refusal {
                throw APIError.unsupportedMediaType(
                    "the protobuf body of this \(kind) sets \(fieldPath), which this server does not read from "
                        + "protobuf (\(refusal)). \(applyAdvice)")
            }
            if field.inline {
                guard case .bytes(let inner) = value, case .message(let innerName) = field.type else {
                    throw wrongWireType(number, message: name)
                }
                let embedded = try message(inner, named: innerName, at: path, kind: kind)
                for (key, member) in embedded.objectValue ?? [:] { members[key] = member }
                continue
            }
            switch field.type {
            case .map(let valueType):
                let (key, entry) = try mapEntry(value, valueType: valueType, at: fieldPath, kind: kind)
                var map = members[field.name]?.objectValue ?? [:]
                map[key] = entry
                members[field.name] = .object(map)
            default:
                if field.repeated {
                    let index = members[field.name]?.arrayValue?.count ?? 0
                    let items = try repeatedValues(value, field: field, at: "\(fieldPath)[\(index)]", kind: kind)
                    members[field.name] = .array((members[field.name]?.arrayValue ?? []) + items)
                } else if let decoded = try self.value(value, field: field, at: fieldPath, kind: kind) {
                    members[field.name] = decoded
                }
            }
        }
        return .object(members)
    }

    /// One field's value, or nil for a zero scalar that kubectl's JSON would have omitted.
    static func value(_ value: ProtoReader.Value, field: Field, at path: String, kind: String) throws -> JSON? {
        let keepZero = field.pointer || field.repeated
        switch (field.type, value) {
        case (.string, .bytes(let bytes)):
            if bytes.isEmpty && !keepZero { return nil }
            return .string(String(decoding: bytes, as: UTF8.self))
        case (.bytes, .bytes(let bytes)):
            return .string(Data(bytes).base64EncodedString())
        case (.int, .varint(let number)):
            // Int64(bitPattern:) also undoes the 10-byte sign extension of negative int32 values.
            if number == 0 && !keepZero { return nil }
            return .int(Int64(bitPattern: number))
        case (.bool, .varint(let number)):
            if number == 0 && !keepZero { return nil }
            return .bool(number != 0)
        case (.time, .bytes(let bytes)):
            return try time(bytes)
        case (.quantity, .bytes(let bytes)):
            let text = try quantity(bytes)
            if (text.isEmpty || text == "0") && !keepZero { return nil }
            return .string(text)
        case (.intOrString, .bytes(let bytes)):
            let decoded = try intOrString(bytes)
            if (decoded == .int(0) || decoded == .string("")) && !keepZero { return nil }
            return decoded
        case (.message(let name), .bytes(let bytes)):
            return try message(bytes, named: name, at: path, kind: kind)
        default:
            throw APIError.badRequest(
                "the protobuf body is malformed: \(path) has an unexpected wire type for its field type")
        }
    }

    /// The items one occurrence of a repeated field carries: one, or several for packed numbers.
    static func repeatedValues(
        _ value: ProtoReader.Value, field: Field, at path: String, kind: String
    ) throws
        -> [JSON]
    {
        switch (field.type, value) {
        case (.int, .bytes(let packed)), (.bool, .bytes(let packed)):
            var index = 0
            var items: [JSON] = []
            while index < packed.count {
                let number = try ProtoReader.varint(packed, &index)
                if case .bool = field.type {
                    items.append(.bool(number != 0))
                } else {
                    items.append(.int(Int64(bitPattern: number)))
                }
            }
            return items
        default:
            return try self.value(value, field: field, at: path, kind: kind).map { [$0] } ?? []
        }
    }

    static func mapEntry(
        _ value: ProtoReader.Value, valueType: FieldType, at path: String, kind: String
    ) throws
        -> (String, JSON)
    {
        guard case .bytes(let bytes) = value else {
            throw APIError.badRequest("the protobuf body is malformed: \(path) is not a map entry")
        }
        var key = ""
        var entry: JSON?
        let valueField = Field(name: "", type: valueType, pointer: true)
        for (number, item) in try ProtoReader.fields(bytes) {
            switch (number, item) {
            case (1, .bytes(let text)): key = String(decoding: text, as: UTF8.self)
            case (2, _): entry = try self.value(item, field: valueField, at: "\(path)[\(key)]", kind: kind)
            default: throw APIError.badRequest("the protobuf body is malformed: \(path) has a bad map entry")
            }
        }
        // Go writes key and value even when empty; a missing value is the type's zero.
        switch valueType {
        case .quantity: return (key, entry ?? "0")
        case .int: return (key, entry ?? 0)
        case .message: return (key, entry ?? .emptyObject)
        case .time: return (key, entry ?? .null)
        default: return (key, entry ?? "")
        }
    }

    static func time(_ bytes: [UInt8]) throws -> JSON? {
        var seconds: Int64 = 0
        var nanos: Int64 = 0
        for (field, entry) in try ProtoReader.fields(bytes) {
            guard case .varint(let number) = entry else { throw ProtoReader.malformed }
            if field == 1 { seconds = Int64(bitPattern: number) }
            if field == 2 { nanos = Int64(bitPattern: number) }
        }
        // Go marshals the zero time as an empty message; kubectl's JSON has null there.
        if seconds == 0 && nanos == 0 { return nil }
        return .string(Timestamp.format(seconds))
    }

    static func quantity(_ bytes: [UInt8]) throws -> String {
        var text = ""
        for (field, entry) in try ProtoReader.fields(bytes) {
            guard field == 1, case .bytes(let value) = entry else { throw ProtoReader.malformed }
            text = String(decoding: value, as: UTF8.self)
        }
        return text
    }

    static func intOrString(_ bytes: [UInt8]) throws -> JSON {
        var type: UInt64 = 0
        var number: UInt64 = 0
        var text = ""
        for (field, entry) in try ProtoReader.fields(bytes) {
            switch (field, entry) {
            case (1, .varint(let value)): type = value
            case (2, .varint(let value)): number = value
            case (3, .bytes(let value)): text = String(decoding: value, as: UTF8.self)
            default: throw ProtoReader.malformed
            }
        }
        return type == 1 ? .string(text) : .int(Int64(Int32(truncatingIfNeeded: Int64(bitPattern: number))))
    }

    static let applyAdvice =
        "Write the object as YAML and use 'kubectl apply -f', or add '--dry-run=client -o yaml | kubectl apply -f -'"

    static func unknownField(_ number: Int, message: String, at path: String, kind: String) -> APIError {
        APIError.unsupportedMediaType(
            "the protobuf body of this \(kind) has field number \(number) of \(message) "
                + "(at \(path.isEmpty ? "the top level" : path)), which this server does not decode from protobuf; "
                + "it refuses the body rather than drop the field. \(applyAdvice)")
    }

    static func wrongWireType(_ number: Int, message: String) -> APIError {
        APIError.badRequest("the protobuf body is malformed: field \(number) of \(message) has the wrong wire type")
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
            guard number > 0 else { throw malformed }
            switch key & 7 {
            case 0: result.append((number, .varint(try varint(bytes, &index))))
            case 1: result.append((number, .fixed(try fixed(bytes, &index, width: 8))))
            case 5: result.append((number, .fixed(try fixed(bytes, &index, width: 4))))
            case 2:
                let length = try varint(bytes, &index)
                guard length <= UInt64(bytes.count - index) else { throw malformed }
                let end = index + Int(length)
                result.append((number, .bytes(Array(bytes[index..<end]))))
                index = end
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

/// Writes the protobuf wire format (the server answers kubectl's `/openapi/v2` request in it).
struct ProtoWriter {
    var bytes: [UInt8] = []

    static func varint(_ value: UInt64) -> [UInt8] {
        var rest = value
        var out: [UInt8] = []
        while rest >= 0x80 {
            out.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        out.append(UInt8(rest))
        return out
    }

    /// A varint field; negative numbers take ten bytes, as Go writes int32 and int64 alike.
    mutating func int(_ field: Int, _ value: Int64) {
        bytes += Self.varint(UInt64(field << 3)) + Self.varint(UInt64(bitPattern: value))
    }

    mutating func bool(_ field: Int, _ value: Bool) { int(field, value ? 1 : 0) }

    /// A length-delimited field.
    mutating func raw(_ field: Int, _ payload: [UInt8]) {
        bytes += Self.varint(UInt64(field << 3 | 2)) + Self.varint(UInt64(payload.count)) + payload
    }

    mutating func string(_ field: Int, _ text: String) { raw(field, Array(text.utf8)) }

    /// A nested message, written by `build`.
    mutating func message(_ field: Int, _ build: (inout ProtoWriter) -> Void = { _ in }) {
        var inner = ProtoWriter()
        build(&inner)
        raw(field, inner.bytes)
    }
}
