/// Name and metadata rules shared by every kind (upstream `apimachinery/pkg/util/validation` and
/// `ValidateObjectMeta`), with upstream's wording so kubectl users see familiar messages.
public enum NameRules {
    static let dns1123LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
    static let dns1123SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"

    /// Problems with `value` as a DNS-1123 label (≤ 63 characters); empty when valid.
    public static func dns1123Label(_ value: String) -> [String] {
        var problems: [String] = []
        if value.utf8.count > 63 { problems.append("must be no more than 63 characters") }
        if !isLabel(value) {
            problems.append(
                dns1123LabelMessage
                    + " (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
        }
        return problems
    }

    /// Problems with `value` as a DNS-1123 subdomain (≤ 253 characters); empty when valid.
    public static func dns1123Subdomain(_ value: String) -> [String] {
        var problems: [String] = []
        if value.utf8.count > 253 { problems.append("must be no more than 253 characters") }
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        if value.isEmpty || parts.contains(where: { !isLabel(String($0)) }) {
            problems.append(
                dns1123SubdomainMessage
                    + " (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
            )
        }
        return problems
    }

    /// Problems with a label or annotation key (`[prefix/]name`); empty when valid.
    public static func qualifiedName(_ value: String) -> [String] {
        let pieces = value.split(separator: "/", omittingEmptySubsequences: false)
        var name = value
        var problems: [String] = []
        if pieces.count == 2 {
            let prefix = String(pieces[0])
            name = String(pieces[1])
            if prefix.isEmpty {
                problems.append("prefix part must be non-empty")
            } else {
                problems += dns1123Subdomain(prefix).map { "prefix part " + $0 }
            }
        } else if pieces.count > 2 {
            return [
                "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            ]
        }
        if name.isEmpty {
            problems.append("name part must be non-empty")
        } else if name.utf8.count > 63 {
            problems.append("name part must be no more than 63 characters")
        } else if !isQualifiedPart(name) {
            problems.append(
                "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
            )
        }
        return problems
    }

    /// Problems with a label value (may be empty; ≤ 63 characters).
    public static func labelValue(_ value: String) -> [String] {
        if value.isEmpty { return [] }
        var problems: [String] = []
        if value.utf8.count > 63 { problems.append("must be no more than 63 characters") }
        if !isQualifiedPart(value) {
            problems.append(
                "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
            )
        }
        return problems
    }

    /// Problems with a C identifier (environment variable names are looser; see `envVarName`).
    public static func envVarName(_ value: String) -> [String] {
        let bytes = Array(value.utf8)
        let valid =
            !bytes.isEmpty && !isDigit(bytes[0])
            && bytes.allSatisfy {
                isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
            }
        return valid
            ? []
            : [
                "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"
            ]
    }

    public static func isLabel(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard let first = bytes.first, let last = bytes.last, bytes.count <= 63 else { return false }
        guard isLowerAlphanumeric(first), isLowerAlphanumeric(last) else { return false }
        return bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    static func isQualifiedPart(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard let first = bytes.first, let last = bytes.last else { return false }
        guard isAlphanumeric(first), isAlphanumeric(last) else { return false }
        return bytes.allSatisfy {
            isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
        }
    }

    static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
    }
    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isLowerAlphanumeric(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }
}

/// Validation of `metadata` common to all kinds.
public enum MetadataValidation {
    /// Checks name (or generateName), namespace presence, labels and annotations.
    public static func validate(
        _ object: JSON, namespaced: Bool, nameIsLabel: Bool, nameRule: (@Sendable (String) -> [String])? = nil
    ) -> [FieldError] {
        var errors: [FieldError] = []
        let metadata = object["metadata"] ?? .emptyObject
        let name = metadata["name"]?.stringValue ?? ""
        if name.isEmpty {
            if (metadata["generateName"]?.stringValue ?? "").isEmpty {
                errors.append(.required("metadata.name", "name or generateName is required"))
            }
        } else {
            let problems =
                nameRule?(name) ?? (nameIsLabel ? NameRules.dns1123Label(name) : NameRules.dns1123Subdomain(name))
            errors += problems.map { .invalid("metadata.name", .string(name), $0) }
        }
        let namespace = metadata["namespace"]?.stringValue ?? ""
        if namespaced {
            if namespace.isEmpty {
                errors.append(.required("metadata.namespace"))
            } else {
                errors += NameRules.dns1123Label(namespace).map {
                    .invalid("metadata.namespace", .string(namespace), $0)
                }
            }
        } else if !namespace.isEmpty {
            errors.append(.forbidden("metadata.namespace", "not allowed on this type"))
        }
        errors += validateLabels(metadata["labels"], path: "metadata.labels")
        errors += validateAnnotations(metadata["annotations"], path: "metadata.annotations")
        return errors
    }

    public static func validateLabels(_ labels: JSON?, path: String) -> [FieldError] {
        guard let labels, case .object(let members) = labels else { return [] }
        var errors: [FieldError] = []
        for key in members.keys.sorted() {
            errors += NameRules.qualifiedName(key).map { .invalid(path, .string(key), $0) }
            guard case .string(let value) = members[key]! else {
                errors.append(.invalid("\(path).\(key)", members[key], "must be a string"))
                continue
            }
            errors += NameRules.labelValue(value).map { .invalid(path, .string(value), $0) }
        }
        return errors
    }

    public static func validateAnnotations(_ annotations: JSON?, path: String) -> [FieldError] {
        guard let annotations, case .object(let members) = annotations else { return [] }
        var errors: [FieldError] = []
        var total = 0
        for key in members.keys.sorted() {
            errors += NameRules.qualifiedName(key.lowercased()).map { .invalid(path, .string(key), $0) }
            total += key.utf8.count + (members[key]?.stringValue?.utf8.count ?? 0)
        }
        if total > 256 * 1024 {
            errors.append(FieldError(.tooLong, path, nil, "must have at most 262144 bytes"))
        }
        return errors
    }
}

extension JSON {
    /// `metadata.name`, or "".
    public var name: String { self[path: ["metadata", "name"]]?.stringValue ?? "" }
    /// `metadata.namespace`, or "".
    public var namespace: String { self[path: ["metadata", "namespace"]]?.stringValue ?? "" }
    public var labels: [String: String] { self[path: ["metadata", "labels"]]?.stringMap ?? [:] }
    public var annotations: [String: String] { self[path: ["metadata", "annotations"]]?.stringMap ?? [:] }
    public var uid: String { self[path: ["metadata", "uid"]]?.stringValue ?? "" }
}

extension MetadataValidation {
    /// Metadata validation with the resource's own name rule.
    public static func validate(_ object: JSON, resource: ResourceType) -> [FieldError] {
        validate(
            object, namespaced: resource.namespaced, nameIsLabel: resource.strategy.nameIsLabel,
            nameRule: resource.strategy.nameRule)
    }
}
