import Foundation
import HTTPSupport
import KubeScheduler
import Logging
import Marathon
import Master
import StateStore

/// What a master process runs only while it leads: the kube scheduler (a framework of this
/// master), the kube controllers, Marathon, and the service discovery feed. A single master
/// starts them at once; an HA master when it wins the election.
actor LeaderDuties {
    struct Settings: Sendable {
        var masterAddress: String
        var ip: String
        var kube: KubeFlags
        var marathon: MarathonFlags
        var runsMarathon: Bool
    }

    let settings: Settings
    let store: any StateStore
    let server: MasterServer
    let kubeEndpoint: KubeEndpoint?
    let dnsSink: DiscoveryFeed.Sink
    private(set) var scheduler: KubeSchedulerService?
    private(set) var controllers: KubeControllersRunning?
    private(set) var marathon: MarathonService?
    private(set) var discovery: DiscoveryFeed?

    init(
        settings: Settings, store: any StateStore, server: MasterServer, kubeEndpoint: KubeEndpoint?,
        dnsSink: @escaping DiscoveryFeed.Sink
    ) {
        self.settings = settings
        self.store = store
        self.server = server
        self.kubeEndpoint = kubeEndpoint
        self.dnsSink = dnsSink
    }

    func start() async throws {
        if let endpoint = kubeEndpoint {
            endpoint.server.setRunsClusterWork(true)
            scheduler = try await KubeScheduling.start(
                master: settings.masterAddress, endpoint: endpoint, flags: settings.kube,
                logger: Logger(label: "mesokube.kube-scheduler"))
            controllers = try KubeControllersRunning.start(endpoint: endpoint, flags: settings.kube)
        }
        if settings.runsMarathon {
            let service = try await MarathonServing.start(
                store: store, master: settings.masterAddress, ip: settings.ip, flags: settings.marathon)
            say("Marathon API on http://\(settings.ip):\(service.port) (role \(settings.marathon.marathonRole))")
            marathon = service
        }
        discovery = try await DiscoveryFeed.start(
            master: server, kube: kubeEndpoint, marathon: marathon, sinks: [dnsSink])
    }

    func stop() async {
        await discovery?.stop()
        await marathon?.stop()
        await controllers?.stop()
        await scheduler?.stop()
    }
}
