/// Mesos identifiers travel as `{"value": "..."}` objects.
public protocol MesosID: Codable, Hashable, Sendable, Comparable, CustomStringConvertible {
    var value: String { get }
    init(_ value: String)
}

extension MesosID {
    public var description: String { value }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
}

private enum IDCodingKeys: String, CodingKey { case value }

extension MesosID {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: IDCodingKeys.self)
        self.init(try container.decode(String.self, forKey: .value))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: IDCodingKeys.self)
        try container.encode(value, forKey: .value)
    }
}

public struct FrameworkID: MesosID {
    public let value: String
    public init(_ value: String) { self.value = value }
}

public struct AgentID: MesosID {
    public let value: String
    public init(_ value: String) { self.value = value }
}

public struct OfferID: MesosID {
    public let value: String
    public init(_ value: String) { self.value = value }
}

public struct TaskID: MesosID {
    public let value: String
    public init(_ value: String) { self.value = value }
}

public struct ExecutorID: MesosID {
    public let value: String
    public init(_ value: String) { self.value = value }
}

public struct ContainerID: MesosID {
    public let value: String
    public init(_ value: String) { self.value = value }
}

public struct OperationID: MesosID {
    public let value: String
    public init(_ value: String) { self.value = value }
}

/// Mesos' `validateID`: non-empty, at most NAME_MAX bytes, not `.` or `..`,
/// no control characters and no path separators (ids become sandbox path components).
public func validateID(_ id: String, kind: String) -> String? {
    if id.isEmpty { return "\(kind) must not be empty" }
    if id.utf8.count > 255 { return "\(kind) '\(id.prefix(32))...' is longer than 255 bytes" }
    if id == "." || id == ".." { return "\(kind) '\(id)' is disallowed" }
    for scalar in id.unicodeScalars {
        if scalar == "/" || scalar == "\\" {
            return "\(kind) '\(id)' contains a path separator"
        }
        if scalar.value < 0x20 || scalar.value == 0x7f {
            return "\(kind) '\(id)' contains a control character"
        }
    }
    return nil
}
