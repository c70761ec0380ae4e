import Foundation
import KubeTypes
import StateStore

/// Kubernetes objects in the StateStore. Keys follow the API's own layout
/// (`/registry/apps/deployments/<namespace>/<name>`), values are the object's JSON without its
/// resourceVersion, which is the key's modRevision and is filled in on every read: the store's
/// revision is the resourceVersion, as with etcd.
struct ObjectStorage: Sendable {
    let store: any StateStore
    static let root = "/registry/"

    /// Prefix of every object of a resource, optionally within one namespace.
    static func prefix(_ resource: ResourceType, namespace: String?) -> String {
        let group = resource.group.isEmpty ? "core" : resource.group
        var prefix = "\(root)\(group)/\(resource.plural)/"
        if resource.namespaced, let namespace, !namespace.isEmpty { prefix += namespace + "/" }
        return prefix
    }

    static func key(_ resource: ResourceType, namespace: String?, name: String) -> String {
        prefix(resource, namespace: namespace) + name
    }

    static func key(_ resource: ResourceType, object: JSON) -> String {
        key(resource, namespace: resource.namespaced ? object.namespace : nil, name: object.name)
    }

    /// Decodes a stored value and stamps its resourceVersion.
    static func decode(_ keyValue: KeyValue) throws -> JSON {
        var object = try JSONReader.parse(Array(keyValue.value))
        object[path: ["metadata", "resourceVersion"]] = .string(String(keyValue.modRevision))
        return object
    }

    static func encode(_ object: JSON) -> Data {
        var stored = object
        stored[path: ["metadata", "resourceVersion"]] = nil
        return Data(stored.serializedBytes())
    }

    func get(_ resource: ResourceType, namespace: String?, name: String) async throws -> (JSON, Int64)? {
        guard let keyValue = try await store.get(Self.key(resource, namespace: namespace, name: name)) else {
            return nil
        }
        return (try Self.decode(keyValue), keyValue.modRevision)
    }

    /// Creates the object; nil when the key already exists.
    func create(_ resource: ResourceType, _ object: JSON) async throws -> JSON? {
        do {
            let keyValue = try await store.create(Self.key(resource, object: object), value: Self.encode(object))
            var created = object
            created[path: ["metadata", "resourceVersion"]] = .string(String(keyValue.modRevision))
            return created
        } catch StoreError.keyExists {
            return nil
        }
    }

    /// Replaces the object if it is still at `revision`; nil on a lost race (the caller re-reads).
    func update(_ resource: ResourceType, _ object: JSON, expected revision: Int64) async throws -> JSON? {
        do {
            let keyValue = try await store.update(
                Self.key(resource, object: object), value: Self.encode(object), expectedModRevision: revision)
            var updated = object
            updated[path: ["metadata", "resourceVersion"]] = .string(String(keyValue.modRevision))
            return updated
        } catch StoreError.revisionMismatch, StoreError.notFound {
            return nil
        }
    }

    /// Deletes the object if it is still at `revision`; returns the deletion revision, nil on a lost race.
    func delete(_ resource: ResourceType, _ object: JSON, expected revision: Int64) async throws -> Int64? {
        do {
            try await store.delete(Self.key(resource, object: object), expectedModRevision: revision)
            return try await store.currentRevision()
        } catch StoreError.revisionMismatch, StoreError.notFound {
            return nil
        }
    }
}
