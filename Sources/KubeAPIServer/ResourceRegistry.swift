import KubeTypes
import Synchronization

/// The resources the server serves: the built-in ones plus those of established custom resource
/// definitions, which come and go at run time. Readers get consistent snapshots.
final class ResourceRegistry: Sendable {
    struct Snapshot: Sendable {
        var resources: [ResourceType]
        var catalog: SchemaCatalog
        /// Bumped on every change, so cached discovery and OpenAPI documents know when to rebuild.
        var generation: Int

        func resource(group: String, version: String, plural: String) -> ResourceType? {
            resources.first { $0.group == group && $0.version == version && $0.plural == plural }
        }

        func resource(apiVersion: String, kind: String) -> ResourceType? {
            resources.first { $0.apiVersion == apiVersion && $0.kind == kind }
        }

        /// Group names in discovery order: built-in groups first as upstream lists them, then custom ones.
        var groups: [String] {
            var seen: [String] = []
            for resource in resources where !seen.contains(resource.group) { seen.append(resource.group) }
            return seen
        }

        func versions(of group: String) -> [String] {
            var seen: [String] = []
            for resource in resources where resource.group == group && !seen.contains(resource.version) {
                seen.append(resource.version)
            }
            return seen
        }

        func resources(group: String, version: String) -> [ResourceType] {
            resources.filter { $0.group == group && $0.version == version }
        }
    }

    private let state: Mutex<Snapshot>
    private let builtinCount: Int
    private let baseCatalog: SchemaCatalog

    init(builtin: [ResourceType] = Builtin.resources, catalog: SchemaCatalog = Builtin.catalog) {
        self.builtinCount = builtin.count
        self.baseCatalog = catalog
        self.state = Mutex(Snapshot(resources: builtin, catalog: catalog, generation: 1))
    }

    var snapshot: Snapshot { state.withLock { $0 } }

    /// Replaces the custom resources (all versions of all established definitions) at once.
    func setCustomResources(_ resources: [ResourceType], schemas: [TypeSchema]) {
        state.withLock { snapshot in
            let builtin = Array(snapshot.resources.prefix(builtinCount))
            var catalog = baseCatalog
            catalog.add(contentsOf: schemas)
            snapshot = Snapshot(resources: builtin + resources, catalog: catalog, generation: snapshot.generation + 1)
        }
    }
}
