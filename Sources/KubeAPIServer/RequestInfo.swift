/// What a resource request addresses, parsed from its path the way upstream's RequestInfoFactory
/// does: `/api/v1/namespaces/default/pods/web-0/log` → core v1, namespace default, pods, web-0, log.
struct RequestInfo: Sendable, Equatable {
    var group: String
    var version: String
    var namespace: String?
    var resource: String
    var name: String?
    var subresource: String?

    /// Subresources of a namespace that must not be read as a namespaced resource name.
    private static let namespaceSubresources: Set<String> = ["status", "finalize"]

    /// Nil when the path is not a resource path (discovery paths are handled before this).
    init?(path: String) {
        var parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard let prefix = parts.first else { return nil }
        switch prefix {
        case "api":
            guard parts.count >= 3 else { return nil }
            group = ""
            version = parts[1]
            parts.removeFirst(2)
        case "apis":
            guard parts.count >= 4 else { return nil }
            group = parts[1]
            version = parts[2]
            parts.removeFirst(3)
        default:
            return nil
        }
        namespace = nil
        if parts[0] == "namespaces", parts.count > 1 {
            namespace = parts[1]
            if parts.count > 2, !Self.namespaceSubresources.contains(parts[2]) {
                parts.removeFirst(2)
            }
        }
        guard parts.count <= 3 else { return nil }
        resource = parts[0]
        name = parts.count > 1 ? parts[1] : nil
        subresource = parts.count > 2 ? parts[2] : nil
        if resource == "namespaces" {
            // `/api/v1/namespaces/foo` names the namespace object itself, which is cluster-scoped.
            namespace = nil
        }
        guard !(name?.isEmpty ?? false) else { return nil }
    }

    var groupVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
}
