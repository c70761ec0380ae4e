import Discovery
import DiscoveryCore
import Foundation

/// The agent as kube-proxy and marathon-lb: it follows the master's discovery snapshots and keeps
/// this host's iptables rules for ClusterIPs, NodePorts, LoadBalancer addresses and Marathon
/// service ports (docs/networking.md). Rules outlive the agent, as kube-proxy's do, so traffic
/// keeps flowing across an agent restart; the next agent replaces them with its first snapshot.
extension AgentServer {
    /// Seconds between forced re-applies, which repair rules someone else changed.
    static let proxyResyncSeconds: UInt64 = 30

    func startServiceProxy() {
        guard let settings = options.serviceProxy else { return }
        let proxy = ServiceProxy(node: ProxyNode(clusterCIDR: settings.clusterCIDR))
        let logger = self.logger
        let follower = DiscoveryFollower(masters: masters, logger: logger) { snapshot in
            try await proxy.apply(snapshot)
        }
        serviceProxy = (proxy, follower)
        proxyResync = Task {
            await follower.start()
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(Self.proxyResyncSeconds))
                guard let snapshot = await follower.lastSnapshot else { continue }
                do {
                    try await proxy.apply(snapshot, force: true)
                } catch {
                    logger.warning("service proxy resync failed: \(error)")
                }
            }
        }
        logger.info("service proxy on: following the master's discovery snapshots")
    }

    /// Stops following; with `removeRules` (dev mode's shutdown) the rules go too.
    func stopServiceProxy(removeRules: Bool) async {
        proxyResync?.cancel()
        guard let (proxy, follower) = serviceProxy else { return }
        await follower.stop()
        if removeRules {
            do {
                try await proxy.removeAll()
            } catch {
                logger.warning("could not remove the service proxy's rules: \(error)")
            }
        }
        serviceProxy = nil
    }
}
