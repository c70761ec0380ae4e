import MesosModel

/// Per-role consumption, for `/roles`, GET_ROLES and the allocator metrics.
public struct RoleUsage: Hashable, Sendable {
    public var allocated = Resources()
    public var offered = Resources()
    public var reserved = Resources()
    public var frameworks: Set<FrameworkID> = []
}

extension MasterCore {
    /// Every role that has a weight, quota, reservation, framework or allocation, with its usage.
    public func roleUsage() -> [String: RoleUsage] {
        var usage: [String: RoleUsage] = [:]
        for role in registry.weights.keys { usage[role, default: RoleUsage()] = usage[role] ?? RoleUsage() }
        for role in registry.quotas.keys { usage[role, default: RoleUsage()] = usage[role] ?? RoleUsage() }
        for framework in frameworks.values {
            for role in framework.roles { usage[role, default: RoleUsage()].frameworks.insert(framework.id) }
            for task in framework.tasks.values where !task.resourcesRecovered {
                usage[task.role, default: RoleUsage()].allocated += task.resources.withoutAllocationInfo()
            }
            for executors in framework.executors.values {
                for executor in executors.values {
                    let resources = Resources(executor.resources ?? [])
                    let role = resources.allocationRoles.first ?? executorRole(framework)
                    usage[role, default: RoleUsage()].allocated += resources.withoutAllocationInfo()
                }
            }
        }
        for offer in offers.values {
            usage[offer.role, default: RoleUsage()].offered += offer.resources.withoutAllocationInfo()
        }
        for agent in agents.values where !agent.removed {
            for (role, resources) in agent.totalResources.reservationsByRole {
                usage[role, default: RoleUsage()].reserved += resources
            }
        }
        return usage
    }

    /// Total resources of connected agents (the DRF denominator).
    public var clusterTotal: Resources {
        var total = Resources()
        for agent in agents.values where agent.connected { total += agent.totalResources }
        return total
    }
}
