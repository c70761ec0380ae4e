/// Decoding `container`, `networks`, `portDefinitions`, `ports` and `requirePorts`, with Marathon's
/// normalization of the pre-1.5 networking API (reference §0 item 4, §2 "Ports"):
/// - `container.docker.network` (HOST/BRIDGE) becomes `networks`; both at once is a 422.
/// - `container.docker.portMappings` moves to `container.portMappings`, and is dropped with host
///   networking (the demo app's case); a canonical `container.portMappings` with host networking is a 422.
/// - host networking without `portDefinitions` gets one port named `default`; `ports` maps to definitions.
/// - container/bridge port mappings default `hostPort` to 0 (any offered port).
/// Internal to MarathonCore; entry point is `AppDefinition.create`.
import MesosModel

extension AppDefinition {
    mutating func decodeNetworking(_ reader: ObjectReader) {
        let containerReader = reader.object("container")
        var legacyNetwork: Network.Mode?
        var legacyMappings: [PortMapping] = []
        if let containerReader {
            let decoded = Self.decodeContainer(containerReader)
            container = decoded.container
            legacyNetwork = decoded.legacyNetwork
            legacyMappings = decoded.legacyMappings
        }
        decodeNetworks(reader, legacyNetwork: legacyNetwork)
        if legacyNetwork != nil && reader.has("networks") {
            reader.violations.add("/", "must not specify both container.docker.network and networks")
        }
        if var container, !usesHostNetworking {
            if container.portMappings.isEmpty { container.portMappings = legacyMappings }
            if networks.contains(where: { $0.mode == .containerBridge }) {
                for index in container.portMappings.indices where container.portMappings[index].hostPort == nil {
                    container.portMappings[index].hostPort = 0
                }
            }
            self.container = container
        }
        decodePortDefinitions(reader)
        requirePorts = reader.bool("requirePorts") ?? false
    }

    private mutating func decodeNetworks(_ reader: ObjectReader, legacyNetwork: Network.Mode?) {
        guard let items = reader.objects("networks") else {
            if let legacyNetwork { networks = [Network(mode: legacyNetwork)] }
            return
        }
        networks = items.compactMap { item in
            item.rejectUnknown(known: ["mode", "name", "labels"])
            let raw = item.string("mode") ?? "container"
            guard let mode = Network.Mode(rawValue: raw) else {
                item.violations.add(item.at("mode"), "error.expected.validenumvalue")
                return nil
            }
            if mode == .container {
                item.violations.add(
                    item.at("mode"),
                    "container networks (CNI) are not supported by Mesokube; use host or container/bridge")
            }
            return Network(mode: mode, name: item.string("name"), labels: item.stringMap("labels") ?? [:])
        }
    }

    private mutating func decodePortDefinitions(_ reader: ObjectReader) {
        let legacyPorts = reader.array("ports").map { items in
            items.enumerated().compactMap { index, item -> Int? in
                guard let number = item.doubleValue, number.rounded() == number, (0...65535).contains(number) else {
                    reader.violations.add("\(reader.at("ports"))(\(index))", "error.expected.int")
                    return nil
                }
                return Int(number)
            }
        }
        let definitions = reader.objects("portDefinitions").map { items in
            items.map { item in
                item.rejectUnknown(known: ["port", "protocol", "name", "labels"])
                return PortDefinition(
                    port: item.int("port", min: 0, max: 65535) ?? 0, protocol: item.string("protocol") ?? "tcp",
                    name: item.string("name"), labels: item.stringMap("labels") ?? [:])
            }
        }
        if let legacyPorts, let definitions, !legacyPorts.isEmpty, !definitions.isEmpty,
            legacyPorts != definitions.map(\.port)
        {
            reader.violations.add("/", "cannot specify both ports and port definitions")
        }
        if let legacyPorts {
            let fixed = legacyPorts.filter { $0 != 0 }
            if Set(fixed).count != fixed.count { reader.violations.add("/", "ports must be unique") }
        }
        if let definitions {
            portDefinitions = definitions
        } else if let legacyPorts {
            portDefinitions = legacyPorts.map { PortDefinition(port: $0) }
        } else {
            portDefinitions = usesHostNetworking ? [PortDefinition(port: 0, name: "default")] : []
        }
    }

    private struct DecodedContainer {
        var container: Container
        var legacyNetwork: Network.Mode?
        var legacyMappings: [PortMapping]
    }

    private static func decodeContainer(_ reader: ObjectReader) -> DecodedContainer {
        reader.rejectUnknown(
            known: ["type", "docker", "portMappings", "volumes"],
            refusals: [
                "appc": Refusal.unsupported("appc images"), "linuxInfo": Refusal.unsupported("linuxInfo"),
            ])
        var container = Container()
        if let raw = reader.string("type") {
            if let kind = Container.Kind(rawValue: raw) {
                container.type = kind
            } else {
                reader.violations.add(reader.at("type"), "error.expected.validenumvalue")
            }
        }
        var result = DecodedContainer(container: container, legacyNetwork: nil, legacyMappings: [])
        if let docker = reader.object("docker") {
            docker.rejectUnknown(
                known: ["image", "forcePullImage", "network", "portMappings"],
                refusals: [
                    "privileged": Refusal.unlessEmpty("privileged"),
                    "parameters": Refusal.unlessEmpty("docker parameters"),
                    "pullConfig": Refusal.unsupported("pullConfig"),
                    "credential": Refusal.unsupported("credential"),
                ])
            let image = docker.requiredString("image") ?? ""
            if image.isEmpty && docker.has("image") { docker.violations.add(docker.at("image"), "must not be empty") }
            result.container.docker = Container.Docker(
                image: image, forcePullImage: docker.bool("forcePullImage") ?? false)
            result.legacyNetwork = legacyNetworkMode(docker)
            result.legacyMappings = (docker.objects("portMappings") ?? []).map(decodePortMapping)
        } else if container.type == .docker {
            reader.violations.add(reader.at("docker"), "error.path.missing")
        }
        result.container.portMappings = (reader.objects("portMappings") ?? []).map(decodePortMapping)
        result.container.volumes = (reader.objects("volumes") ?? []).compactMap(decodeVolume)
        return result
    }

    private static func legacyNetworkMode(_ docker: ObjectReader) -> Network.Mode? {
        guard let raw = docker.string("network") else { return nil }
        switch raw {
        case "HOST": return .host
        case "BRIDGE": return .containerBridge
        case "USER", "NONE":
            docker.violations.add(docker.at("network"), "network \(raw) is not supported by Mesokube")
        default: docker.violations.add(docker.at("network"), "error.expected.validenumvalue")
        }
        return nil
    }

    private static func decodePortMapping(_ item: ObjectReader) -> PortMapping {
        item.rejectUnknown(
            known: ["containerPort", "hostPort", "servicePort", "protocol", "name", "labels"],
            refusals: ["networkNames": Refusal.unlessEmpty("networkNames (container networks)")])
        let proto = item.string("protocol") ?? "tcp"
        if !["tcp", "udp", "udp,tcp", "tcp,udp"].contains(proto) {
            item.violations.add(item.at("protocol"), "error.expected.validenumvalue")
        }
        return PortMapping(
            containerPort: item.int("containerPort", min: 0, max: 65535) ?? 0,
            hostPort: item.int("hostPort", min: 0, max: 65535),
            servicePort: item.int("servicePort", min: 0, max: 65535) ?? 0, protocol: proto,
            name: item.string("name"), labels: item.stringMap("labels") ?? [:])
    }

    private static func decodeVolume(_ item: ObjectReader) -> Container.Volume? {
        item.rejectUnknown(
            known: ["containerPath", "hostPath", "mode"],
            refusals: [
                "persistent": Refusal.unsupported("persistent volumes"),
                "external": Refusal.unsupported("external volumes"),
                "secret": Refusal.unsupported("secret volumes"),
            ])
        guard let containerPath = item.requiredString("containerPath") else { return nil }
        guard let hostPath = item.string("hostPath") else {
            if !item.has("persistent") && !item.has("external") && !item.has("secret") {
                item.violations.add(item.at("hostPath"), "error.path.missing")
            }
            return nil
        }
        let mode = item.string("mode") ?? "RW"
        if !["RW", "RO"].contains(mode) { item.violations.add(item.at("mode"), "error.expected.validenumvalue") }
        return Container.Volume(containerPath: containerPath, hostPath: hostPath, mode: mode)
    }
}
