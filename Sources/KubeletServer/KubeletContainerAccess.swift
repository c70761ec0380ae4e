import Foundation
import KubeTypes

/// Where a container instance's log is and whether that instance still runs.
public struct ContainerLogLocation: Sendable {
    /// The log file: the raw bytes the container wrote to stdout and stderr.
    public var path: String
    /// Whether the instance writing `path` still runs (follow keeps reading while it does).
    public var running: Bool
    /// When the instance writing `path` started, if known. `sinceSeconds`/`sinceTime` use it to
    /// tell that a whole file lies inside the window (log lines carry no times of their own).
    public var startedAt: Date?

    public init(path: String, running: Bool, startedAt: Date? = nil) {
        self.path = path
        self.running = running
        self.startedAt = startedAt
    }
}

/// A process inside a container, whose namespaces `exec` enters.
///
/// Exec runs `nsenter --target pid` with every namespace (mount, UTS, IPC, network, PID) that
/// differs from the node agent's own; for OCI containers the mount namespace's root is the
/// container's root file system, and for host-process pods the namespaces are the host's, so
/// nothing is entered.
public struct ContainerExecTarget: Sendable {
    public var pid: Int32
    /// The container's environment (`PATH` is looked up in it, inside the container).
    public var environment: [String: String]
    /// Where the command starts, as seen inside the container; empty means "/".
    public var workingDirectory: String
    /// The user and group the command runs as (the container's `runAsUser`/`runAsGroup`);
    /// nil keeps the node agent's own.
    public var userID: UInt32?
    public var groupID: UInt32?

    public init(
        pid: Int32, environment: [String: String], workingDirectory: String, userID: UInt32? = nil,
        groupID: UInt32? = nil
    ) {
        self.pid = pid
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.userID = userID
        self.groupID = groupID
    }
}

/// Where `kubectl port-forward` connects for a pod: the loopback interface inside the pod's
/// network namespace (as upstream's runtimes do, so a server listening on 127.0.0.1 in the pod
/// is reachable too), or the host's loopback for pods on the host network.
public struct PortForwardTarget: Sendable, Equatable {
    /// A path that opens the pod's network namespace (`/proc/<pid>/ns/net`, a bind mount under
    /// `/run/netns`); nil for the host's.
    public var networkNamespace: String?

    public init(networkNamespace: String?) {
        self.networkNamespace = networkNamespace
    }
}

/// A refusal from the node agent, sent to the client as a Kubernetes `Status` with `code`
/// (e.g. 404 for an unknown pod or container, 400 for a container that is not running).
public struct KubeletAccessError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String

    public init(code: Int, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(self.code): \(self.message)" }
}

/// How the kubelet's HTTP endpoints reach containers; the kubelet implements it.
public protocol KubeletContainerAccess: Sendable {
    /// The log of the current instance of `container`, or with `previous` of the one before it.
    func logLocation(
        namespace: String, pod: String, container: String, previous: Bool
    ) async throws(KubeletAccessError) -> ContainerLogLocation

    /// Whether the instance writing `path` still runs (follow ends when it stops).
    func isRunning(namespace: String, pod: String, container: String, path: String) async -> Bool

    /// A running process of `container` whose namespaces exec enters.
    func execTarget(
        namespace: String, pod: String, container: String
    ) async throws(KubeletAccessError) -> ContainerExecTarget

    /// Where port-forward connections to the running pod go.
    func portForwardTarget(namespace: String, pod: String) async throws(KubeletAccessError) -> PortForwardTarget

    /// The `GET /stats/summary` document (upstream's Summary API: node and pod CPU and memory).
    func statsSummary() async throws(KubeletAccessError) -> JSON
}

extension KubeletContainerAccess {
    /// Node agents without statistics answer 501.
    public func statsSummary() async throws(KubeletAccessError) -> JSON {
        throw KubeletAccessError(code: 501, message: "this node agent does not collect statistics")
    }
}
