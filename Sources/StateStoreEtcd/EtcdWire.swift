import Foundation
import StateStore

// The messages of etcd's v3 API in the JSON form its gRPC gateway speaks (proto3 JSON: bytes
// as base64, int64 as decimal strings, fields left out when they hold their zero value).
// Field names are the .proto ones (the gateway is configured with original names).

/// etcd numbers its empty keyspace revision 1, the store protocol numbers it 0: every revision
/// crossing the driver's boundary is shifted by one, so that revisions mean the same thing with
/// every driver (a fresh store is at 0, the first write is revision 1).
enum EtcdRevision {
    static func fromEtcd(_ revision: Int64) -> Int64 { revision - 1 }
    static func toEtcd(_ revision: Int64) -> Int64 { revision + 1 }
}

extension KeyedDecodingContainer {
    /// An int64 sent as a string (as etcd does) or as a number; absent means zero.
    func int64(_ key: Key) throws -> Int64 {
        if let text = try? decodeIfPresent(String.self, forKey: key) {
            guard let value = Int64(text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "not an int64: \(text)")
            }
            return value
        }
        return try decodeIfPresent(Int64.self, forKey: key) ?? 0
    }

    /// Base64 bytes; absent means empty.
    func bytes(_ key: Key) throws -> Data {
        guard let text = try decodeIfPresent(String.self, forKey: key) else { return Data() }
        guard let data = Data(base64Encoded: text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "not base64")
        }
        return data
    }
}

struct WireHeader: Decodable {
    var revision: Int64
    enum CodingKeys: String, CodingKey { case revision }
    init(from decoder: any Decoder) throws {
        revision = try decoder.container(keyedBy: CodingKeys.self).int64(.revision)
    }
}

struct WireKeyValue: Decodable {
    var key: Data
    var value: Data
    var createRevision: Int64
    var modRevision: Int64
    var version: Int64
    var lease: Int64

    enum CodingKeys: String, CodingKey {
        case key, value, version, lease
        case createRevision = "create_revision"
        case modRevision = "mod_revision"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key = try c.bytes(.key)
        value = try c.bytes(.value)
        createRevision = try c.int64(.createRevision)
        modRevision = try c.int64(.modRevision)
        version = try c.int64(.version)
        lease = try c.int64(.lease)
    }

    var storeValue: KeyValue {
        KeyValue(
            key: String(decoding: key, as: UTF8.self), value: value,
            createRevision: EtcdRevision.fromEtcd(createRevision), modRevision: EtcdRevision.fromEtcd(modRevision),
            version: version, lease: lease == 0 ? nil : lease)
    }
}

struct RangeResponse: Decodable {
    var header: WireHeader
    var kvs: [WireKeyValue]
    var more: Bool

    enum CodingKeys: String, CodingKey { case header, kvs, more }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        header = try c.decode(WireHeader.self, forKey: .header)
        kvs = try c.decodeIfPresent([WireKeyValue].self, forKey: .kvs) ?? []
        more = try c.decodeIfPresent(Bool.self, forKey: .more) ?? false
    }
}

struct PutResponse: Decodable {
    var header: WireHeader
    var prevKV: WireKeyValue?
    enum CodingKeys: String, CodingKey {
        case header
        case prevKV = "prev_kv"
    }
}

struct DeleteRangeResponse: Decodable {
    var header: WireHeader
    var prevKVs: [WireKeyValue]
    enum CodingKeys: String, CodingKey {
        case header
        case prevKVs = "prev_kvs"
    }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        header = try c.decode(WireHeader.self, forKey: .header)
        prevKVs = try c.decodeIfPresent([WireKeyValue].self, forKey: .prevKVs) ?? []
    }
}

struct TxnResponse: Decodable {
    struct Op: Decodable {
        var range: RangeResponse?
        var put: PutResponse?
        var deleteRange: DeleteRangeResponse?
        enum CodingKeys: String, CodingKey {
            case range = "response_range"
            case put = "response_put"
            case deleteRange = "response_delete_range"
        }
    }

    var header: WireHeader
    var succeeded: Bool
    var responses: [Op]

    enum CodingKeys: String, CodingKey { case header, succeeded, responses }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        header = try c.decode(WireHeader.self, forKey: .header)
        succeeded = try c.decodeIfPresent(Bool.self, forKey: .succeeded) ?? false
        responses = try c.decodeIfPresent([Op].self, forKey: .responses) ?? []
    }
}

struct LeaseGrantResponse: Decodable {
    var id: Int64
    var ttl: Int64
    enum CodingKeys: String, CodingKey {
        case id = "ID"
        case ttl = "TTL"
    }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.int64(.id)
        ttl = try c.int64(.ttl)
    }
}

/// A streamed response: the gateway wraps every message of a server stream in `result`.
struct StreamedMessage<Message: Decodable>: Decodable {
    var result: Message?
    var error: GatewayError?
}

struct WatchResponse: Decodable {
    struct Event: Decodable {
        var isDelete: Bool
        var kv: WireKeyValue
        var prevKV: WireKeyValue?
        enum CodingKeys: String, CodingKey {
            case type, kv
            case prevKV = "prev_kv"
        }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            isDelete = try c.decodeIfPresent(String.self, forKey: .type) == "DELETE"
            kv = try c.decode(WireKeyValue.self, forKey: .kv)
            prevKV = try c.decodeIfPresent(WireKeyValue.self, forKey: .prevKV)
        }

        var storeEvent: WatchEvent {
            let previous = prevKV?.storeValue
            if isDelete {
                return .delete(
                    key: String(decoding: kv.key, as: UTF8.self), previous: previous,
                    revision: EtcdRevision.fromEtcd(kv.modRevision))
            }
            return .put(kv.storeValue, previous: previous)
        }
    }

    var created: Bool
    var canceled: Bool
    var compactRevision: Int64
    var cancelReason: String
    var events: [Event]

    enum CodingKeys: String, CodingKey {
        case created, canceled, events
        case compactRevision = "compact_revision"
        case cancelReason = "cancel_reason"
    }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        created = try c.decodeIfPresent(Bool.self, forKey: .created) ?? false
        canceled = try c.decodeIfPresent(Bool.self, forKey: .canceled) ?? false
        compactRevision = try c.int64(.compactRevision)
        cancelReason = try c.decodeIfPresent(String.self, forKey: .cancelReason) ?? ""
        events = try c.decodeIfPresent([Event].self, forKey: .events) ?? []
    }
}

/// What the gateway sends instead of a message when the call failed: the gRPC status.
struct GatewayError: Decodable, Error {
    var message: String
    var code: Int
    enum CodingKeys: String, CodingKey { case message, code, error }
    init(message: String, code: Int) {
        self.message = message
        self.code = code
    }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let text = try c.decodeIfPresent(String.self, forKey: .message)
        message = try text ?? c.decodeIfPresent(String.self, forKey: .error) ?? "unknown etcd error"
        code = try c.decodeIfPresent(Int.self, forKey: .code) ?? 2
    }

    /// gRPC UNAVAILABLE: the member cannot serve now (no leader, stopping); another may.
    var isUnavailable: Bool { code == 14 || message.contains("no leader") }
}

// MARK: - Requests

struct RangeRequest: Encodable {
    var key: Data
    var rangeEnd: Data?
    var limit: Int64?
    var revision: Int64?
    var countOnly: Bool?
    enum CodingKeys: String, CodingKey {
        case key, limit, revision
        case rangeEnd = "range_end"
        case countOnly = "count_only"
    }
}

struct PutRequest: Encodable {
    var key: Data
    var value: Data
    var lease: Int64?
    var prevKV: Bool?
    var ignoreLease: Bool?
    enum CodingKeys: String, CodingKey {
        case key, value, lease
        case prevKV = "prev_kv"
        case ignoreLease = "ignore_lease"
    }
}

struct DeleteRangeRequest: Encodable {
    var key: Data
    var prevKV: Bool
    enum CodingKeys: String, CodingKey {
        case key
        case prevKV = "prev_kv"
    }
}

struct Compare: Encodable {
    enum Target: String, Encodable {
        case version = "VERSION"
        case create = "CREATE"
        case mod = "MOD"
    }
    enum Result: String, Encodable {
        case equal = "EQUAL"
        case greater = "GREATER"
    }

    var key: Data
    var target: Target
    var result: Result
    var operand: Int64

    enum CodingKeys: String, CodingKey {
        case key, target, result, version
        case createRevision = "create_revision"
        case modRevision = "mod_revision"
    }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(key, forKey: .key)
        try c.encode(target, forKey: .target)
        try c.encode(result, forKey: .result)
        switch target {
        case .version: try c.encode(String(operand), forKey: .version)
        case .create: try c.encode(String(operand), forKey: .createRevision)
        case .mod: try c.encode(String(operand), forKey: .modRevision)
        }
    }
}

struct RequestOp: Encodable {
    var range: RangeRequest?
    var put: PutRequest?
    var deleteRange: DeleteRangeRequest?
    enum CodingKeys: String, CodingKey {
        case range = "request_range"
        case put = "request_put"
        case deleteRange = "request_delete_range"
    }
}

struct TxnRequest: Encodable {
    var compare: [Compare]
    var success: [RequestOp]
    var failure: [RequestOp]
}

struct LeaseRequest: Encodable {
    var id: Int64?
    var ttl: Int64?
    enum CodingKeys: String, CodingKey {
        case id = "ID"
        case ttl = "TTL"
    }
}

struct CompactionRequest: Encodable {
    var revision: Int64
    var physical: Bool
}

struct WatchCreateRequest: Encodable {
    struct Create: Encodable {
        var key: Data
        var rangeEnd: Data
        var startRevision: Int64
        var prevKV: Bool
        enum CodingKeys: String, CodingKey {
            case key
            case rangeEnd = "range_end"
            case startRevision = "start_revision"
            case prevKV = "prev_kv"
        }
    }
    var create: Create
    enum CodingKeys: String, CodingKey { case create = "create_request" }
}
