import KubeletServer

/// `kubectl port-forward`: connections go to the pod's network namespace (or the host's, for
/// pods on the host network) while the pod has one.
extension KubeletAccess {
    func portForwardTarget(namespace: String, pod: String) async throws(KubeletAccessError) -> PortForwardTarget {
        let worker = try await worker(namespace, pod)
        guard let target = await worker.portForwardTarget else {
            throw KubeletAccessError(
                code: 400, message: "pod \(pod) has no network namespace yet (it is not running); cannot port-forward")
        }
        return target
    }
}

extension PodWorker {
    var portForwardTarget: PortForwardTarget? {
        if pod[path: ["spec", "hostNetwork"]]?.boolValue == true { return PortForwardTarget(networkNamespace: nil) }
        return attachment.map { PortForwardTarget(networkNamespace: $0.namespacePath) }
    }
}
