import Foundation
import NIOCore

/// JSON settings shared by the Mesos-style APIs, and body decoding that fails with a readable 400.
public enum MesosJSON {
    /// A fresh encoder: compact output, `/` left unescaped (Mesos and most clients never escape it),
    /// infinities written the way stout's JSON parser reads them back.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }

    /// A fresh decoder that, like stout, accepts "Infinity"/"-Infinity" for doubles.
    public static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return decoder
    }

    /// Encodes `value` to JSON bytes.
    public static func encode<T: Encodable>(_ value: T) throws -> ByteBuffer {
        ByteBuffer(bytes: try self.encoder.encode(value))
    }

    /// Encodes `value` to JSON bytes.
    public static func encodeBytes<T: Encodable>(_ value: T) throws -> [UInt8] {
        Array(try self.encoder.encode(value))
    }

    /// Decodes a request body; failures become `400 Bad Request` with a message naming the field,
    /// e.g. "Failed to parse body: missing key 'subscribe.framework_info.name'".
    public static func decode<T: Decodable>(_ type: T.Type, from body: ByteBuffer) throws(HTTPError) -> T {
        try self.decode(type, from: Data(body.readableBytesView))
    }

    /// Decodes a request body; see `decode(_:from:)` for `ByteBuffer`.
    public static func decode<T: Decodable>(_ type: T.Type, from body: [UInt8]) throws(HTTPError) -> T {
        try self.decode(type, from: Data(body))
    }

    /// Decodes a request body; see `decode(_:from:)` for `ByteBuffer`.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(HTTPError) -> T {
        guard data.contains(where: { !Self.isJSONWhitespace($0) }) else {
            throw HTTPError.badRequest("Failed to parse body: the body is empty")
        }
        do {
            return try self.decoder.decode(type, from: data)
        } catch let error as DecodingError {
            throw HTTPError.badRequest("Failed to parse body: \(self.describe(error))")
        } catch let error as HTTPError {
            // Model types may validate in init(from:) and throw an HTTPError themselves.
            throw error
        } catch {
            throw HTTPError.badRequest("Failed to parse body: \(error)")
        }
    }

    /// A one-line, user-facing description of a decoding failure with its field path.
    public static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing key '\(self.path(context.codingPath + [key]))'"
        case .valueNotFound(let type, let context):
            return "missing value for '\(self.path(context.codingPath))' (expected \(self.jsonKind(type)))"
        case .typeMismatch(let type, let context):
            return "expected \(self.jsonKind(type)) at '\(self.path(context.codingPath))'"
        case .dataCorrupted(let context):
            let detail = self.underlyingDetail(context)
            if context.codingPath.isEmpty {
                return "invalid JSON: \(detail)"
            }
            return "invalid value at '\(self.path(context.codingPath))': \(detail)"
        @unknown default:
            return "\(error)"
        }
    }

    /// Renders a coding path as `a.b[2].c`; the empty path is shown as `<root>`.
    public static func path(_ codingPath: [any CodingKey]) -> String {
        var result = ""
        for key in codingPath {
            if let index = key.intValue, key.stringValue.hasPrefix("Index ") || key.stringValue == "\(index)" {
                result += "[\(index)]"
            } else {
                result += result.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return result.isEmpty ? "<root>" : result
    }

    private static func jsonKind(_ type: Any.Type) -> String {
        let name = String(describing: type)
        switch name {
        case "String", "Substring", "Character": return "a string"
        case "Bool": return "a boolean"
        case "Int", "Int8", "Int16", "Int32", "Int64", "UInt", "UInt8", "UInt16", "UInt32", "UInt64":
            return "an integer"
        case "Double", "Float", "Decimal": return "a number"
        default:
            if name.hasPrefix("Array<") || name.hasPrefix("[") { return "an array" }
            if name.hasPrefix("Dictionary<") { return "an object" }
            return name
        }
    }

    private static func underlyingDetail(_ context: DecodingError.Context) -> String {
        if let underlying = context.underlyingError {
            let nsError = underlying as NSError
            if let detail = nsError.userInfo[NSDebugDescriptionErrorKey] as? String {
                return "\(context.debugDescription) \(detail)"
            }
        }
        return context.debugDescription
    }

    private static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
