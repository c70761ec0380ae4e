/// One validation failure, shaped like upstream's `field.Error`: the API server turns a list of
/// them into a 422 Invalid Status whose `details.causes` carry reason, field and message.
public struct FieldError: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case required = "FieldValueRequired"
        case invalid = "FieldValueInvalid"
        case duplicate = "FieldValueDuplicate"
        case notSupported = "FieldValueNotSupported"
        case forbidden = "FieldValueForbidden"
        case tooLong = "FieldValueTooLong"
        case tooMany = "FieldValueTooMany"
        case typeInvalid = "FieldValueTypeInvalid"
        case notFound = "FieldValueNotFound"

        /// The phrase upstream puts between field and detail.
        var phrase: String {
            switch self {
            case .required: "Required value"
            case .invalid: "Invalid value"
            case .duplicate: "Duplicate value"
            case .notSupported: "Unsupported value"
            case .forbidden: "Forbidden"
            case .tooLong: "Too long"
            case .tooMany: "Too many"
            case .typeInvalid: "Invalid value"
            case .notFound: "Not found"
            }
        }
    }

    public var kind: Kind
    /// Dotted path with list indices: `spec.template.spec.containers[0].image`.
    public var field: String
    public var badValue: JSON?
    public var detail: String

    public init(_ kind: Kind, _ field: String, _ badValue: JSON? = nil, _ detail: String = "") {
        self.kind = kind
        self.field = field
        self.badValue = badValue
        self.detail = detail
    }

    public static func required(_ field: String, _ detail: String = "") -> FieldError {
        FieldError(.required, field, nil, detail)
    }

    public static func invalid(_ field: String, _ value: JSON?, _ detail: String) -> FieldError {
        FieldError(.invalid, field, value, detail)
    }

    public static func notSupported(_ field: String, _ value: JSON?, _ supported: [String]) -> FieldError {
        FieldError(
            .notSupported, field, value, "supported values: " + supported.map { "\"\($0)\"" }.joined(separator: ", "))
    }

    public static func forbidden(_ field: String, _ detail: String) -> FieldError {
        FieldError(.forbidden, field, nil, detail)
    }

    public static func duplicate(_ field: String, _ value: JSON?) -> FieldError {
        FieldError(.duplicate, field, value, "")
    }

    /// The cause message, without the field: `Invalid value: -1: must be greater than or equal to 0`.
    public var message: String {
        var text = kind.phrase
        if let badValue, kind != .required, kind != .forbidden {
            text += ": " + Self.render(badValue)
        }
        if !detail.isEmpty { text += ": " + detail }
        return text
    }

    /// `spec.replicas: Invalid value: -1: must be greater than or equal to 0`.
    public var description: String { field.isEmpty ? message : "\(field): \(message)" }

    static func render(_ value: JSON) -> String {
        switch value {
        case .string(let text): "\"\(text)\""
        case .null: "null"
        default: value.serialized()
        }
    }
}

/// Builds field paths the way upstream prints them.
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    public private(set) var text: String

    public init(_ text: String = "") {
        self.text = text
    }

    public func child(_ name: String) -> FieldPath {
        FieldPath(text.isEmpty ? name : text + "." + name)
    }

    public func index(_ position: Int) -> FieldPath {
        FieldPath(text + "[\(position)]")
    }

    public func key(_ key: String) -> FieldPath {
        FieldPath(text + "[\(key)]")
    }

    public var description: String { text }
}
