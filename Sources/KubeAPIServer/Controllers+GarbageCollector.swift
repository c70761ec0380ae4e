import HTTPSupport
import KubeTypes

/// Garbage collection through ownerReferences (Background, Foreground and Orphan propagation),
/// and namespace termination (delete everything inside, then drop the `kubernetes` finalizer).
extension KubeAPIServer {
    private static let manager = "generic-garbage-collector"

    func collectGarbage(_ world: World) async {
        for (index, entry) in world.objects.enumerated() {
            let references = entry.object[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []
            if !references.isEmpty {
                await reconcileDependent(entry, index: index, references: references, world: world)
            }
            guard entry.object[path: ["metadata", "deletionTimestamp"]] != nil else { continue }
            let finalizers =
                entry.object[path: ["metadata", "finalizers"]]?.arrayValue?.compactMap(\.stringValue) ?? []
            let dependents = (world.dependents[entry.object.uid] ?? []).filter {
                world.objects[$0].object.uid != entry.object.uid
            }
            if finalizers.contains("orphan") && dependents.isEmpty {
                await removeFinalizer("orphan", from: entry)
            }
            if finalizers.contains("foregroundDeletion") {
                // Upstream waits only for dependents that block their owner's deletion.
                let blocking = dependents.filter { dependent in
                    (world.objects[dependent].object[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).contains
                    {
                        $0["uid"]?.stringValue == entry.object.uid && $0["blockOwnerDeletion"]?.boolValue == true
                    }
                }
                if blocking.isEmpty { await removeFinalizer("foregroundDeletion", from: entry) }
            }
        }
    }

    /// Deletes a dependent whose owners are all gone or being deleted in the foreground, and drops
    /// references to owners that are gone or orphaning their dependents.
    private func reconcileDependent(
        _ entry: (resource: ResourceType, object: JSON), index: Int, references: [JSON], world: World
    ) async {
        var kept: [JSON] = []
        var foreground = false
        var dropped = false
        for reference in references {
            guard let uid = reference["uid"]?.stringValue, let ownerIndex = world.byUID[uid] else {
                dropped = true
                continue
            }
            let owner = world.objects[ownerIndex].object
            let ownerFinalizers = owner[path: ["metadata", "finalizers"]]?.arrayValue?.compactMap(\.stringValue) ?? []
            if owner[path: ["metadata", "deletionTimestamp"]] != nil {
                if ownerFinalizers.contains("orphan") {
                    dropped = true
                    continue
                }
                if ownerFinalizers.contains("foregroundDeletion") { foreground = true }
            }
            kept.append(reference)
        }
        let path = Self.path(entry.resource, namespace: entry.object.namespace, name: entry.object.name)
        let alreadyDeleting = entry.object[path: ["metadata", "deletionTimestamp"]] != nil
        if kept.isEmpty && !references.isEmpty && dropped && !Self.anyOrphaning(references, world: world) {
            guard !alreadyDeleting else { return }
            await deleteDependent(path, uid: entry.object.uid, policy: "Background")
            return
        }
        if foreground && kept.allSatisfy({ Self.ownerIsForegroundDeleting($0, world: world) }) {
            if !alreadyDeleting { await deleteDependent(path, uid: entry.object.uid, policy: "Foreground") }
            return
        }
        guard dropped else { return }
        let patch: JSON = [
            "metadata": [
                "ownerReferences": kept.isEmpty ? .null : .array(kept),
                "resourceVersion": entry.object[path: ["metadata", "resourceVersion"]] ?? .null,
            ]
        ]
        _ = await call(.PATCH, path, body: patch, contentType: "application/merge-patch+json", manager: Self.manager)
    }

    private static func anyOrphaning(_ references: [JSON], world: World) -> Bool {
        references.contains { reference in
            guard let uid = reference["uid"]?.stringValue, let index = world.byUID[uid] else { return false }
            let owner = world.objects[index].object
            return owner[path: ["metadata", "deletionTimestamp"]] != nil
                && (owner[path: ["metadata", "finalizers"]]?.arrayValue ?? []).contains("orphan")
        }
    }

    private static func ownerIsForegroundDeleting(_ reference: JSON, world: World) -> Bool {
        guard let uid = reference["uid"]?.stringValue, let index = world.byUID[uid] else { return true }
        let owner = world.objects[index].object
        return owner[path: ["metadata", "deletionTimestamp"]] != nil
            && (owner[path: ["metadata", "finalizers"]]?.arrayValue ?? []).contains("foregroundDeletion")
    }

    private func deleteDependent(_ path: String, uid: String, policy: String) async {
        let options: JSON = [
            "kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": .string(policy),
            "preconditions": ["uid": .string(uid)],
        ]
        _ = await call(.DELETE, path, body: options, manager: Self.manager)
    }

    private func removeFinalizer(_ finalizer: String, from entry: (resource: ResourceType, object: JSON)) async {
        let remaining = (entry.object[path: ["metadata", "finalizers"]]?.arrayValue ?? []).filter {
            $0.stringValue != finalizer
        }
        let patch: JSON = [
            "metadata": [
                "finalizers": remaining.isEmpty ? .null : .array(remaining),
                "resourceVersion": entry.object[path: ["metadata", "resourceVersion"]] ?? .null,
            ]
        ]
        let path = Self.path(entry.resource, namespace: entry.object.namespace, name: entry.object.name)
        _ = await call(.PATCH, path, body: patch, contentType: "application/merge-patch+json", manager: Self.manager)
    }

    /// Deletes the contents of terminating namespaces, then finalizes them.
    func terminateNamespaces(_ world: World) async {
        let terminating = world.objects.filter {
            $0.resource.group.isEmpty && $0.resource.plural == "namespaces"
                && $0.object[path: ["metadata", "deletionTimestamp"]] != nil
        }
        for (_, namespace) in terminating {
            let contents = world.objects.filter { $0.resource.namespaced && $0.object.namespace == namespace.name }
            for (resource, object) in contents where object[path: ["metadata", "deletionTimestamp"]] == nil {
                _ = await call(
                    .DELETE, Self.path(resource, namespace: object.namespace, name: object.name),
                    body: ["kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"],
                    manager: "namespace-controller")
            }
            guard contents.isEmpty else { continue }
            let body: JSON = [
                "apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace.name)],
                "spec": ["finalizers": .array([])],
            ]
            _ = await call(
                .PUT, "/api/v1/namespaces/\(namespace.name)/finalize", body: body, manager: "namespace-controller")
        }
    }
}
