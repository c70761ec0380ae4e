/// Reads and validates the fields shared by `HealthCheck` and `CheckInfo`, producing the
/// messages a framework sees in TASK_ERROR.
struct CheckJSONReader {
    let fields: [String: JSONValue]
    let what: String

    init(_ json: JSONValue, what: String) throws(HealthCheckDefinitionError) {
        guard case .object(let fields) = json else {
            throw HealthCheckDefinitionError("\(what) must be a JSON object")
        }
        self.fields = fields
        self.what = what
    }

    /// `type` is required (Mesos stopped inferring it in 1.2); only COMMAND/HTTP/TCP run here.
    func probeType() throws(HealthCheckDefinitionError) -> CheckProbeType {
        guard let raw = fields["type"] else {
            throw HealthCheckDefinitionError("\(what) must specify 'type'")
        }
        guard case .string(let name) = raw else {
            throw HealthCheckDefinitionError("\(what) 'type' must be a string")
        }
        if let type = CheckProbeType(rawValue: name) { return type }
        switch name {
        case "DOCKER", "GRPC", "UNKNOWN":
            throw HealthCheckDefinitionError("\(what) type \(name) is not supported")
        default:
            throw HealthCheckDefinitionError("\(what) type '\(name)' is unknown")
        }
    }

    /// A non-negative number of seconds, or `fallback` when absent.
    func seconds(_ key: String, default fallback: Double) throws(HealthCheckDefinitionError) -> Double {
        guard let raw = fields[key], raw != .null else { return fallback }
        guard case .number(let value) = raw, value.isFinite else {
            throw HealthCheckDefinitionError("\(what) '\(key)' must be a number")
        }
        guard value >= 0 else {
            throw HealthCheckDefinitionError("\(what) '\(key)' must be non-negative")
        }
        return value
    }

    /// A non-negative whole number, or `fallback` when absent.
    func count(_ key: String, default fallback: Int) throws(HealthCheckDefinitionError) -> Int {
        let value = try seconds(key, default: Double(fallback))
        guard value == value.rounded(), value <= Double(UInt32.max) else {
            throw HealthCheckDefinitionError("\(what) '\(key)' must be a whole number")
        }
        return Int(value)
    }

    /// The nested definition `type` requires; Mesos refuses a check whose type has no matching
    /// field.
    func probeDefinition(
        for type: CheckProbeType, allowsScheme: Bool
    ) throws(HealthCheckDefinitionError) -> (CommandInfo?, HTTPCheckDefinition?, TCPCheckDefinition?) {
        switch type {
        case .command:
            return (try command(nestedInCheckCommand: !allowsScheme), nil, nil)
        case .http:
            return (nil, try http(allowsScheme: allowsScheme), nil)
        case .tcp:
            let object = try nestedObject("tcp", requiredFor: "TCP")
            return (nil, nil, TCPCheckDefinition(port: try port(in: object, section: "tcp")))
        }
    }

    /// `HealthCheck.command` is a `CommandInfo`; `CheckInfo.command` wraps one in `command`.
    private func command(nestedInCheckCommand: Bool) throws(HealthCheckDefinitionError) -> CommandInfo {
        var object = try nestedObject("command", requiredFor: "COMMAND")
        if nestedInCheckCommand {
            guard case .object(let inner)? = object["command"] else {
                throw HealthCheckDefinitionError("\(what) 'command.command' is required for type COMMAND")
            }
            object = inner
        }
        let info: CommandInfo
        do {
            info = try JSONValueEncoder.decode(CommandInfo.self, from: .object(object))
        } catch {
            throw HealthCheckDefinitionError("\(what) command is not a valid CommandInfo: \(error)")
        }
        guard let value = info.value, !value.isEmpty else {
            throw HealthCheckDefinitionError("\(what) command must have a 'value'")
        }
        return info
    }

    private func http(allowsScheme: Bool) throws(HealthCheckDefinitionError) -> HTTPCheckDefinition {
        let object = try nestedObject("http", requiredFor: "HTTP")
        var definition = HTTPCheckDefinition(port: try port(in: object, section: "http"))
        definition.networkProtocol = try string(object["protocol"], "http.protocol")
        if let path = try string(object["path"], "http.path") {
            guard path.hasPrefix("/") else {
                throw HealthCheckDefinitionError("\(what) 'http.path' must start with '/', got '\(path)'")
            }
            definition.path = path
        }
        if allowsScheme, let scheme = try string(object["scheme"], "http.scheme") {
            guard scheme == "http" || scheme == "https" else {
                throw HealthCheckDefinitionError(
                    "\(what) 'http.scheme' must be 'http' or 'https', got '\(scheme)'")
            }
            definition.scheme = scheme
        }
        if case .array(let values)? = object["statuses"] {
            definition.statuses = values.compactMap { value in
                if case .number(let number) = value { return Int(number) }
                return nil
            }
        }
        return definition
    }

    private func nestedObject(
        _ key: String, requiredFor type: String
    ) throws(HealthCheckDefinitionError) -> [String: JSONValue] {
        guard case .object(let object)? = fields[key] else {
            throw HealthCheckDefinitionError("\(what) '\(key)' is required for type \(type)")
        }
        return object
    }

    private func port(in object: [String: JSONValue], section: String) throws(HealthCheckDefinitionError) -> Int {
        guard case .number(let value)? = object["port"] else {
            throw HealthCheckDefinitionError("\(what) '\(section).port' is required")
        }
        guard value == value.rounded(), value >= 1, value <= 65535 else {
            throw HealthCheckDefinitionError("\(what) '\(section).port' must be in 1...65535")
        }
        return Int(value)
    }

    private func string(_ value: JSONValue?, _ key: String) throws(HealthCheckDefinitionError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw HealthCheckDefinitionError("\(what) '\(key)' must be a string")
        }
    }
}
