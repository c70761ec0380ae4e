import Foundation
import KubeClient
import KubeTypes
import Logging

/// What the kubelet keeps up to date about its node while it runs: the node's Lease in
/// `kube-node-lease` (renewed every 10 s, as upstream's kubelet does, for the node lifecycle
/// controller), and the parts of the Node only it knows — the pod CIDR and where its own server
/// (logs, exec) listens.
actor NodeHeartbeat {
    static let leaseNamespace = "kube-node-lease"
    static let leaseDurationSeconds: Int64 = 40
    static let renewInterval: Duration = .seconds(10)

    let client: KubeClient
    let nodeName: String
    let logger: Logger
    private var loop: Task<Void, Never>?

    init(client: KubeClient, nodeName: String, logger: Logger) {
        self.client = client
        self.nodeName = nodeName
        self.logger = logger
    }

    func start() {
        guard loop == nil else { return }
        loop = Task { [weak self] in
            while !Task.isCancelled {
                await self?.renewLease()
                try? await Task.sleep(for: Self.renewInterval)
            }
        }
    }

    func stop() {
        loop?.cancel()
        loop = nil
    }

    func renewLease() async {
        let now = Timestamp.formatMicro(Int64(Date().timeIntervalSince1970 * 1_000_000))
        do {
            var lease = try await client.get(.leases, namespace: Self.leaseNamespace, name: nodeName)
            lease[path: ["spec", "renewTime"]] = .string(now)
            lease[path: ["spec", "holderIdentity"]] = .string(nodeName)
            _ = try await client.update(.leases, lease)
        } catch let error as KubeAPIError where error.isNotFound {
            let lease: JSON = [
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": ["name": .string(nodeName), "namespace": .string(Self.leaseNamespace)],
                "spec": [
                    "holderIdentity": .string(nodeName), "leaseDurationSeconds": .int(Self.leaseDurationSeconds),
                    "renewTime": .string(now),
                ],
            ]
            _ = try? await client.create(.leases, namespace: Self.leaseNamespace, lease)
        } catch {
            logger.info("node lease not renewed", metadata: ["node": "\(nodeName)", "error": "\(error)"])
        }
    }

    /// `spec.podCIDR(s)` (set once; the API server keeps it immutable) and the kubelet's endpoint.
    func publish(podCIDR: String?, kubeletPort: Int?) async {
        if let podCIDR {
            let node = try? await client.get(.nodes, name: nodeName)
            if node?[path: ["spec", "podCIDR"]] == nil {
                let patch: JSON = ["spec": ["podCIDR": .string(podCIDR), "podCIDRs": [.string(podCIDR)]]]
                _ = try? await client.patch(.nodes, name: nodeName, patch, type: .merge)
            }
        }
        if let kubeletPort {
            let patch: JSON = ["status": ["daemonEndpoints": ["kubeletEndpoint": ["Port": .int(Int64(kubeletPort))]]]]
            do {
                _ = try await client.patch(.nodes, name: nodeName, patch, type: .merge, subresource: "status")
            } catch {
                logger.warning("kubelet endpoint not published", metadata: ["error": "\(error)"])
            }
        }
    }
}
