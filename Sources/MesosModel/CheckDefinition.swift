/// A check model that can be parsed from the JSON a framework sent (`HealthCheck`, `CheckInfo`).
public protocol CheckDefinitionModel: Encodable, Hashable, Sendable {
    init(json: JSONValue) throws(HealthCheckDefinitionError)
}

extension HealthCheck: CheckDefinitionModel {}
extension CheckInfo: CheckDefinitionModel {}

/// `TaskInfo.health_check` / `TaskInfo.check` as received: the exact JSON (written back
/// verbatim) and the result of parsing it. An invalid definition still decodes, so the master
/// can answer it with a TASK_ERROR carrying `error` rather than failing the whole call.
public struct CheckDefinition<Model: CheckDefinitionModel>: Codable, Hashable, Sendable {
    /// The definition exactly as the framework sent it.
    public let json: JSONValue
    /// The parsed definition, or why it was refused.
    public let parsed: Result<Model, HealthCheckDefinitionError>

    public init(json: JSONValue) {
        self.json = json
        do throws(HealthCheckDefinitionError) {
            parsed = .success(try Model(json: json))
        } catch {
            parsed = .failure(error)
        }
    }

    /// Wraps a definition built in code (tests, builders); its wire form is the model's encoding.
    public init(_ model: Model) {
        self.json = (try? JSONValueEncoder.encode(model)) ?? .null
        self.parsed = .success(model)
    }

    /// The parsed definition, nil when it was invalid.
    public var definition: Model? { try? parsed.get() }

    /// Why the definition was refused, nil when it is valid.
    public var error: HealthCheckDefinitionError? {
        if case .failure(let error) = parsed { return error }
        return nil
    }

    public init(from decoder: any Decoder) throws {
        self.init(json: try JSONValue(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.json == rhs.json }

    public func hash(into hasher: inout Hasher) { hasher.combine(json) }
}
