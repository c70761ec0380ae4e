import Foundation
import KubeTypes
import KubeletServer

/// How the kubelet's server (`kubectl logs`, `kubectl exec`) reaches the containers its pod
/// workers run.
struct KubeletAccess: KubeletContainerAccess {
    let executor: KubeletExecutor

    func worker(_ namespace: String, _ pod: String) async throws(KubeletAccessError) -> PodWorker {
        guard let worker = await executor.worker(namespace: namespace, name: pod) else {
            throw KubeletAccessError(code: 404, message: "pod \(namespace)/\(pod) does not run on this node")
        }
        return worker
    }

    func logLocation(
        namespace: String, pod: String, container: String, previous: Bool
    ) async throws(KubeletAccessError) -> ContainerLogLocation {
        let worker = try await worker(namespace, pod)
        guard await worker.containerSpec(container) != nil else {
            throw KubeletAccessError(code: 404, message: "container \(container) is not valid for pod \(pod)")
        }
        guard let location = await worker.logLocation(container, previous: previous) else {
            let message =
                previous
                ? "previous terminated container \"\(container)\" in pod \"\(pod)\" not found"
                : "container \"\(container)\" in pod \"\(pod)\" is waiting to start"
            throw KubeletAccessError(code: 400, message: message)
        }
        return location
    }

    func isRunning(namespace: String, pod: String, container: String, path: String) async -> Bool {
        guard let worker = await executor.worker(namespace: namespace, name: pod) else { return false }
        return await worker.isWriting(path)
    }

    func execTarget(
        namespace: String, pod: String, container: String
    ) async throws(KubeletAccessError) -> ContainerExecTarget {
        let worker = try await worker(namespace, pod)
        guard let target = await worker.execTarget(container) else {
            throw KubeletAccessError(
                code: 400, message: "container \(container) is not running in pod \(pod); cannot exec into it")
        }
        return target
    }

    func statsSummary() async -> JSON { await executor.statsSummary() }
}

extension PodWorker {
    /// The current instance's log, or the one before it.
    func logLocation(_ container: String, previous: Bool) -> ContainerLogLocation? {
        let history = logHistory[container] ?? []
        let running = current(container)
        let path: String?
        if previous {
            // The newest file of an instance that is no longer running.
            path = history.last(where: { $0 != running?.logPath })
        } else {
            path = running?.logPath ?? history.last
        }
        guard let path else { return nil }
        return ContainerLogLocation(path: path, running: path == running?.logPath)
    }

    func isWriting(_ path: String) -> Bool { containers.values.contains { $0.logPath == path } }

    func execTarget(_ container: String) -> ContainerExecTarget? {
        guard let running = current(container), let pid = context.runtime.targetPID(running) else { return nil }
        return ContainerExecTarget(
            pid: pid, environment: running.environment, workingDirectory: running.workingDirectory)
    }
}
