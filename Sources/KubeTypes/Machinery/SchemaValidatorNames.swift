/// How upstream's Go decoder names types and values in its error messages, so that type mismatches
/// on built-in kinds read the same as from a real API server.
enum GoNames {
    /// `DeploymentSpec` for `io.k8s.api.apps.v1.DeploymentSpec`.
    static func shortName(_ definition: String) -> String {
        String(definition.split(separator: ".").last ?? Substring(definition))
    }

    /// `v1.DeploymentSpec`: package and type, as Go prints a named type.
    static func packageQualified(_ definition: String) -> String {
        let parts = definition.split(separator: ".")
        return parts.count >= 2 ? parts.suffix(2).joined(separator: ".") : definition
    }

    /// The Go type a schema type decodes into. Int-or-string reports `int32`, because its decoder
    /// falls back to an integer for anything that is not a string.
    static func typeName(_ type: SchemaType) -> String {
        switch type {
        case .string: "string"
        case .integer(let format): format == "int32" ? "int32" : "int64"
        case .number: "float64"
        case .boolean: "bool"
        case .intOrString: "int32"
        case .quantity: "resource.Quantity"
        case .time: "v1.Time"
        case .microTime: "v1.MicroTime"
        case .bytes: "[]uint8"
        case .ref(let name): packageQualified(name)
        case .array(let element): "[]" + typeName(element)
        case .map(let element): "map[string]" + typeName(element)
        case .any: "interface {}"
        }
    }

    /// What Go calls the offending JSON value; numbers that do not fit an integer are quoted literally
    /// (`number 3.5`), as the decoder does.
    static func valueKind(_ value: JSON, for expected: SchemaType) -> String {
        let integerTarget: Bool
        switch expected {
        case .integer, .intOrString: integerTarget = true
        default: integerTarget = false
        }
        switch value {
        case .null: return "null"
        case .bool: return "bool"
        case .int(let number): return integerTarget ? "number \(number)" : "number"
        case .double: return integerTarget ? "number " + value.serialized() : "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// The OpenAPI type name a custom resource schema would state for the type.
    static func openAPITypeName(_ type: SchemaType) -> String {
        switch type {
        case .string, .time, .microTime, .bytes: "string"
        case .integer: "integer"
        case .number: "number"
        case .boolean: "boolean"
        case .intOrString: "integer or string"
        case .quantity: "integer or string"
        case .array: "array"
        case .ref, .map, .any: "object"
        }
    }
}

/// Validity of standard, padded base64 as Go's decoder checks it (line breaks are ignored).
enum Base64Check {
    /// Index of the first byte that makes `text` invalid, nil when it decodes.
    static func firstIllegalByte(_ text: String) -> Int? {
        var count = 0
        var padding = 0
        var firstPadding = 0
        for (index, byte) in text.utf8.enumerated() {
            if byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") { continue }
            if byte == UInt8(ascii: "=") {
                if padding == 0 { firstPadding = index }
                padding += 1
                if padding > 2 || count % 4 < 2 { return index }
            } else {
                if padding > 0 || !isAlphabet(byte) { return index }
                count += 1
            }
        }
        if padding > 0 { return (count + padding) % 4 == 0 ? nil : firstPadding }
        return count % 4 == 0 ? nil : count - count % 4
    }

    static func isAlphabet(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: "/")
    }
}
