/// Service ports (reference §2, `portDefinitions`): a port definition asking for port 0 gets a
/// service port from Marathon's `local_port_min`..`local_port_max` (10000–20000) that no other app
/// uses; an update keeps the ports the app already had at the same positions. Load balancers
/// (marathon-lb) listen on service ports; with `requirePorts` the host port must equal it.
///
/// Public API for the framework shell: `ServicePorts.assign(_:previous:inUse:)`, `ServicePorts.of(_:)`.
public enum ServicePorts {
    public static let range = 10000...20000

    /// The service ports an app holds (its non-zero port definitions).
    public static func of(_ app: AppDefinition) -> Set<Int> {
        Set(app.portDefinitions.map(\.port).filter { $0 != 0 })
    }

    /// `app` with every port-0 definition given a service port: the one `previous` had at that
    /// position when free, else the lowest one not in `inUse` (ports of the other apps). nil when
    /// the range has no port left.
    public static func assign(_ app: AppDefinition, previous: AppDefinition?, inUse: Set<Int>) -> AppDefinition? {
        var taken = inUse.union(of(app))
        var result = app
        var candidate = range.lowerBound
        for index in result.portDefinitions.indices where result.portDefinitions[index].port == 0 {
            if let old = previous?.portDefinitions, old.indices.contains(index), old[index].port != 0,
                !taken.contains(old[index].port)
            {
                result.portDefinitions[index].port = old[index].port
                taken.insert(old[index].port)
                continue
            }
            while candidate <= range.upperBound && taken.contains(candidate) { candidate += 1 }
            guard candidate <= range.upperBound else { return nil }
            result.portDefinitions[index].port = candidate
            taken.insert(candidate)
        }
        return result
    }
}
