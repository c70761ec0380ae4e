import Containerizer
import Foundation
import KubeClient
import KubeTypes
import KubeletCore

/// The files that make a pod's name service (resolv.conf, hosts, hostname) and its containers'
/// service environment variables. Host-process pods (RuntimeClass `process`) see the host's own
/// /etc and get none of the files.
extension PodWorker {
    /// In the pod's directory, as upstream's kubelet keeps `etc-hosts` there.
    static let networkFiles = [
        (file: "etc-resolv.conf", path: "/etc/resolv.conf", readOnly: true),
        (file: "etc-hosts", path: "/etc/hosts", readOnly: false),
        (file: "etc-hostname", path: "/etc/hostname", readOnly: false),
    ]

    var clusterDomain: String { context.settings.clusterDNS?.domain ?? "" }
    var usesHostNetwork: Bool { pod[path: ["spec", "hostNetwork"]]?.boolValue == true }

    /// Writes the pod's resolv.conf (its `dnsPolicy` and `dnsConfig`), hosts file and hostname
    /// into its directory, and records upstream's warnings about the DNS configuration.
    func writeNetworkFiles(podIPs: [String]) async throws {
        guard !usesHostProcesses else { return }
        let host = ResolverConfig(parsing: Self.hostResolvConf())
        let (dns, warnings) = PodDNS.resolverConfig(pod: pod, clusterDNS: context.settings.clusterDNS, host: host)
        let hosts =
            usesHostNetwork
            ? PodHosts.hostNetworkHostsFile(pod: pod, hostFile: Self.read("/etc/hosts") ?? "")
            : PodHosts.managedHostsFile(pod: pod, podIPs: podIPs, clusterDomain: clusterDomain)
        let contents = [dns.resolvConf, hosts, hostname + "\n"]
        for (entry, text) in zip(Self.networkFiles, contents) {
            try Data(text.utf8).write(to: URL(fileURLWithPath: podDirectory + "/" + entry.file), options: .atomic)
        }
        for warning in warnings {
            await record(
                KubeletEvent(
                    type: .warning, reason: warning.reason, message: warning.message, fieldPath: nil, at: Self.now()))
        }
    }

    /// The pod's UTS hostname; a pod on the host's network keeps the host's name.
    var hostname: String {
        usesHostNetwork
            ? ProcessInfo.processInfo.hostName : PodHosts.utsHostname(pod: pod, clusterDomain: clusterDomain)
    }

    /// Bind mounts of the files above, except where the container mounts a volume of its own.
    func networkFileMounts(for container: JSON) -> [OCIVolume] {
        guard !usesHostProcesses else { return [] }
        let taken = Set((container["volumeMounts"]?.arrayValue ?? []).compactMap { $0["mountPath"]?.stringValue })
        return Self.networkFiles.compactMap { entry in
            let source = podDirectory + "/" + entry.file
            guard !taken.contains(entry.path), FileManager.default.fileExists(atPath: source) else { return nil }
            return OCIVolume(hostPath: source, containerPath: entry.path, readOnly: entry.readOnly)
        }
    }

    /// The host's resolver configuration. A host behind systemd-resolved lists only its local stub
    /// (127.0.0.53), which a pod's network cannot reach: its upstream servers are used instead,
    /// as kubeadm points the kubelet's `--resolv-conf` at them.
    static func hostResolvConf() -> String {
        let text = read("/etc/resolv.conf") ?? ""
        let servers = ResolverConfig(parsing: text).nameservers
        if !servers.isEmpty, servers.allSatisfy({ $0.hasPrefix("127.") }),
            let resolved = read("/run/systemd/resolve/resolv.conf")
        {
            return resolved
        }
        return text
    }

    static func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    /// The variables of the Services the pod may reach (`enableServiceLinks`, default true), from
    /// the kubelet's Service informer. Like upstream, a kubelet that has not listed the Services
    /// yet does not guess: the container waits (CreateContainerConfigError) and is retried.
    func serviceEnvironment() async throws(ContainerConfigError) -> [(name: String, value: String)] {
        let services = context.services
        var waits = 0
        while !(await services.hasSynced), waits < 50 {
            try? await Task.sleep(for: .milliseconds(200))
            waits += 1
        }
        guard await services.hasSynced else {
            throw ContainerConfigError("services have not yet been read at least once, cannot construct envvars")
        }
        return ServiceLinks.variables(
            services: await services.list(), namespace: pod.namespace,
            enableServiceLinks: pod[path: ["spec", "enableServiceLinks"]]?.boolValue ?? true)
    }
}
