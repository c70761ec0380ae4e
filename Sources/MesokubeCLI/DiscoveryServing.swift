import ArgumentParser
import Discovery
import DiscoveryCore
import Foundation
import KubeClient
import KubeControllersCore
import Logging
import Marathon
import Master

/// Service discovery's feed in a master process: every `interval` it reads the master's registry,
/// the Kubernetes Services, EndpointSlices and pods (through informers on the API server, as
/// kube-proxy and CoreDNS do) and Marathon's service ports, and when anything changed publishes a
/// new snapshot version to the master (which agents' service proxies long-poll) and to the DNS
/// server. Reading in-process state four times a second costs microseconds on a small cluster and
/// keeps every answer less than a second behind the cluster. On a large one a refresh costs time
/// in the number of tasks (30,000 tasks: tens of milliseconds, much of it on the master's actor),
/// so refreshes over 5 ms are spaced to take at most a tenth of the time, as DNS rebuilds are:
/// filling 3,000 agents spent over half the master's CPU here.
actor DiscoveryFeed {
    typealias Sink = @Sendable (DiscoverySnapshot) async -> Void

    let master: MasterServer
    let marathon: MarathonScheduler?
    let kube: KubeInformers?
    let sinks: [Sink]
    let interval: Duration
    let logger: Logger
    var published: DiscoverySnapshot?
    var loop: Task<Void, Never>?
    var pacing = RebuildPacing(threshold: 0.005, share: 0.1)
    let origin = ContinuousClock.now

    struct KubeInformers {
        let services: Informer
        let slices: Informer
        let pods: Informer
        let transport: HTTPKubeTransport

        static func start(configuration: KubeClientConfiguration, logger: Logger) async throws -> KubeInformers {
            let transport = try HTTPKubeTransport(configuration: configuration)
            let client = KubeClient(transport: transport, fieldManager: "mesokube-discovery")
            let informers = KubeInformers(
                services: Informer(client: client, resource: .services, logger: logger),
                slices: Informer(client: client, resource: .endpointSlices, logger: logger),
                pods: Informer(client: client, resource: .pods, logger: logger), transport: transport)
            for informer in [informers.services, informers.slices, informers.pods] { await informer.start() }
            return informers
        }

        func stop() async {
            for informer in [services, slices, pods] { await informer.stop() }
            try? await transport.shutdown()
        }
    }

    init(
        master: MasterServer, marathon: MarathonScheduler?, kube: KubeInformers?, sinks: [Sink],
        interval: Duration = .milliseconds(250), logger: Logger = Logger(label: "mesokube.discovery")
    ) {
        self.master = master
        self.marathon = marathon
        self.kube = kube
        self.sinks = sinks
        self.interval = interval
        self.logger = logger
    }

    /// A feed for a master process: Kubernetes objects when its API server runs, Marathon's
    /// service ports when Marathon runs; snapshots go to the master and to `sinks`.
    static func start(
        master: MasterServer, kube: KubeEndpoint?, marathon: MarathonService?, sinks: [Sink] = []
    ) async throws -> DiscoveryFeed {
        let logger = Logger(label: "mesokube.discovery")
        var informers: KubeInformers?
        if let kube { informers = try await .start(configuration: kube.clientConfiguration, logger: logger) }
        let publish: Sink = { snapshot in await master.publishDiscovery(snapshot) }
        let feed = DiscoveryFeed(
            master: master, marathon: marathon?.scheduler, kube: informers, sinks: [publish] + sinks, logger: logger)
        await feed.start()
        return feed
    }

    func start() {
        loop = Task { [weak self] in
            while !Task.isCancelled {
                guard let pause = await self?.refreshPaced() else { return }
                try? await Task.sleep(for: pause)
            }
        }
    }

    func stop() async {
        loop?.cancel()
        await loop?.value
        await kube?.stop()
    }

    /// Versions start at the wall clock in milliseconds, so a feed on a newly elected (or
    /// restarted) master numbers its snapshots above any earlier master's, and followers that
    /// only take newer versions take them (at most a few versions a second are published).
    let firstVersion = UInt64(Date().timeIntervalSince1970 * 1000)

    /// One refresh; answers how long to wait before the next.
    func refreshPaced() async -> Duration {
        let start = seconds()
        await refresh()
        let end = seconds()
        pacing.built(start: start, end: end)
        return max(interval, .seconds(pacing.delay(now: end)))
    }

    private func seconds() -> Double { RebuildPacing.seconds(since: origin) }

    /// Builds the current snapshot; publishes it under the next version when it differs.
    func refresh() async {
        var snapshot = await current()
        snapshot.version = published?.version ?? firstVersion
        guard snapshot != published else { return }
        snapshot.version += 1
        published = snapshot
        for sink in sinks { await sink(snapshot) }
    }

    func current() async -> DiscoverySnapshot {
        let parts = await master.discoveryParts()
        var snapshot = DiscoverySnapshot(masters: parts.masters, agents: parts.agents, tasks: parts.tasks)
        if let marathon {
            let agentIPs = Dictionary(parts.agents.map { ($0.id, $0.ip) }, uniquingKeysWith: { first, _ in first })
            snapshot.marathonServices = await marathon.serviceBalancing(agentIPs: agentIPs)
        }
        if let kube {
            snapshot.services = KubeDiscovery.services(await kube.services.list(), slices: await kube.slices.list())
            snapshot.pods = KubeDiscovery.pods(await kube.pods.list())
        }
        return snapshot
    }
}

/// The cluster DNS server of a master process (`--dns-port`), answering for `mesos.` and
/// `cluster.local.` and forwarding other names to the host's resolvers.
enum ClusterDNS {
    static func start(ip: String, port: Int) async throws -> DNSServer {
        let host = ip == "0.0.0.0" ? "127.0.0.1" : ip
        do {
            return try await DNSServer.start(
                host: ip, port: port, options: DNSRecordTable.Options(nameserverIPs: [host]),
                upstreams: DNSServer.systemNameservers(excluding: [host, ip]))
        } catch {
            throw ValidationError("the DNS server cannot listen on \(ip):\(port) (\(error)); choose another --dns-port")
        }
    }

    /// What the `kube-dns` Service's endpoints name: an address pods can reach, and the port.
    static func endpoint(_ server: DNSServer) -> (host: String, port: Int) {
        (server.host == "0.0.0.0" ? "127.0.0.1" : server.host, server.port)
    }
}
