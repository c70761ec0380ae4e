import Containerizer
import Foundation
import KubeClient
import KubeTypes
import KubeletCore
import Logging

/// Keeps this host's routes to the other nodes' pod networks (the host-gateway scheme of
/// `PodRoutes`) in step with the Node objects: a node that appears, moves or goes away changes the
/// routes within a moment; a resync every 30 s repairs routes someone else removed.
actor PodRouter {
    let nodeName: String
    let client: KubeClient
    let table: RouteTable
    let logger: Logger
    var informer: Informer?
    var resync: Task<Void, Never>?
    var reconciling = false
    var reconcileAgain = false
    /// Conflicts already logged, so a steady conflict is said once.
    var reportedConflicts: [String] = []

    init(nodeName: String, client: KubeClient, table: RouteTable, logger: Logger) {
        self.nodeName = nodeName
        self.client = client
        self.table = table
        self.logger = logger
    }

    func start() async {
        let informer = Informer(client: client, resource: .nodes, logger: logger)
        await informer.addHandler { [weak self] _ in
            Task { await self?.reconcile() }
        }
        await informer.start()
        self.informer = informer
        resync = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(30))
                await self?.reconcile()
            }
        }
    }

    /// Routes stay behind: other kubelets of this host may want the same ones, and a stale route
    /// to a node that is gone carries nothing until the next kubelet here removes it.
    func stop() async {
        resync?.cancel()
        await informer?.stop()
    }

    /// One reconcile at a time; events during one run it once more afterwards.
    func reconcile() async {
        guard !reconciling else {
            reconcileAgain = true
            return
        }
        reconciling = true
        repeat {
            reconcileAgain = false
            await reconcileOnce()
        } while reconcileAgain
        reconciling = false
    }

    private func reconcileOnce() async {
        guard let informer else { return }
        let nodes = await informer.list()
        let plan = PodRoutes.plan(nodes: nodes, nodeName: nodeName, localAddresses: RouteTable.localIPv4Addresses())
        if plan.conflicts != reportedConflicts, !plan.conflicts.isEmpty {
            logger.warning(
                "nodes whose pod CIDR overlaps another node's get no route",
                metadata: ["nodes": "\(plan.conflicts.joined(separator: ","))"])
        }
        reportedConflicts = plan.conflicts
        let table = self.table
        do {
            let changed = try await Blocking.run { () throws -> Int in
                let installed = try table.installed().map { PodRoute(destination: $0.destination, gateway: $0.gateway) }
                let (replace, remove) = PodRoutes.changes(desired: plan.routes, installed: installed)
                for route in remove {
                    try table.remove(HostRoute(destination: route.destination, gateway: route.gateway))
                }
                for route in replace {
                    try table.replace(HostRoute(destination: route.destination, gateway: route.gateway))
                }
                return replace.count + remove.count
            }
            if changed > 0 {
                logger.info(
                    "pod routes updated",
                    metadata: ["routes": "\(plan.routes.map(\.description).joined(separator: ", "))"])
            }
        } catch {
            logger.warning("pod routes not updated", metadata: ["error": "\(error)"])
        }
    }
}
