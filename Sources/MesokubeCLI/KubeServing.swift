import ArgumentParser
import Foundation
import HTTPSupport
import KubeAPIServer
import KubeClient
import KubeControllers
import KubeScheduler
import KubeTypes
import Kubelet
import Logging
import StateStore

/// Flags of the Kubernetes API server, shared by `mesokube dev` and `mesokube master`.
struct KubeFlags: ParsableArguments {
    @Option(help: "Kubernetes API port.") var kubePort: Int = 6443
    @Option(
        help: ArgumentHelp(
            "API server URLs kubelets use, comma-separated (HA: every master's; default: this master's).",
            valueName: "urls"))
    var kubeApiServers: String?
    @Flag(help: "Serve the Kubernetes API over plain HTTP (kubectl then sends no credentials, so none are required).")
    var kubeInsecure = false
    @Option(help: "Seconds between compactions of the store's history (kube-apiserver compacts every 300).")
    var kubeCompactionInterval: Int = 300
    @Option(help: "Revisions of history kept by each compaction (watches may resume within them).")
    var kubeCompactionRetain: Int = 1000
    @Option(help: "IPv4 range services take cluster IPs from; its first address is the kubernetes service's.")
    var serviceCidr: String = ServiceNetwork.standard.clusterIPRange.description
    /// Upstream's default is 30000-32767; ours stops below Mesos' default agent ports (31000-32000),
    /// so a node port's rule never captures a task's host port.
    @Option(help: "Ports NodePort and LoadBalancer services take node ports from (kept clear of agents' task ports).")
    var nodePortRange: String = "30000-30999"
    @Option(help: "The Mesos role the kube scheduler framework takes its resources under.")
    var kubeRole: String = "kubernetes"
    @Option(help: "The kube role's weight in the master's weighted DRF (other roles default to 1).")
    var kubeWeight: Double = 1
    @Option(help: "Seconds between syncs of each HorizontalPodAutoscaler (kube-controller-manager's default is 15).")
    var hpaSyncPeriod: Int = 15
    @Option(
        help: "Seconds a node's kubelet may go silent (with pods bound) before the node is unreachable (upstream: 50).")
    var nodeMonitorGracePeriod: Int = 50

    func validate() throws {
        guard nodeMonitorGracePeriod >= 1 else {
            throw ValidationError(
                "--node-monitor-grace-period must be at least 1 second, not \(nodeMonitorGracePeriod)")
        }
        guard let range = IPv4Network(serviceCidr), range.usable != nil else {
            throw ValidationError("--service-cidr must be an IPv4 network such as 10.96.0.0/12, not \(serviceCidr)")
        }
        guard range.prefixLength >= 12 else {
            throw ValidationError("--service-cidr \(serviceCidr) is larger than a /12, which upstream refuses too")
        }
        guard kubeWeight > 0, kubeWeight.isFinite else {
            throw ValidationError("--kube-weight must be a positive number, not \(kubeWeight)")
        }
        guard !kubeRole.isEmpty, kubeRole != "*", !kubeRole.contains("/"), !kubeRole.hasPrefix(".") else {
            throw ValidationError("--kube-role must be a Mesos role name such as kubernetes, not '\(kubeRole)'")
        }
        guard ServiceNetwork.parsePortRange(nodePortRange) != nil else {
            throw ValidationError("--node-port-range must look like 30000-32767, not \(nodePortRange)")
        }
    }

    var serviceNetwork: ServiceNetwork {
        ServiceNetwork(
            clusterIPRange: IPv4Network(serviceCidr) ?? ServiceNetwork.standard.clusterIPRange,
            nodePortRange: ServiceNetwork.parsePortRange(nodePortRange) ?? ServiceNetwork.standard.nodePortRange)
    }
}

/// A running Kubernetes API server and what clients need to reach it.
struct KubeEndpoint {
    let server: KubeAPIServer
    let http: HTTPServer
    let url: String
    let kubeconfig: String?
    /// How in-cluster components (the scheduler, kubelets) reach this server.
    let clientConfiguration: KubeClientConfiguration
    /// What kubelets require of the API server when it proxies logs and exec to them.
    let kubeletToken: String

    func stop() async {
        await http.shutdown()
        await server.stop()
    }
}

enum KubeServing {
    /// Starts the API server on the store. With TLS, the CA and serving certificate live in
    /// `<workDir>/pki` and an admin token in `<workDir>/pki/admin.token`; when `kubeconfigPath` is
    /// given a kubeconfig for them is written there.
    static func start(
        store: any StateStore, workDir: String, ip: String, flags: KubeFlags, kubeconfigPath: String?,
        clusterDNS: (host: String, port: Int)? = nil
    ) async throws -> KubeEndpoint {
        var options = KubeAPIOptions()
        options.clusterDNS = clusterDNS
        options.compactionInterval = .seconds(max(1, flags.kubeCompactionInterval))
        options.compactionRetain = Int64(max(1, flags.kubeCompactionRetain))
        options.serviceNetwork = flags.serviceNetwork
        var tls: TLSMaterial?
        var token: String?
        if !flags.kubeInsecure {
            let pki = workDir + "/pki"
            let hosts = TLSMaterial.defaultHosts(extra: ip == "0.0.0.0" || ip == "127.0.0.1" ? [] : [ip])
            tls = try TLSMaterial.loadOrCreate(directory: pki, hosts: hosts, now: Date())
            let adminToken = try TLSMaterial.loadOrCreateToken(path: pki + "/admin.token")
            token = adminToken
            options.bearerTokens = [adminToken]
        }
        // Kubelets accept this token from the API server when it proxies logs and exec to them.
        let kubeletToken = try TLSMaterial.loadOrCreateToken(path: workDir + "/pki/kubelet.token")
        options.kubeletToken = kubeletToken
        let scheme = tls == nil ? "http" : "https"
        let server = KubeAPIServer(store: store, options: options)
        try await server.start()
        let http = HTTPServer(host: ip, port: flags.kubePort, tls: try tls?.makeServerContext(), handler: server)
        let port = try await http.start()
        let host = ip == "0.0.0.0" ? "127.0.0.1" : ip
        let url = "\(scheme)://\(host):\(port)"
        server.setAdvertiseAddress("\(host):\(port)")
        var written: String?
        if let kubeconfigPath {
            try writeKubeconfig(path: kubeconfigPath, server: url, caPEM: tls?.caPEM, token: token)
            written = kubeconfigPath
        }
        return KubeEndpoint(
            server: server, http: http, url: url, kubeconfig: written,
            clientConfiguration: KubeClientConfiguration(
                server: url, certificateAuthorityPEM: tls?.caPEM, token: token),
            kubeletToken: kubeletToken)
    }

    /// A kubeconfig with one cluster, one user and one context named `mesokube`.
    static func writeKubeconfig(path: String, server: String, caPEM: String?, token: String?) throws {
        var lines = [
            "apiVersion: v1", "kind: Config", "clusters:", "- name: mesokube", "  cluster:", "    server: \(server)",
        ]
        if let caPEM {
            lines.append("    certificate-authority-data: \(Data(caPEM.utf8).base64EncodedString())")
        }
        lines += ["users:", "- name: mesokube-admin", "  user:"]
        lines.append(token.map { "    token: \($0)" } ?? "    {}")
        lines += [
            "contexts:", "- name: mesokube", "  context:", "    cluster: mesokube", "    user: mesokube-admin",
            "    namespace: default", "current-context: mesokube", "preferences: {}",
        ]
        let text = lines.joined(separator: "\n") + "\n"
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Foundation's atomic write would leave a TemporaryDirectory.* behind in /tmp on Linux.
        try SecretFile.write(text, to: path)
    }
}

/// The controllers of a master (kube-controller-manager), on their own client of the API server.
struct KubeControllersRunning {
    let manager: KubeControllerManager
    let transport: HTTPKubeTransport
    let run: Task<Void, Never>

    /// `localPathBase` is where local-path volumes live on the nodes (the default when nil).
    static func start(
        endpoint: KubeEndpoint, flags: KubeFlags, localPathBase: String? = nil
    ) throws -> KubeControllersRunning {
        let transport = try HTTPKubeTransport(configuration: endpoint.clientConfiguration)
        var options = KubeControllerManager.Options()
        options.hpaSyncPeriod = .seconds(max(1, flags.hpaSyncPeriod))
        options.nodeMonitorGracePeriod = .seconds(flags.nodeMonitorGracePeriod)
        if let localPathBase { options.localPathBase = localPathBase }
        let manager = KubeControllerManager(
            client: KubeClient(transport: transport, fieldManager: "kube-controller-manager"),
            logger: Logger(label: "mesokube.kube-controllers"), options: options)
        return KubeControllersRunning(manager: manager, transport: transport, run: Task { await manager.run() })
    }

    func stop() async {
        manager.stop()
        await run.value
        try? await transport.shutdown()
    }
}

/// The kube scheduler framework of a master, and the weight of its role.
enum KubeScheduling {
    /// Sets the kube role's weight through the master's operator endpoint, then subscribes the
    /// scheduler. Kubelets are this same executable (`mesokube kubelet`) on every agent.
    static func start(
        master: String, endpoint: KubeEndpoint, flags: KubeFlags, logger: Logger
    ) async throws -> KubeSchedulerService {
        let body = try JSONEncoder().encode([WeightEntry(role: flags.kubeRole, weight: flags.kubeWeight)])
        let response = try await HTTPClientSession.shared.call(
            .PUT, url: "http://\(master)/weights", body: Array(body), headers: ["Content-Type": "application/json"])
        guard response.status.code == 200 else {
            throw ValidationError("the master refused the kube role's weight: \(response.bodyString)")
        }
        let configuration = endpoint.clientConfiguration
        // Kubelets move to the next API server in the list when one stops answering.
        var environment = [KubeletSettings.Variable.server: flags.kubeApiServers ?? configuration.server]
        if let ca = configuration.certificateAuthorityPEM {
            environment[KubeletSettings.Variable.certificateAuthority] = ca
        }
        if let token = configuration.token { environment[KubeletSettings.Variable.token] = token }
        environment[KubeletSettings.Variable.kubeletToken] = endpoint.kubeletToken
        // Pods resolve names through the cluster DNS Service the API server keeps (kube-dns).
        if let clusterDNS = flags.serviceNetwork.clusterDNSIP {
            environment[KubeletSettings.Variable.clusterDNS] = clusterDNS
            environment[KubeletSettings.Variable.clusterDomain] = "cluster.local"
        }
        var options = KubeSchedulerFramework.Options(
            kubelet: PodTask.Kubelet(command: executablePath(), environment: environment))
        options.role = flags.kubeRole
        return try await KubeSchedulerService.start(
            master: master, apiServer: configuration, options: options, logger: logger)
    }

    struct WeightEntry: Encodable {
        var role: String
        var weight: Double
    }

    /// This executable, for agents on this host to start as the kubelet.
    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
