import KubeTypes

/// The pod's name as its containers see it, and the `/etc/hosts` the kubelet manages for them
/// (upstream's kubelet_pods.go: `GeneratePodHostNameAndDomain`, `managedHostsFileContent`).
public enum PodHosts {
    /// `spec.hostname`, else the pod's name, cut to a DNS label's 63 characters (and then of any
    /// trailing `-` or `.`); the domain is `<subdomain>.<ns>.svc.<cluster domain>` when the pod
    /// names a subdomain.
    public static func hostnameAndDomain(pod: JSON, clusterDomain: String) -> (hostname: String, domain: String?) {
        let spec = pod["spec"] ?? .emptyObject
        var hostname = spec["hostname"]?.stringValue ?? ""
        if hostname.isEmpty { hostname = pod.name }
        if hostname.count > 63 {
            hostname = String(hostname.prefix(63))
            while let last = hostname.last, last == "-" || last == "." { hostname.removeLast() }
        }
        let subdomain = spec["subdomain"]?.stringValue ?? ""
        guard !subdomain.isEmpty, !clusterDomain.isEmpty else { return (hostname, nil) }
        return (hostname, "\(subdomain).\(pod.namespace).svc.\(clusterDomain)")
    }

    /// The UTS hostname: `<hostname>.<domain>` with `setHostnameAsFQDN`, else the short name.
    public static func utsHostname(pod: JSON, clusterDomain: String) -> String {
        let (hostname, domain) = hostnameAndDomain(pod: pod, clusterDomain: clusterDomain)
        guard pod[path: ["spec", "setHostnameAsFQDN"]]?.boolValue == true, let domain else { return hostname }
        return "\(hostname).\(domain)"
    }

    /// The hosts file of a pod with its own network: localhost lines, the pod's addresses under its
    /// name, then `spec.hostAliases`.
    public static func managedHostsFile(pod: JSON, podIPs: [String], clusterDomain: String) -> String {
        let (hostname, domain) = hostnameAndDomain(pod: pod, clusterDomain: clusterDomain)
        var text = """
            # Kubernetes-managed hosts file.
            127.0.0.1\tlocalhost
            ::1\tlocalhost ip6-localhost ip6-loopback
            fe00::0\tip6-localnet
            fe00::0\tip6-mcastprefix
            fe00::1\tip6-allnodes
            fe00::2\tip6-allrouters

            """
        for address in podIPs {
            text += domain.map { "\(address)\t\(hostname).\($0)\t\(hostname)\n" } ?? "\(address)\t\(hostname)\n"
        }
        return text + aliasEntries(pod)
    }

    /// A pod on the host's network sees the host's hosts file, plus its `hostAliases`.
    public static func hostNetworkHostsFile(pod: JSON, hostFile: String) -> String {
        "# Kubernetes-managed hosts file (host network).\n" + hostFile + aliasEntries(pod)
    }

    static func aliasEntries(_ pod: JSON) -> String {
        let aliases = pod[path: ["spec", "hostAliases"]]?.arrayValue ?? []
        guard !aliases.isEmpty else { return "" }
        var text = "\n# Entries added by HostAliases.\n"
        for alias in aliases {
            let names = (alias["hostnames"]?.arrayValue ?? []).compactMap(\.stringValue)
            text += (alias["ip"]?.stringValue ?? "") + "\t" + names.joined(separator: "\t") + "\n"
        }
        return text
    }
}
