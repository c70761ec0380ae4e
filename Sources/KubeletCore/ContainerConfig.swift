import KubeTypes

/// What a container needs from the API server before it can be created: the ConfigMaps and
/// Secrets its environment and volumes name. The shell fetches them and passes what it found.
public struct PodReferences: Sendable, Hashable {
    public var configMaps: Set<String> = []
    public var secrets: Set<String> = []

    /// Every ConfigMap and Secret named by the pod's containers (env, envFrom) and volumes.
    public init(pod: JSON) {
        let spec = pod["spec"] ?? .emptyObject
        let containers = (spec["initContainers"]?.arrayValue ?? []) + (spec["containers"]?.arrayValue ?? [])
        for container in containers {
            for variable in container["env"]?.arrayValue ?? [] {
                if let name = variable[path: ["valueFrom", "configMapKeyRef", "name"]]?.stringValue {
                    configMaps.insert(name)
                }
                if let name = variable[path: ["valueFrom", "secretKeyRef", "name"]]?.stringValue {
                    secrets.insert(name)
                }
            }
            for source in container["envFrom"]?.arrayValue ?? [] {
                if let name = source[path: ["configMapRef", "name"]]?.stringValue { configMaps.insert(name) }
                if let name = source[path: ["secretRef", "name"]]?.stringValue { secrets.insert(name) }
            }
        }
        for volume in spec["volumes"]?.arrayValue ?? [] {
            if let name = volume[path: ["configMap", "name"]]?.stringValue { configMaps.insert(name) }
            if let name = volume[path: ["secret", "secretName"]]?.stringValue { secrets.insert(name) }
            for source in volume[path: ["projected", "sources"]]?.arrayValue ?? [] {
                if let name = source[path: ["configMap", "name"]]?.stringValue { configMaps.insert(name) }
                if let name = source[path: ["secret", "name"]]?.stringValue { secrets.insert(name) }
            }
        }
    }
}

/// The node-side facts `fieldRef` environment variables may name.
public struct PodRuntimeFacts: Sendable, Hashable {
    public var nodeName: String
    public var hostIP: String
    public var podIPs: [String]

    public init(nodeName: String, hostIP: String, podIPs: [String]) {
        self.nodeName = nodeName
        self.hostIP = hostIP
        self.podIPs = podIPs
    }
}

/// Why a container's configuration could not be made; the kubelet shows it as the waiting
/// reason `CreateContainerConfigError` with this message, and retries.
public struct ContainerConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    public init(_ message: String) { self.message = message }
}

/// A container as the runtime starts it: the argv decisions are left to the image (`command`
/// replaces its entrypoint, `args` its cmd, as upstream documents), the environment is final.
public struct ContainerConfig: Sendable {
    public var name: String
    public var image: String
    /// `command`, with `$(VAR)` references expanded; nil keeps the image's entrypoint.
    public var command: [String]?
    /// `args`, expanded; nil keeps the image's cmd (unless `command` is set, which drops it).
    public var args: [String]?
    /// Variables in the order the spec defines them (later ones win on repeats).
    public var environment: [(name: String, value: String)]
    public var workingDir: String?

    /// cgroup values for the container's `resources`, as upstream's kubelet computes them for
    /// cgroup v1: cpu.shares from the CPU request (2 at least), a CFS quota over a 100 ms period
    /// from the CPU limit, and the memory limit in bytes.
    public static func cgroupLimits(
        _ container: JSON
    ) -> (cpuShares: UInt64, cpuQuota: Int64?, cpuPeriod: UInt64?, memoryLimit: Int64?) {
        func milli(_ kind: String, _ name: String) -> Int64? {
            container[path: ["resources", kind, name]]?.stringValue.flatMap { try? Quantity(parsing: $0).milliValue }
        }
        // Upstream: a missing request defaults to the limit.
        let requestMilli = milli("requests", "cpu") ?? milli("limits", "cpu") ?? 0
        let shares = max(2, UInt64(requestMilli) * 1024 / 1000)
        let period: UInt64 = 100_000
        let quota = milli("limits", "cpu").map { max(1000, $0 * Int64(period) / 1000) }
        let memory = milli("limits", "memory").map { $0 / 1000 }
        return (shares, quota, quota == nil ? nil : period, memory)
    }

    /// The environment as a dictionary (the last definition of a name wins).
    public var environmentDictionary: [String: String] {
        var result: [String: String] = [:]
        for (name, value) in environment { result[name] = value }
        return result
    }

    /// Builds the configuration of `container` in `pod`, resolving `env`, `envFrom` and `$(VAR)`
    /// references the way upstream's kubelet does. `configMaps` and `secrets` are the objects the
    /// shell found, by name, as their data (Secrets' values already decoded from base64); a
    /// missing one fails unless the reference is `optional`. `serviceEnvironment` is the
    /// Services' variables (`ServiceLinks.variables`): they come first, so the container's own
    /// `env` and `envFrom` override them, and `$(VAR)` references may name them.
    public static func make(
        container: JSON, pod: JSON, facts: PodRuntimeFacts, configMaps: [String: [String: String]],
        secrets: [String: [String: String]], serviceEnvironment: [(name: String, value: String)] = []
    ) throws(ContainerConfigError) -> ContainerConfig {
        // A container's stdin and terminal are only reachable through attach, which this node
        // agent does not serve: say so rather than run it without them.
        for field in ["stdin", "tty"] where container[field]?.boolValue == true {
            throw ContainerConfigError(
                "\(field): true needs kubectl attach, which this node agent does not support yet")
        }
        var resolver = EnvironmentResolver(
            pod: pod, facts: facts, configMaps: configMaps, secrets: secrets, namespace: pod.namespace)
        resolver.variables = serviceEnvironment
        for source in container["envFrom"]?.arrayValue ?? [] { try resolver.addSource(source) }
        for variable in container["env"]?.arrayValue ?? [] { try resolver.add(variable, container: container) }
        let lookup = resolver.dictionary
        return ContainerConfig(
            name: container["name"]?.stringValue ?? "", image: container["image"]?.stringValue ?? "",
            command: container["command"]?.arrayValue?.map { expand($0.stringValue ?? "", lookup) },
            args: container["args"]?.arrayValue?.map { expand($0.stringValue ?? "", lookup) },
            environment: resolver.variables,
            workingDir: container["workingDir"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// The value of a downward-API `fieldRef` (environment variables and downwardAPI volumes).
    public static func fieldValue(
        _ path: String, pod: JSON, facts: PodRuntimeFacts
    ) throws(ContainerConfigError) -> String {
        try EnvironmentResolver(pod: pod, facts: facts, configMaps: [:], secrets: [:], namespace: pod.namespace)
            .fieldValue(path)
    }

    /// Upstream's `$(VAR)` expansion: a defined name is replaced, an undefined reference is kept
    /// as written, and `$$` escapes a dollar.
    public static func expand(_ text: String, _ variables: [String: String]) -> String {
        guard text.contains("$") else { return text }
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            guard character == "$", next < text.endIndex else {
                result.append(character)
                index = next
                continue
            }
            if text[next] == "$" {
                result.append("$")
                index = text.index(after: next)
            } else if text[next] == "(", let close = text[next...].firstIndex(of: ")") {
                let name = String(text[text.index(after: next)..<close])
                result += variables[name] ?? "$(\(name))"
                index = text.index(after: close)
            } else {
                result.append(character)
                index = next
            }
        }
        return result
    }
}

/// Builds a container's environment in spec order: `envFrom` sources first, then `env`.
struct EnvironmentResolver {
    let pod: JSON
    let facts: PodRuntimeFacts
    let configMaps: [String: [String: String]]
    let secrets: [String: [String: String]]
    let namespace: String
    var variables: [(name: String, value: String)] = []

    var dictionary: [String: String] {
        var result: [String: String] = [:]
        for (name, value) in variables { result[name] = value }
        return result
    }

    mutating func addSource(_ source: JSON) throws(ContainerConfigError) {
        let prefix = source["prefix"]?.stringValue ?? ""
        if let reference = source["configMapRef"] {
            let name = reference["name"]?.stringValue ?? ""
            guard let object = configMaps[name] else {
                if reference["optional"]?.boolValue == true { return }
                throw ContainerConfigError("configmap \"\(name)\" not found")
            }
            for key in object.keys.sorted() { variables.append((prefix + key, object[key] ?? "")) }
        } else if let reference = source["secretRef"] {
            let name = reference["name"]?.stringValue ?? ""
            guard let object = secrets[name] else {
                if reference["optional"]?.boolValue == true { return }
                throw ContainerConfigError("secret \"\(name)\" not found")
            }
            for key in object.keys.sorted() { variables.append((prefix + key, object[key] ?? "")) }
        }
    }

    mutating func add(_ variable: JSON, container: JSON) throws(ContainerConfigError) {
        let name = variable["name"]?.stringValue ?? ""
        guard let source = variable["valueFrom"] else {
            variables.append((name, ContainerConfig.expand(variable["value"]?.stringValue ?? "", dictionary)))
            return
        }
        if let value = try value(from: source, container: container) { variables.append((name, value)) }
    }

    /// nil when an optional reference found nothing: the variable is then left out.
    func value(from source: JSON, container: JSON) throws(ContainerConfigError) -> String? {
        if let field = source[path: ["fieldRef", "fieldPath"]]?.stringValue {
            return try fieldValue(field)
        }
        if let reference = source["configMapKeyRef"] {
            return try keyValue(reference, in: configMaps, kind: "ConfigMap")
        }
        if let reference = source["secretKeyRef"] {
            return try keyValue(reference, in: secrets, kind: "Secret")
        }
        if let reference = source["resourceFieldRef"] {
            return try resourceValue(reference, container: container)
        }
        throw ContainerConfigError("env valueFrom names no source this node agent supports")
    }

    /// One key of a ConfigMap or Secret, in upstream's words when it is missing.
    func keyValue(
        _ reference: JSON, in objects: [String: [String: String]], kind: String
    ) throws(ContainerConfigError) -> String? {
        let name = reference["name"]?.stringValue ?? ""
        let key = reference["key"]?.stringValue ?? ""
        let optional = reference["optional"]?.boolValue == true
        guard let object = objects[name] else {
            if optional { return nil }
            throw ContainerConfigError("\(kind.lowercased()) \"\(name)\" not found")
        }
        guard let value = object[key] else {
            if optional { return nil }
            throw ContainerConfigError("couldn't find key \(key) in \(kind) \(namespace)/\(name)")
        }
        return value
    }

    /// The downward API's pod fields (upstream's `podFieldSelectorRuntimeValue`).
    func fieldValue(_ path: String) throws(ContainerConfigError) -> String {
        switch path {
        case "metadata.name": return pod.name
        case "metadata.namespace": return pod.namespace
        case "metadata.uid": return pod.uid
        case "spec.nodeName": return facts.nodeName
        case "spec.serviceAccountName": return pod[path: ["spec", "serviceAccountName"]]?.stringValue ?? "default"
        case "status.hostIP", "status.hostIPs": return facts.hostIP
        case "status.podIP": return facts.podIPs.first ?? ""
        case "status.podIPs": return facts.podIPs.joined(separator: ",")
        default:
            for map in ["labels", "annotations"] where path.hasPrefix("metadata.\(map)['") && path.hasSuffix("']") {
                let key = String(path.dropFirst("metadata.\(map)['".count).dropLast(2))
                return pod[path: ["metadata", map, key]]?.stringValue ?? ""
            }
            throw ContainerConfigError("unsupported fieldRef fieldPath \"\(path)\"")
        }
    }

    /// `limits.cpu` and friends, in the divisor's units, rounded up as upstream does.
    func resourceValue(_ reference: JSON, container: JSON) throws(ContainerConfigError) -> String {
        let resource = reference["resource"]?.stringValue ?? ""
        let parts = resource.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[0] == "limits" || parts[0] == "requests" else {
            throw ContainerConfigError("unsupported resourceFieldRef resource \"\(resource)\"")
        }
        let divisorText = reference["divisor"]?.stringValue ?? "1"
        guard let divisor = try? Quantity(parsing: divisorText), divisor.milliValue > 0 else {
            throw ContainerConfigError("invalid resourceFieldRef divisor \"\(divisorText)\"")
        }
        let text = container[path: ["resources", parts[0], parts[1]]]?.stringValue
        guard let text, let quantity = try? Quantity(parsing: text) else { return "0" }
        let value = (quantity.milliValue + divisor.milliValue - 1) / divisor.milliValue
        return String(value)
    }
}
