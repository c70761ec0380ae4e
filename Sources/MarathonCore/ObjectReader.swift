/// Typed reads from a `JSONValue` object that record Marathon-style violations instead of throwing,
/// so one request reports every problem at once. Type errors use play-json's codes, which Marathon
/// returns for malformed fields (`error.expected.jsnumber`, `error.path.missing`, `error.min`, ...).
/// Internal to MarathonCore.
import MesosModel

struct ObjectReader {
    let fields: [String: JSONValue]
    let path: String
    let violations: Violations

    init?(_ value: JSONValue, path: String, violations: Violations) {
        guard case .object(let fields) = value else {
            violations.add(path, "error.expected.jsobject")
            return nil
        }
        self.fields = fields
        self.path = path
        self.violations = violations
    }

    func at(_ key: String) -> String { path + "/" + key }

    /// The value under `key`; JSON `null` counts as absent, as in Marathon.
    func value(_ key: String) -> JSONValue? {
        guard let value = fields[key], value != .null else { return nil }
        return value
    }

    func has(_ key: String) -> Bool { value(key) != nil }

    func string(_ key: String) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else {
            violations.add(at(key), "error.expected.jsstring")
            return nil
        }
        return text
    }

    func requiredString(_ key: String) -> String? {
        if !has(key) { violations.add(at(key), "error.path.missing") }
        return string(key)
    }

    func bool(_ key: String) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let flag) = value else {
            violations.add(at(key), "error.expected.jsboolean")
            return nil
        }
        return flag
    }

    func double(_ key: String, min: Double? = nil, max: Double? = nil) -> Double? {
        guard let value = value(key) else { return nil }
        guard case .number(let number) = value else {
            violations.add(at(key), "error.expected.jsnumber")
            return nil
        }
        return bounded(number, key: key, min: min, max: max)
    }

    func int(_ key: String, min: Int? = nil, max: Int? = nil) -> Int? {
        guard let value = value(key) else { return nil }
        guard case .number(let number) = value else {
            violations.add(at(key), "error.expected.jsnumber")
            return nil
        }
        guard number.rounded() == number, abs(number) < 1e15 else {
            violations.add(at(key), "error.expected.int")
            return nil
        }
        return bounded(number, key: key, min: min.map(Double.init), max: max.map(Double.init)).map { Int($0) }
    }

    private func bounded(_ number: Double, key: String, min: Double?, max: Double?) -> Double? {
        if let min, number < min {
            violations.add(at(key), "error.min")
            return nil
        }
        if let max, number > max {
            violations.add(at(key), "error.max")
            return nil
        }
        return number
    }

    func array(_ key: String) -> [JSONValue]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else {
            violations.add(at(key), "error.expected.jsarray")
            return nil
        }
        return items
    }

    func stringArray(_ key: String) -> [String]? {
        guard let items = array(key) else { return nil }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item else {
                violations.add("\(at(key))(\(index))", "error.expected.jsstring")
                continue
            }
            result.append(text)
        }
        return result
    }

    func stringMap(_ key: String) -> [String: String]? {
        guard let value = value(key) else { return nil }
        guard case .object(let entries) = value else {
            violations.add(at(key), "error.expected.jsobject")
            return nil
        }
        var result: [String: String] = [:]
        for (name, entry) in entries {
            guard case .string(let text) = entry else {
                violations.add(at(key) + "/" + name, "error.expected.jsstring")
                continue
            }
            result[name] = text
        }
        return result
    }

    func object(_ key: String) -> ObjectReader? {
        guard let value = value(key) else { return nil }
        return ObjectReader(value, path: at(key), violations: violations)
    }

    /// Each element of an array of objects, with its Marathon path `key(i)`.
    func objects(_ key: String) -> [ObjectReader]? {
        guard let items = array(key) else { return nil }
        return items.enumerated().compactMap { index, item in
            ObjectReader(item, path: "\(at(key))(\(index))", violations: violations)
        }
    }

    /// Reports keys outside `known`. `refusals` names fields Marathon has but Mesokube does not
    /// support: each check returns the error for the given value, or nil when the value is harmless
    /// (empty or default), so a client echoing Marathon's defaults back is not refused.
    func rejectUnknown(known: Set<String>, refusals: [String: @Sendable (JSONValue) -> String?] = [:]) {
        for key in fields.keys.sorted() {
            guard let value = value(key) else { continue }
            if let refusal = refusals[key] {
                if let error = refusal(value) { violations.add(at(key), error) }
            } else if !known.contains(key) {
                violations.add(at(key), "unknown field '\(key)': not part of a Marathon 1.10 definition")
            }
        }
    }
}

/// Common refusal checks for `ObjectReader.rejectUnknown`.
enum Refusal {
    static func unsupported(_ what: String) -> @Sendable (JSONValue) -> String? {
        { _ in "\(what) is not supported by Mesokube" }
    }

    /// Refused unless the value is empty (`{}`, `[]`, `""`) or `false`/`0`.
    static func unlessEmpty(_ what: String) -> @Sendable (JSONValue) -> String? {
        { value in
            switch value {
            case .object(let entries) where entries.isEmpty: return nil
            case .array(let items) where items.isEmpty: return nil
            case .string(let text) where text.isEmpty: return nil
            case .bool(false), .number(0): return nil
            default: return "\(what) is not supported by Mesokube"
            }
        }
    }
}
