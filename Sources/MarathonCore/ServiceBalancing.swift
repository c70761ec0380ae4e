import DiscoveryCore

/// What marathon-lb would balance (reference §7.2), for the agents' built-in service proxy: every
/// service port of every app, forwarded to the app's running tasks that are not being killed and,
/// when the app has health checks, pass them all. Staging, starting, unreachable and killing
/// tasks get no traffic.
public enum ServiceBalancing {
    /// One task as the balancer sees it.
    public struct Instance: Sendable {
        public var agentID: String
        /// Host ports, in the order of the app's port definitions.
        public var hostPorts: [Int]
        public var isRunning: Bool
        public var isKilling: Bool
        public var isUnreachable: Bool
        /// Every health check alive (ignored for apps without health checks).
        public var isHealthy: Bool

        public init(
            agentID: String, hostPorts: [Int], isRunning: Bool, isKilling: Bool = false,
            isUnreachable: Bool = false, isHealthy: Bool = true
        ) {
            self.agentID = agentID
            self.hostPorts = hostPorts
            self.isRunning = isRunning
            self.isKilling = isKilling
            self.isUnreachable = isUnreachable
            self.isHealthy = isHealthy
        }
    }

    /// The service ports of `app`, each with the addresses (`agentIPs[agentID]`, host port) of its
    /// usable instances. Definitions without a service port (0, not yet assigned) are skipped.
    public static func entries(
        app: AppDefinition, instances: [Instance], agentIPs: [String: String]
    ) -> [MarathonServiceEntry] {
        let usable = instances.filter { instance in
            instance.isRunning && !instance.isKilling && !instance.isUnreachable
                && (app.healthChecks.isEmpty || instance.isHealthy)
        }
        var entries: [MarathonServiceEntry] = []
        for (index, definition) in app.portDefinitions.enumerated() where definition.port != 0 {
            let backends = usable.compactMap { instance -> MarathonServiceEntry.Backend? in
                guard index < instance.hostPorts.count, let ip = agentIPs[instance.agentID] else { return nil }
                return MarathonServiceEntry.Backend(ip: ip, port: instance.hostPorts[index])
            }
            .sorted { ($0.ip, $0.port) < ($1.ip, $1.port) }
            let proto: TransportProtocol = definition.protocol.lowercased().hasPrefix("udp") ? .udp : .tcp
            entries.append(
                MarathonServiceEntry(
                    appID: app.id.description, servicePort: definition.port, protocol: proto, backends: backends))
        }
        return entries
    }
}
