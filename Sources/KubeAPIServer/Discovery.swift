import HTTPSupport
import KubeTypes

/// Discovery in both forms kubectl 1.37 understands: aggregated (apidiscovery.k8s.io/v2, two
/// requests for everything) and legacy (APIVersions, APIGroupList, APIResourceList per version),
/// which the Python client's DynamicClient uses.
extension KubeAPIServer {
    static let aggregatedMediaType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

    func discoveryRoot(_ request: HTTPRequest, legacyCore: Bool) -> HTTPResponse {
        let snapshot = registry.snapshot
        let accept = request.headers.first(name: "Accept") ?? ""
        if MediaTypes.wantsAggregatedDiscovery(accept) {
            let groups = legacyCore ? [""] : snapshot.groups.filter { !$0.isEmpty }
            let key = legacyCore ? "aggregated-core" : "aggregated-apis"
            let (document, hash) = cachedDocument(key, generation: snapshot.generation) {
                [
                    "kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": .emptyObject,
                    "items": .array(groups.map { aggregatedGroup($0, snapshot: snapshot) }),
                ]
            }
            return Self.jsonResponse(document, contentType: Self.aggregatedMediaType, headers: ["ETag": "\"\(hash)\""])
        }
        if legacyCore {
            return Self.jsonResponse([
                "kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [
                    ["clientCIDR": "0.0.0.0/0", "serverAddress": .string(advertiseAddress)]
                ],
            ])
        }
        let groups = snapshot.groups.filter { !$0.isEmpty }.map { legacyGroup($0, snapshot: snapshot) }
        return Self.jsonResponse(["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups)])
    }

    /// `/api/v1`, `/apis/<group>` and `/apis/<group>/<version>`; nil for other paths.
    func discoveryGroup(_ request: HTTPRequest, path: String) throws -> HTTPResponse? {
        let parts = path.split(separator: "/").map(String.init)
        let snapshot = registry.snapshot
        if parts.count == 2, parts[0] == "api" {
            guard parts[1] == "v1" else { throw APIError.pathNotFound }
            return Self.jsonResponse(resourceList(group: "", version: "v1", snapshot: snapshot))
        }
        guard parts.first == "apis", parts.count == 2 || parts.count == 3 else { return nil }
        let group = parts[1]
        let versions = snapshot.versions(of: group)
        guard !group.isEmpty, !versions.isEmpty else { throw APIError.pathNotFound }
        if parts.count == 2 {
            var document = legacyGroup(group, snapshot: snapshot)
            document["kind"] = "APIGroup"
            document["apiVersion"] = "v1"
            return Self.jsonResponse(document)
        }
        guard versions.contains(parts[2]) else { throw APIError.pathNotFound }
        return Self.jsonResponse(resourceList(group: group, version: parts[2], snapshot: snapshot))
    }

    private func legacyGroup(_ group: String, snapshot: ResourceRegistry.Snapshot) -> JSON {
        let versions: [JSON] = snapshot.versions(of: group).map {
            ["groupVersion": .string("\(group)/\($0)"), "version": .string($0)]
        }
        return ["name": .string(group), "versions": .array(versions), "preferredVersion": versions.first ?? .null]
    }

    private func resourceList(group: String, version: String, snapshot: ResourceRegistry.Snapshot) -> JSON {
        var entries: [JSON] = []
        for resource in snapshot.resources(group: group, version: version) {
            var entry: JSON = [
                "name": .string(resource.plural), "singularName": .string(resource.singular),
                "namespaced": .bool(resource.namespaced), "kind": .string(resource.kind),
                "verbs": .array(resource.verbs.map { .string($0) }),
            ]
            if !resource.shortNames.isEmpty { entry["shortNames"] = .array(resource.shortNames.map { .string($0) }) }
            if !resource.categories.isEmpty { entry["categories"] = .array(resource.categories.map { .string($0) }) }
            entries.append(entry)
            for sub in resource.allSubresources {
                var subEntry: JSON = [
                    "name": .string("\(resource.plural)/\(sub.name)"), "singularName": "",
                    "namespaced": .bool(resource.namespaced), "kind": .string(sub.kind.kind),
                    "verbs": .array(sub.verbs.map { .string($0) }),
                ]
                if sub.kind.group != group || sub.kind.version != version {
                    subEntry["group"] = .string(sub.kind.group)
                    subEntry["version"] = .string(sub.kind.version)
                }
                entries.append(subEntry)
            }
        }
        return [
            "kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"),
            "resources": .array(entries),
        ]
    }

    private func aggregatedGroup(_ group: String, snapshot: ResourceRegistry.Snapshot) -> JSON {
        let versions: [JSON] = snapshot.versions(of: group).map { version in
            [
                "version": .string(version), "freshness": "Current",
                "resources": .array(snapshot.resources(group: group, version: version).map(aggregatedResource)),
            ]
        }
        return ["metadata": ["name": .string(group)], "versions": .array(versions)]
    }

    private func aggregatedResource(_ resource: ResourceType) -> JSON {
        var entry: JSON = [
            "resource": .string(resource.plural),
            "responseKind": [
                "group": .string(resource.group), "version": .string(resource.version), "kind": .string(resource.kind),
            ],
            "scope": resource.namespaced ? "Namespaced" : "Cluster", "singularResource": .string(resource.singular),
            "verbs": .array(resource.verbs.map { .string($0) }),
        ]
        if !resource.shortNames.isEmpty { entry["shortNames"] = .array(resource.shortNames.map { .string($0) }) }
        if !resource.categories.isEmpty { entry["categories"] = .array(resource.categories.map { .string($0) }) }
        let subresources: [JSON] = resource.allSubresources.map { sub in
            [
                "subresource": .string(sub.name),
                "responseKind": [
                    "group": .string(sub.kind.group), "version": .string(sub.kind.version),
                    "kind": .string(sub.kind.kind),
                ],
                "verbs": .array(sub.verbs.map { .string($0) }),
            ]
        }
        if !subresources.isEmpty { entry["subresources"] = .array(subresources) }
        return entry
    }

    // MARK: OpenAPI v3

    func openAPIIndex() -> HTTPResponse {
        let snapshot = registry.snapshot
        var paths = JSON.emptyObject
        for group in snapshot.groups {
            for version in snapshot.versions(of: group) {
                let path = group.isEmpty ? "api/\(version)" : "apis/\(group)/\(version)"
                let (_, hash) = openAPIGroupVersion(path, snapshot: snapshot)
                paths[path] = ["serverRelativeURL": .string("/openapi/v3/\(path)?hash=\(hash)")]
            }
        }
        return Self.jsonResponse(["paths": paths])
    }

    func openAPIDocument(_ path: String) throws -> HTTPResponse {
        let snapshot = registry.snapshot
        let parts = path.split(separator: "/").map(String.init)
        let known =
            (parts.count == 2 && parts[0] == "api" && parts[1] == "v1")
            || (parts.count == 3 && parts[0] == "apis" && snapshot.versions(of: parts[1]).contains(parts[2]))
        guard known else { throw APIError.pathNotFound }
        let (document, hash) = openAPIGroupVersion(path, snapshot: snapshot)
        return Self.jsonResponse(document, headers: ["ETag": "\"\(hash)\"", "Cache-Control": "public, immutable"])
    }

    private func openAPIGroupVersion(_ path: String, snapshot: ResourceRegistry.Snapshot) -> (JSON, String) {
        let parts = path.split(separator: "/").map(String.init)
        let group = parts[0] == "api" ? "" : parts[1]
        let version = parts.last ?? "v1"
        return cachedDocument("openapi:" + path, generation: snapshot.generation) {
            OpenAPIDocuments.document(
                groupVersion: group.isEmpty ? version : "\(group)/\(version)",
                resources: snapshot.resources(group: group, version: version), catalog: snapshot.catalog)
        }
    }
}
