import Foundation
import KubeClient
import KubeControllers
import KubeTestSupport
import KubeTypes
import Logging
import Synchronization
import Testing

/// A live API server with the controller manager running against it, and the helpers tests use
/// to play the parts nobody else plays here: the user (creating and editing objects) and the
/// kubelet (reporting pods Ready or finished through status writes).
struct ControllerCluster {
    let live: LiveAPIServer
    let manager: KubeControllerManager
    let running: Task<Void, Never>
    /// The controllers' connection, where tests make the server refuse writes.
    let faults: FaultyTransport
    var client: KubeClient { live.client }

    static func start() async throws -> ControllerCluster {
        let live = try await LiveAPIServer.start()
        let faults = FaultyTransport(base: live.transport)
        let manager = KubeControllerManager(
            client: KubeClient(transport: faults, fieldManager: "kube-controller-manager"),
            logger: Logger(label: "controllers-test"),
            options: KubeControllerManager.Options(jobPodFailureBackoff: .zero))
        let running = Task { await manager.run() }
        return ControllerCluster(live: live, manager: manager, running: running, faults: faults)
    }

    func stop() async {
        manager.stop()
        await running.value
        await live.stop()
    }

    /// Runs `body` on a fresh cluster and always tears it down.
    static func with(_ body: (ControllerCluster) async throws -> Void) async throws {
        let cluster = try await start()
        do {
            try await body(cluster)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    // MARK: Reading

    func get(_ resource: KubeResource, _ name: String, namespace: String = "default") async throws -> JSON {
        try await client.get(resource, namespace: namespace, name: name)
    }

    func list(_ resource: KubeResource, namespace: String = "default") async throws -> [JSON] {
        try await client.listAll(resource, namespace: namespace).items
    }

    /// Pods controlled by the object with `uid`, not being deleted.
    func pods(ownedBy uid: String, namespace: String = "default") async throws -> [JSON] {
        try await list(.pods, namespace: namespace).filter {
            $0.controllerUID == uid && $0[path: ["metadata", "deletionTimestamp"]] == nil
        }
    }

    /// ReplicaSets controlled by the Deployment, oldest revision first.
    func replicaSets(of deployment: JSON) async throws -> [JSON] {
        try await list(.replicaSets, namespace: deployment.namespace).filter { $0.controllerUID == deployment.uid }
            .sorted { $0.revision < $1.revision }
    }

    func events(about name: String, namespace: String = "default") async throws -> [JSON] {
        try await list(.events, namespace: namespace).filter {
            $0[path: ["involvedObject", "name"]]?.stringValue == name
        }
    }

    /// The events about `name` once `complete` holds for them. A controller records its events
    /// after the writes they describe (as upstream's recorder trails them), so a test that has
    /// seen the status must wait for the events rather than read them once.
    func events(
        about name: String, namespace: String = "default", sourceLocation: SourceLocation = #_sourceLocation,
        until complete: @escaping @Sendable ([JSON]) -> Bool
    ) async throws -> [JSON] {
        try await eventually(sourceLocation: sourceLocation) { [self] in
            let events = try await events(about: name, namespace: namespace)
            return complete(events) ? events : nil
        }
    }

    /// The reasons of the events about `name` once every one of `expected` is among them.
    func eventReasons(
        about name: String, including expected: Set<String>, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [String] {
        try await events(about: name, sourceLocation: sourceLocation) { events in
            expected.isSubset(of: Set(events.compactMap { $0["reason"]?.stringValue }))
        }.compactMap { $0["reason"]?.stringValue }
    }

    // MARK: Playing the kubelet

    /// Reports the pod Running and Ready, as a kubelet would once its containers pass readiness.
    func markReady(_ pod: JSON) async throws {
        try await setStatus(
            pod,
            [
                "phase": "Running",
                "conditions": [
                    [
                        "type": "Ready", "status": "True",
                        "lastTransitionTime": .string(Timestamp.format(Int64(Date().timeIntervalSince1970))),
                    ]
                ],
            ])
    }

    /// Reports the pod finished with `phase` (Succeeded or Failed).
    func markFinished(_ pod: JSON, phase: String) async throws {
        try await setStatus(pod, ["phase": .string(phase)])
    }

    private func setStatus(_ pod: JSON, _ status: JSON) async throws {
        var current = try await client.get(.pods, namespace: pod.namespace, name: pod.name)
        current["status"] = status
        _ = try await client.updateStatus(.pods, current)
    }

    /// Marks every pod of `uid` Ready that is not yet; returns how many it marked.
    @discardableResult
    func markAllReady(ownedBy uid: String, namespace: String = "default") async throws -> Int {
        var marked = 0
        for pod in try await pods(ownedBy: uid, namespace: namespace) where !pod.isReady {
            try await markReady(pod)
            marked += 1
        }
        return marked
    }
}

/// Passes requests on, except for the faults a test turns on: pod creates beyond an allowance
/// are answered with the 403 an exhausted quota would give, and watch events of a resource can
/// be held back so the controllers' cache of it lags behind their own writes.
final class FaultyTransport: KubeTransport {
    let base: any KubeTransport
    /// Pod creates still let through; nil lets every one through.
    let podCreatesAllowed = Mutex<Int?>(nil)
    /// How long each watch event of a resource (by plural) is held before the controllers see it.
    let watchDelays = Mutex<[String: Duration]>([:])

    init(base: any KubeTransport) { self.base = base }

    func send(_ request: KubeRequest) async throws -> KubeResponse {
        let isPodCreate = request.method == "POST" && request.path.hasSuffix("/pods")
        let refuse =
            isPodCreate
            && podCreatesAllowed.withLock { allowed in
                guard let left = allowed else { return false }
                allowed = max(0, left - 1)
                return left == 0
            }
        guard refuse else { return try await base.send(request) }
        let status: JSON = [
            "kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Forbidden", "code": 403,
            "message":
                "pods \"x\" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=1, limited: pods=1",
        ]
        return KubeResponse(status: 403, body: Array(status.serialized().utf8))
    }

    func streamLines(_ request: KubeRequest) async throws -> KubeLineStream {
        let stream = try await base.streamLines(request)
        let plural = String(request.path.split(separator: "/").last ?? "")
        let delay = { [self] in watchDelays.withLock { $0[plural] ?? .zero } }
        let (lines, continuation) = AsyncThrowingStream.makeStream(of: [UInt8].self)
        let relay = Task {
            do {
                for try await line in stream.lines {
                    let wait = delay()
                    if wait > .zero { try await Task.sleep(for: wait) }
                    continuation.yield(line)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in relay.cancel() }
        return KubeLineStream(status: stream.status, lines: lines, errorBody: stream.errorBody)
    }
}

/// Polls `probe` until it returns a value, for at most `seconds`; nil when it never did.
func poll<T: Sendable>(within seconds: Double, _ probe: @Sendable () async throws -> T?) async throws -> T? {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if let value = try? await probe() { return value }
        try await Task.sleep(for: .milliseconds(25))
    }
    return try await probe()
}

/// The value `probe` comes up with within `seconds`; a controller that never gets there fails
/// the test at the caller instead of hanging it. (JSON takes `nil` literals too: a probe
/// answering `condition ? object : nil` must write `Optional(object)`, or it answers `.null`.)
func eventually<T: Sendable>(
    within seconds: Double = 180, sourceLocation: SourceLocation = #_sourceLocation,
    _ probe: @Sendable () async throws -> T?
) async throws -> T {
    let value = try await poll(within: seconds, probe)
    return try #require(value, "never came about", sourceLocation: sourceLocation)
}

/// Polls until `condition` holds, recording a failure at the caller when it never does.
func expectEventually(
    within seconds: Double = 180, sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: @Sendable () async throws -> Bool
) async throws {
    let held = try await poll(within: seconds) { try await condition() ? true : nil } != nil
    #expect(held, "condition never held", sourceLocation: sourceLocation)
}

extension JSON {
    var controllerUID: String? {
        let references = self[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []
        return references.first { $0["controller"]?.boolValue == true }?["uid"]?.stringValue
    }

    var isReady: Bool {
        let conditions = self[path: ["status", "conditions"]]?.arrayValue ?? []
        return conditions.contains { $0["type"] == "Ready" && $0["status"] == "True" }
    }

    var specReplicas: Int64 { self[path: ["spec", "replicas"]]?.intValue ?? -1 }

    func status(_ field: String) -> Int64 { self[path: ["status", field]]?.intValue ?? 0 }

    var revision: Int { Int(annotations["deployment.kubernetes.io/revision"] ?? "") ?? 0 }

    var image: String {
        self[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["image"]?.stringValue ?? ""
    }
}

enum Objects {
    static func template(labels: [String: String], image: String = "nginx:1.25") -> JSON {
        [
            "metadata": ["labels": JSON(labels)],
            "spec": ["containers": [["name": "main", "image": .string(image)]]],
        ]
    }

    static func replicaSet(_ name: String, replicas: Int64, labels: [String: String]) -> JSON {
        [
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": ["name": .string(name)],
            "spec": [
                "replicas": .int(replicas), "selector": ["matchLabels": JSON(labels)],
                "template": template(labels: labels),
            ],
        ]
    }

    static func deployment(
        _ name: String, replicas: Int64, image: String = "nginx:1.25", strategy: JSON? = nil
    ) -> JSON {
        let labels = ["app": name]
        var spec: JSON = [
            "replicas": .int(replicas), "selector": ["matchLabels": JSON(labels)],
            "template": template(labels: labels, image: image),
        ]
        if let strategy { spec["strategy"] = strategy }
        return ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": .string(name)], "spec": spec]
    }

    static func pod(_ name: String, labels: [String: String]) -> JSON {
        [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name), "labels": JSON(labels)],
            "spec": ["containers": [["name": "main", "image": "nginx:1.25"]]],
        ]
    }
}
