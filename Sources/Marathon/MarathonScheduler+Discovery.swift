import DiscoveryCore
import MarathonCore
import MesosModel

extension MarathonScheduler {
    /// Every app's service ports with the tasks they balance to, for service discovery
    /// (`agentIPs`: agent id → address, from the master).
    public func serviceBalancing(agentIPs: [String: String]) -> [MarathonServiceEntry] {
        let byApp = Dictionary(grouping: tasks.values, by: \.appId)
        return apps.values.sorted { $0.id < $1.id }.flatMap { app in
            let instances = (byApp[app.id.description] ?? []).map { task in
                ServiceBalancing.Instance(
                    agentID: task.agentId, hostPorts: task.ports, isRunning: task.isRunning, isKilling: task.killing,
                    isUnreachable: task.unreachableSince != nil,
                    isHealthy: health[task.id]?.isHealthy(needsReadiness: false) ?? false)
            }
            return ServiceBalancing.entries(app: app, instances: instances, agentIPs: agentIPs)
        }
    }
}
