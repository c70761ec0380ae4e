/// A JSON object key known only at run time; lets models decode the fields they know and keep
/// the rest (`unknownFields`) so a message reaches the other side as the framework sent it.
struct WireKey: CodingKey, Hashable, ExpressibleByStringLiteral {
    var stringValue: String
    var intValue: Int? { nil }

    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
    init(stringLiteral value: String) { self.stringValue = value }
}

extension KeyedDecodingContainer where K == WireKey {
    /// The value at `key`, nil when absent or JSON null.
    func field<T: Decodable>(_ key: String) throws -> T? {
        try decodeIfPresent(T.self, forKey: WireKey(stringValue: key))
    }

    /// Every field whose key is not in `known`, kept verbatim.
    func unknownFields(known: Set<String>) throws -> [String: JSONValue] {
        var fields: [String: JSONValue] = [:]
        for key in allKeys where !known.contains(key.stringValue) {
            fields[key.stringValue] = try decode(JSONValue.self, forKey: key)
        }
        return fields
    }
}

extension KeyedEncodingContainer where K == WireKey {
    /// Writes `value` at `key` unless it is nil.
    mutating func field<T: Encodable>(_ value: T?, _ key: String) throws {
        try encodeIfPresent(value, forKey: WireKey(stringValue: key))
    }

    /// Writes the fields a model kept without interpreting them.
    mutating func unknownFields(_ fields: [String: JSONValue]) throws {
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            try encode(value, forKey: WireKey(stringValue: key))
        }
    }
}

/// A protobuf enum carried by name. Unknown names decode (and round-trip) rather than fail, so
/// the master can refuse them with a TASK_ERROR that names the value.
public protocol WireEnum: RawRepresentable, Codable, Hashable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible
where RawValue == String {
    init(rawValue: String)
}

extension WireEnum {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public var description: String { rawValue }
}
