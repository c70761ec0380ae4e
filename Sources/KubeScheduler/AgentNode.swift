import KubeSchedulerCore
import KubeTypes
import MesosModel

/// How an agent appears to Kubernetes: a Node named after its host, labelled as upstream's kubelet
/// labels nodes plus the agent's attributes, and the resources of its offers in the scheduler's units.
public enum AgentNode {
    public static let agentIDAnnotation = "mesokube.io/agent-id"
    public static let defaultAgentPort = 5051
    static let mebibyte: Int64 = 1 << 20

    /// `hostname`, or `hostname-port` for an agent on another port than Mesos' 5051: several agents
    /// share one host in `mesokube dev` and in tests, and node names must stay unique and stable
    /// across agent restarts (agent ids are not).
    public static func nodeName(hostname: String, port: Int?) -> String {
        var name = String(
            hostname.lowercased().map { character -> Character in
                character.isASCII && (character.isLetter || character.isNumber || character == "." || character == "-")
                    ? character : "-"
            })
        if let port, port != defaultAgentPort { name += "-\(port)" }
        while let first = name.first, !(first.isLetter || first.isNumber) { name.removeFirst() }
        while let last = name.last, !(last.isLetter || last.isNumber) { name.removeLast() }
        return name.isEmpty ? "agent" : String(name.prefix(253))
    }

    /// The agent's port, from the offer's URL (`url.address.port`).
    public static func port(of offer: Offer) -> Int? {
        offer.url?["address"]?["port"]?.doubleValue.map { Int($0) }
    }

    /// The agent's IP address as the offer's URL gives it.
    public static func address(of offer: Offer) -> String? {
        offer.url?["address"]?["ip"]?.stringValue
    }

    /// What offers of one agent hold, in millicores and bytes (Mesos offers MB).
    public static func offered(_ offers: [Offer]) -> ResourceOffer {
        var cpus = 0.0
        var memory = 0.0
        var disk = 0.0
        var ports: [PortRange] = []
        for resource in offers.flatMap(\.resources) {
            switch resource.name {
            case "cpus": cpus += resource.scalar?.value ?? 0
            case "mem": memory += resource.scalar?.value ?? 0
            case "disk": disk += resource.scalar?.value ?? 0
            case "ports":
                for range in resource.ranges?.range ?? [] {
                    ports.append(PortRange(Int(range.begin), Int(range.end)))
                }
            default: continue
            }
        }
        return ResourceOffer(
            milliCPU: Int64((cpus * 1000).rounded(.down)), memory: Int64(memory) * mebibyte,
            disk: Int64(disk) * mebibyte, ports: ports.sorted { $0.begin < $1.begin })
    }

    /// Agent attributes that make valid labels: text and scalar values (sets and ranges have no
    /// single value). The rest is left out rather than mangled into something that looks meaningful.
    public static func labels(from attributes: [Attribute]) -> [String: String] {
        var labels: [String: String] = [:]
        for attribute in attributes {
            let value: String
            switch attribute.type {
            case .text: value = attribute.text?.value ?? ""
            case .scalar:
                let number = attribute.scalar?.value ?? 0
                value = number.rounded() == number ? String(Int64(number)) : String(number)
            case .ranges, .set: continue
            }
            let candidate: JSON = [attribute.name: .string(value)]
            if MetadataValidation.validateLabels(candidate, path: "metadata.labels").isEmpty {
                labels[attribute.name] = value
            }
        }
        return labels
    }

    /// The Node object for an agent, with capacity and allocatable from the largest offer seen
    /// (a framework sees offers, not the agent's totals).
    public static func node(
        name: String, agentID: AgentID, hostname: String, address: String?, attributes: [Attribute],
        capacity: ResourceOffer, os: String = "linux", arch: String = "amd64"
    ) -> JSON {
        var labels: [String: JSON] = labels(from: attributes).mapValues { .string($0) }
        labels["kubernetes.io/hostname"] = .string(name)
        labels["kubernetes.io/os"] = .string(os)
        labels["kubernetes.io/arch"] = .string(arch)
        labels["beta.kubernetes.io/os"] = .string(os)
        labels["beta.kubernetes.io/arch"] = .string(arch)
        var addresses: [JSON] = [["type": "Hostname", "address": .string(hostname)]]
        if let address { addresses.insert(["type": "InternalIP", "address": .string(address)], at: 0) }
        let resources = resourceList(capacity)
        return [
            "apiVersion": "v1", "kind": "Node",
            "metadata": [
                "name": .string(name), "labels": .object(labels),
                "annotations": [agentIDAnnotation: .string(agentID.value)],
            ],
            "spec": .emptyObject,
            "status": [
                "capacity": resources, "allocatable": resources, "addresses": .array(addresses),
                "nodeInfo": [
                    "architecture": .string(arch), "operatingSystem": .string(os),
                    "kubeletVersion": "v1.37.0-mesokube", "kubeProxyVersion": "",
                    "containerRuntimeVersion": "mesokube://1", "osImage": "", "kernelVersion": "",
                    "machineID": "", "systemUUID": "", "bootID": .string(agentID.value),
                ],
            ],
        ]
    }

    /// `cpu`, `memory`, `ephemeral-storage` and `pods` as quantities.
    public static func resourceList(_ resources: ResourceOffer, pods: Int = 110) -> JSON {
        let cpu =
            resources.milliCPU % 1000 == 0 ? String(resources.milliCPU / 1000) : "\(resources.milliCPU)m"
        return [
            "cpu": .string(cpu), "memory": .string("\(resources.memory / mebibyte)Mi"),
            "ephemeral-storage": .string("\(resources.disk / mebibyte)Mi"), "pods": .string(String(pods)),
        ]
    }
}
