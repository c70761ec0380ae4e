import DiscoveryCore
import MesosModel

/// What service discovery publishes about the Mesos side of the cluster, read the way Mesos-DNS
/// reads `/master/state`: the masters, the agents, and every task whose latest state is
/// TASK_RUNNING, with its name (DiscoveryInfo's when set), its framework's name, container
/// addresses and ports.
extension MasterCore {
    public func discoveryMasters(isLeader: Bool) -> [MasterEntry] {
        [MasterEntry(ip: config.ip, port: config.port, isLeader: isLeader)]
    }

    public func discoveryAgents() -> [AgentEntry] {
        agents.values.filter { !$0.recovered }.map { agent in
            AgentEntry(id: agent.id.value, hostname: agent.info.hostname, ip: Self.host(of: agent.endpoint))
        }
        .sorted { $0.id < $1.id }
    }

    public func discoveryTasks() -> [TaskEntry] {
        var entries: [TaskEntry] = []
        for framework in frameworks.values {
            for task in framework.tasks.values where task.latestState == .running {
                entries.append(Self.discoveryTask(task, frameworkName: framework.info.name))
            }
        }
        return entries.sorted { $0.id < $1.id }
    }

    static func discoveryTask(_ task: TaskRecord, frameworkName: String) -> TaskEntry {
        let discovery = task.info.discovery
        let named = discovery?["name"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let discoveryPorts = Self.discoveryPorts(discovery)
        return TaskEntry(
            id: task.info.taskID.value, name: named ?? task.info.name, frameworkName: frameworkName,
            agentID: task.agentID.value, containerIPs: Self.containerIPs(task.statuses.last),
            ports: discoveryPorts ?? Self.resourcePorts(task.info.resources ?? []),
            portsFromDiscoveryInfo: discoveryPorts != nil)
    }

    /// DiscoveryInfo's `ports.ports[]`: number, protocol (tcp when absent) and name.
    static func discoveryPorts(_ discovery: JSONValue?) -> [TaskEntry.Port]? {
        guard case .array(let list)? = discovery?["ports"]?["ports"], !list.isEmpty else { return nil }
        let ports = list.compactMap { port -> TaskEntry.Port? in
            guard let number = port["number"]?.doubleValue, number > 0, number < 65536 else { return nil }
            let proto = TransportProtocol(rawValue: (port["protocol"]?.stringValue ?? "tcp").lowercased()) ?? .tcp
            return TaskEntry.Port(number: Int(number), protocol: proto, name: port["name"]?.stringValue)
        }
        return ports.isEmpty ? nil : ports
    }

    static func resourcePorts(_ resources: [Resource]) -> [TaskEntry.Port] {
        resources.filter { $0.name == "ports" }.flatMap { $0.ranges?.range ?? [] }.flatMap { range in
            (range.begin...max(range.begin, range.end)).prefix(1024).map { TaskEntry.Port(number: Int($0)) }
        }
    }

    /// `container_status.network_infos[].ip_addresses[].ip_address` of the latest status.
    static func containerIPs(_ status: TaskStatus?) -> [String] {
        guard case .array(let networks)? = status?.containerStatus?["network_infos"] else { return [] }
        return networks.flatMap { network -> [String] in
            guard case .array(let addresses)? = network["ip_addresses"] else { return [] }
            return addresses.compactMap { $0["ip_address"]?.stringValue }
        }
    }

    static func host(of endpoint: String) -> String {
        guard let colon = endpoint.lastIndex(of: ":") else { return endpoint }
        return String(endpoint[..<colon])
    }
}
