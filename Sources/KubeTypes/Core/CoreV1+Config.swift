/// Strategies of config maps, secrets and service accounts.
extension CoreV1 {
    /// Upstream's limit on the total data of a config map or secret.
    static let maxDataSize = 1024 * 1024

    static let configMapStrategy = ResourceStrategy(
        validateCreate: validateConfigMap,
        validateUpdate: { new, old in
            validateConfigMap(new) + validateImmutableData(new, old, keys: ["data", "binaryData"])
        },
        table: CoreV1Printers.configMaps,
        tracksGeneration: false
    )

    static let secretStrategy = ResourceStrategy(
        applyDefaults: { secret in
            CoreSupport.setDefault(&secret, "type", "Opaque")
            mergeStringData(&secret)
        },
        validateCreate: validateSecret,
        validateUpdate: { new, old in
            var errors = validateSecret(new)
            let newType = new["type"]?.stringValue ?? ""
            if newType != (old["type"]?.stringValue ?? "") {
                errors.append(.invalid("type", .string(newType), "field is immutable"))
            }
            return errors + validateImmutableData(new, old, keys: ["data"])
        },
        fieldLabels: ["type": { $0["type"]?.stringValue ?? "" }],
        table: CoreV1Printers.secrets,
        tracksGeneration: false
    )

    static let serviceAccountStrategy = ResourceStrategy(
        table: CoreV1Printers.serviceAccounts,
        tracksGeneration: false
    )

    /// `stringData` is a write-only convenience: its values replace those in `data`, base64-encoded.
    static func mergeStringData(_ secret: inout JSON) {
        guard let plain = secret["stringData"]?.objectValue else { return }
        var data = secret["data"]?.objectValue ?? [:]
        for (key, value) in plain {
            data[key] = .string(CoreBase64.encode(Array((value.stringValue ?? "").utf8)))
        }
        secret["data"] = .object(data)
        secret["stringData"] = nil
    }

    /// Upstream's `IsConfigMapKey`.
    static func configKeyProblems(_ key: String) -> [String] {
        var problems: [String] = []
        if key.utf8.count > 253 { problems.append("must be no more than 253 characters") }
        let allowed =
            !key.isEmpty
            && key.utf8.allSatisfy { byte in
                NameRules.isAlphanumeric(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                    || byte == UInt8(ascii: ".")
            }
        if !allowed {
            problems.append(
                "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
                    + "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")
        }
        if key == "." {
            problems.append("must not be '.'")
        } else if key == ".." {
            problems.append("must not be '..'")
        } else if key.hasPrefix("..") {
            problems.append("must not start with '..'")
        }
        return problems
    }

    @Sendable static func validateConfigMap(_ configMap: JSON) -> [FieldError] {
        var errors: [FieldError] = []
        var total = 0
        let data = configMap["data"]?.objectValue ?? [:]
        let binary = configMap["binaryData"]?.objectValue ?? [:]
        for key in data.keys.sorted() {
            errors += configKeyProblems(key).map { .invalid("data[\(key)]", .string(key), $0) }
            if binary[key] != nil {
                errors.append(.invalid("data[\(key)]", .string(key), "duplicate of key present in binaryData"))
            }
            total += data[key]?.stringValue?.utf8.count ?? 0
        }
        for key in binary.keys.sorted() {
            errors += configKeyProblems(key).map { .invalid("binaryData[\(key)]", .string(key), $0) }
            if data[key] != nil {
                errors.append(.invalid("binaryData[\(key)]", .string(key), "duplicate of key present in data"))
            }
            total += CoreBase64.decodedLength(binary[key]?.stringValue ?? "")
        }
        if total > maxDataSize {
            errors.append(FieldError(.tooLong, "", nil, "must have at most \(maxDataSize) bytes"))
        }
        return errors
    }

    /// Keys every secret of a well-known type must have in `data`.
    static let requiredSecretKeys: [String: [String]] = [
        "kubernetes.io/dockercfg": [".dockercfg"],
        "kubernetes.io/dockerconfigjson": [".dockerconfigjson"],
        "kubernetes.io/ssh-auth": ["ssh-privatekey"],
        "kubernetes.io/tls": ["tls.crt", "tls.key"],
    ]

    @Sendable static func validateSecret(_ secret: JSON) -> [FieldError] {
        var errors: [FieldError] = []
        let data = secret["data"]?.objectValue ?? [:]
        var total = 0
        for key in data.keys.sorted() {
            errors += configKeyProblems(key).map { .invalid("data[\(key)]", .string(key), $0) }
            total += CoreBase64.decodedLength(data[key]?.stringValue ?? "")
        }
        if total > maxDataSize {
            errors.append(FieldError(.tooLong, "data", nil, "must have at most \(maxDataSize) bytes"))
        }
        let type = secret["type"]?.stringValue ?? ""
        for key in requiredSecretKeys[type] ?? [] where data[key] == nil {
            errors.append(.required("data[\(key)]"))
        }
        if type == "kubernetes.io/basic-auth", data["username"] == nil, data["password"] == nil {
            errors.append(.required("data[username]"))
            errors.append(.required("data[password]"))
        }
        if type == "kubernetes.io/service-account-token",
            (secret.annotations["kubernetes.io/service-account.name"] ?? "").isEmpty
        {
            errors.append(.required("metadata.annotations[kubernetes.io/service-account.name]"))
        }
        return errors
    }

    /// Once `immutable: true` is stored, neither the flag nor the data may change.
    static func validateImmutableData(_ new: JSON, _ old: JSON, keys: [String]) -> [FieldError] {
        guard old["immutable"]?.boolValue == true else { return [] }
        var errors: [FieldError] = []
        let detail = "field is immutable when `immutable` is set"
        if new["immutable"]?.boolValue != true { errors.append(.forbidden("immutable", detail)) }
        for key in keys where normalizedMap(new[key]) != normalizedMap(old[key]) {
            errors.append(.forbidden(key, detail))
        }
        return errors
    }

    /// An absent map and an empty one are the same data.
    private static func normalizedMap(_ value: JSON?) -> JSON {
        guard let value, value != .null else { return .emptyObject }
        return value
    }
}

/// Standard base64 (RFC 4648 with padding), as Kubernetes encodes `[]byte` fields.
enum CoreBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var value = 0
            for (offset, byte) in chunk.enumerated() { value |= Int(byte) << (16 - 8 * offset) }
            for position in 0..<4 {
                if position <= chunk.count {
                    output.append(alphabet[(value >> (18 - 6 * position)) & 63])
                } else {
                    output.append(UInt8(ascii: "="))
                }
            }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Number of bytes the encoded text stands for.
    static func decodedLength(_ text: String) -> Int {
        let characters = text.utf8.filter { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
        let padding = characters.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        return max(0, characters.count * 3 / 4 - padding)
    }
}
