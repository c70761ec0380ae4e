import Foundation

/// Where a kind lives in the API: group, version, plural and whether its objects are namespaced.
public struct KubeResource: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var plural: String
    public var namespaced: Bool

    public init(_ group: String, _ version: String, _ plural: String, namespaced: Bool = true) {
        self.group = group
        self.version = version
        self.plural = plural
        self.namespaced = namespaced
    }

    public var description: String { group.isEmpty ? plural : "\(plural).\(group)" }

    /// `/api/v1/namespaces/default/pods/web-0/status`; the collection when `name` is nil, every
    /// namespace when `namespace` is nil.
    public func path(namespace: String? = nil, name: String? = nil, subresource: String? = nil) -> String {
        var path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if namespaced, let namespace, !namespace.isEmpty { path += "/namespaces/\(Self.escape(namespace))" }
        path += "/\(plural)"
        if let name { path += "/\(Self.escape(name))" }
        if let subresource { path += "/\(subresource)" }
        return path
    }

    /// Names are DNS labels or subdomains, but RBAC names may hold `:`; escape what a path cannot carry.
    static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .kubePathSegment) ?? segment
    }

    public static let namespaces = KubeResource("", "v1", "namespaces", namespaced: false)
    public static let nodes = KubeResource("", "v1", "nodes", namespaced: false)
    public static let pods = KubeResource("", "v1", "pods")
    public static let services = KubeResource("", "v1", "services")
    public static let endpoints = KubeResource("", "v1", "endpoints")
    public static let events = KubeResource("", "v1", "events")
    public static let configMaps = KubeResource("", "v1", "configmaps")
    public static let secrets = KubeResource("", "v1", "secrets")
    public static let persistentVolumeClaims = KubeResource("", "v1", "persistentvolumeclaims")
    public static let persistentVolumes = KubeResource("", "v1", "persistentvolumes", namespaced: false)
    public static let storageClasses = KubeResource("storage.k8s.io", "v1", "storageclasses", namespaced: false)
    public static let deployments = KubeResource("apps", "v1", "deployments")
    public static let replicaSets = KubeResource("apps", "v1", "replicasets")
    public static let daemonSets = KubeResource("apps", "v1", "daemonsets")
    public static let statefulSets = KubeResource("apps", "v1", "statefulsets")
    public static let controllerRevisions = KubeResource("apps", "v1", "controllerrevisions")
    public static let jobs = KubeResource("batch", "v1", "jobs")
    public static let cronJobs = KubeResource("batch", "v1", "cronjobs")
    public static let horizontalPodAutoscalers = KubeResource("autoscaling", "v2", "horizontalpodautoscalers")
    public static let leases = KubeResource("coordination.k8s.io", "v1", "leases")
    public static let endpointSlices = KubeResource("discovery.k8s.io", "v1", "endpointslices")
    public static let podDisruptionBudgets = KubeResource("policy", "v1", "poddisruptionbudgets")
    public static let priorityClasses = KubeResource("scheduling.k8s.io", "v1", "priorityclasses", namespaced: false)
}

extension CharacterSet {
    fileprivate static let kubePathSegment: CharacterSet = {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:")
        return allowed
    }()
}
