/// Mesos' `TaskInfo.limits`: a map from resource name to `Value.Scalar` (`{"value": x}`), the
/// most a task may use above its request. `value` is a JSON number, or a string as protobuf JSON
/// allows for doubles (`"Infinity"` means unlimited); unlimited is `Double.infinity` here.
public struct TaskLimits: Codable, Hashable, Sendable {
    /// Resource name → limit, in the resource's unit (cpus, MB of mem).
    public var values: [String: Double]

    public init(_ values: [String: Double]) { self.values = values }

    /// The CPU limit, `.infinity` when unlimited, nil when none was given.
    public var cpus: Double? { values["cpus"] }
    /// The memory limit in MB, `.infinity` when unlimited, nil when none was given.
    public var mem: Double? { values["mem"] }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: WireKey.self)
        var values: [String: Double] = [:]
        for key in container.allKeys {
            let scalar = try container.nestedContainer(keyedBy: WireKey.self, forKey: key)
            values[key.stringValue] = try Self.decodeValue(scalar, path: key.stringValue)
        }
        self.values = values
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: WireKey.self)
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            var scalar = container.nestedContainer(keyedBy: WireKey.self, forKey: WireKey(stringValue: name))
            if value.isFinite {
                try scalar.encode(value, forKey: "value")
            } else {
                try scalar.encode(value.isNaN ? "NaN" : (value > 0 ? "Infinity" : "-Infinity"), forKey: "value")
            }
        }
    }

    private static func decodeValue(_ scalar: KeyedDecodingContainer<WireKey>, path: String) throws -> Double {
        if let number = try? scalar.decode(Double.self, forKey: "value") { return number }
        let text = try scalar.decode(String.self, forKey: "value")
        if let number = Double(text) { return number }
        throw DecodingError.dataCorruptedError(
            forKey: "value", in: scalar,
            debugDescription: "limits.\(path).value must be a number or \"Infinity\", got '\(text)'")
    }
}
