#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

// The Mesos text formats: agent `--resources` / `--attributes` strings and the legacy
// JSON objects of the /state endpoints.

/// Number and value formatting shared by descriptions and legacy JSON.
enum ResourceFormat {
    /// Thousandths as the shortest decimal: 4000 → "4", 500 → "0.5", 1234 → "1.234".
    static func scalar(_ millis: Int64) -> String {
        let sign = millis < 0 ? "-" : ""
        let magnitude = millis.magnitude
        let whole = magnitude / 1000
        var fraction = magnitude % 1000
        if fraction == 0 { return "\(sign)\(whole)" }
        var digits = 3
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let padded = String(repeating: "0", count: digits - String(fraction).count) + String(fraction)
        return "\(sign)\(whole).\(padded)"
    }

    /// `[31000-31004, 31006-32000]`, as Mesos prints ranges.
    static func ranges(_ ranges: [ClosedRange<UInt64>]) -> String {
        "[" + ranges.map { "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ", ") + "]"
    }

    /// `{a, b}`, as Mesos prints sets.
    static func set(_ items: [String]) -> String {
        "{" + items.joined(separator: ", ") + "}"
    }
}

extension Resources: CustomStringConvertible {
    /// Mesos-like text: `cpus:4; mem:1024; ports:[31000-32000]`; reserved entries show their
    /// role as `cpus(ads):8` (dynamic ones add the principal), allocated ones `{web}`.
    public var description: String {
        entries.map { entry in
            var head = entry.key.name
            if let top = entry.key.reservations.last {
                let role = top.role ?? "?"
                if top.type == .dynamic {
                    head += "(\(role), \(top.principal ?? ""))"
                } else {
                    head += "(\(role))"
                }
            }
            if let allocated = entry.key.allocationRole { head += "{\(allocated)}" }
            return head + ":" + Resources.text(of: entry.value)
        }.joined(separator: "; ")
    }

    static func text(of value: ResourceValue) -> String {
        switch value {
        case .scalar(let millis): return ResourceFormat.scalar(millis)
        case .ranges(let ranges): return ResourceFormat.ranges(ranges)
        case .set(let items): return ResourceFormat.set(items)
        }
    }

    /// The legacy `/state` resources object: `{"cpus":n,"gpus":n,"mem":n,"disk":n,
    /// "ports":"[31000-31004, 31006-32000]","x":"{a, b}"}`, summed over reservations;
    /// cpus/gpus/mem/disk are always present; revocable resources get a `_revocable` suffix.
    public var legacyJSON: [String: JSONValue] {
        var object: [String: JSONValue] = [
            "cpus": .number(0), "gpus": .number(0), "mem": .number(0), "disk": .number(0),
        ]
        for revocable in [false, true] {
            let part = filtered { ($0.key.extras?.revocable != nil) == revocable }
            let suffix = revocable ? "_revocable" : ""
            for name in part.names.sorted() {
                let key = name + suffix
                if part.entries.contains(where: { $0.key.name == name && $0.key.type == .scalar }) {
                    object[key] = .number(part.scalar(name))
                } else if part.entries.contains(where: { $0.key.name == name && $0.key.type == .ranges }) {
                    object[key] = .string(ResourceFormat.ranges(part.ranges(name)))
                } else {
                    object[key] = .string(ResourceFormat.set(part.setItems(name)))
                }
            }
        }
        return object
    }

    /// Parses the agent `--resources` format: `cpus:4;mem:1024;ports:[31000-32000];cpus(ads):8;
    /// disks:{a,b}` (entries separated by `;` or newlines, values a number, `[b-e,...]` ranges or
    /// `{a,...}` set; `name(role)` reserves statically for `role`; entries without a role get
    /// `defaultRole`, `*` meaning unreserved). Text starting with `[` is read as a JSON array of
    /// `Resource` instead; entries there without role or reservations also get `defaultRole`.
    /// The result is validated; repeated names add up.
    public static func parse(_ text: String, defaultRole: String = "*") throws(ResourceError) -> Resources {
        if let problem = isValidRoleName(defaultRole) { throw ResourceError("Invalid default role: \(problem)") }
        let trimmed = ResourceTextScanner.trim(Substring(text))
        let raw: [Resource]
        if trimmed.hasPrefix("[") {
            raw = try parseJSONList(String(trimmed), defaultRole: defaultRole)
        } else {
            raw = try ResourceTextScanner.resources(in: trimmed, defaultRole: defaultRole)
        }
        return try Resources(validating: raw)
    }

    private static func parseJSONList(_ text: String, defaultRole: String) throws(ResourceError) -> [Resource] {
        let decoded: [Resource]
        do {
            decoded = try JSONDecoder().decode([Resource].self, from: Data(text.utf8))
        } catch {
            throw ResourceError("Invalid resources JSON: \(error)")
        }
        return decoded.map { resource in
            var resource = resource
            if resource.role == nil, (resource.reservations ?? []).isEmpty { resource.role = defaultRole }
            return resource
        }
    }
}

/// Parses `--attributes` text: `rack:abc;zone:west;level:10;keys:[1000-1500];tags:{a,b}`.
/// A plain number becomes SCALAR, `[..]` RANGES, `{..}` SET, anything else TEXT. Order is kept
/// because attributes are copied verbatim into offers.
public func parseAttributes(_ text: String) throws(ResourceError) -> [Attribute] {
    var attributes: [Attribute] = []
    for token in ResourceTextScanner.tokens(Substring(text)) {
        guard let colon = token.firstIndex(of: ":") else {
            throw ResourceError("Invalid attribute '\(token)': expected name:value")
        }
        let name = ResourceTextScanner.trim(token[..<colon])
        let valueText = ResourceTextScanner.trim(token[token.index(after: colon)...])
        if name.isEmpty || valueText.isEmpty {
            throw ResourceError("Invalid attribute '\(token)': expected name:value")
        }
        let nameString = String(name)
        switch try ResourceTextScanner.value(valueText, context: "attribute '\(name)'", allowText: true) {
        case .scalar(let number):
            attributes.append(Attribute(name: nameString, type: .scalar, scalar: Resource.Scalar(value: number)))
        case .ranges(let ranges):
            attributes.append(Attribute(name: nameString, type: .ranges, ranges: ranges))
        case .set(let items):
            attributes.append(Attribute(name: nameString, type: .set, set: Resource.ValueSet(item: items)))
        case .text(let value):
            attributes.append(Attribute(name: nameString, type: .text, text: Attribute.Text(value: value)))
        }
    }
    return attributes
}

/// Legacy `/state` attributes object: `{name: number | string}`; ranges and sets are printed
/// the way Mesos prints them (`[1000-1500]`, `{a, b}`).
public func legacyAttributesJSON(_ attributes: [Attribute]) -> [String: JSONValue] {
    var object: [String: JSONValue] = [:]
    for attribute in attributes {
        switch attribute.type {
        case .scalar: object[attribute.name] = .number(attribute.scalar?.value ?? 0)
        case .text: object[attribute.name] = .string(attribute.text?.value ?? "")
        case .ranges:
            let ranges = (attribute.ranges?.range ?? []).map { "\($0.begin)-\($0.end)" }
            object[attribute.name] = .string("[" + ranges.joined(separator: ", ") + "]")
        case .set: object[attribute.name] = .string(ResourceFormat.set(attribute.set?.item ?? []))
        }
    }
    return object
}
