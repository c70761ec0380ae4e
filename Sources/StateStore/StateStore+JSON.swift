import Foundation

/// Typed access for callers that store Codable records (the master's registry, Marathon apps).
extension StateStore {
    /// Decodes the key's value as JSON, or returns nil if the key is absent.
    public func getJSON<T: Decodable>(_ key: String, as type: T.Type = T.self) async throws -> T? {
        guard let kv = try await get(key) else { return nil }
        return try StoreJSON.decode(T.self, from: kv)
    }

    /// Encodes `value` as JSON (keys sorted, so equal values give equal bytes) and writes it.
    /// `expectedModRevision` has the meaning it has for `update`; nil means an unconditional put.
    @discardableResult
    public func putJSON<T: Encodable>(
        _ key: String, _ value: T, expectedModRevision: Int64? = nil
    ) async throws -> KeyValue {
        try await update(key, value: StoreJSON.encode(value), expectedModRevision: expectedModRevision)
    }

    /// Encodes `value` as JSON and creates the key (`keyExists` if present).
    @discardableResult
    public func createJSON<T: Encodable>(_ key: String, _ value: T, lease: Int64? = nil) async throws -> KeyValue {
        try await create(key, value: StoreJSON.encode(value), lease: lease)
    }
}

/// The JSON settings the typed helpers use, exposed so that callers decoding listed values agree.
public enum StoreJSON {
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(value)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from kv: KeyValue) throws -> T {
        try JSONDecoder().decode(T.self, from: kv.value)
    }
}
