import KubeTypes
import KubeletCore

/// Pod JSON the way the API server stores it after defaulting, small enough to read in a test.
enum Fixture {
    static let start: Int64 = 1_800_000_000
    static let uid = "0c1d2e3f"

    static func pod(
        name: String = "web", restartPolicy: String = "Always", containers: [JSON], initContainers: [JSON] = [],
        grace: Int64 = 30, extraSpec: [String: JSON] = [:]
    ) -> JSON {
        var spec: JSON = [
            "restartPolicy": .string(restartPolicy), "terminationGracePeriodSeconds": .int(grace),
            "containers": .array(containers), "nodeName": "node-1",
        ]
        if !initContainers.isEmpty { spec["initContainers"] = .array(initContainers) }
        for (key, value) in extraSpec { spec[key] = value }
        return [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": .string(name), "namespace": "default", "uid": .string(uid), "generation": 1,
            ],
            "spec": spec,
            "status": [
                "phase": "Pending", "qosClass": "BestEffort",
                "conditions": [
                    [
                        "type": "PodScheduled", "status": "True", "lastProbeTime": .null,
                        "lastTransitionTime": .string(Timestamp.format(start - 5)),
                    ]
                ],
            ],
        ]
    }

    static func container(
        _ name: String, image: String = "nginx:1.27", extra: [String: JSON] = [:]
    ) -> JSON {
        var container: JSON = ["name": .string(name), "image": .string(image), "imagePullPolicy": "IfNotPresent"]
        for (key, value) in extra { container[key] = value }
        return container
    }

    static func probe(
        period: Int64 = 10, initialDelay: Int64 = 0, failureThreshold: Int64 = 3, successThreshold: Int64 = 1,
        extra: [String: JSON] = [:]
    ) -> JSON {
        var probe: JSON = [
            "httpGet": ["path": "/healthz", "port": 8080], "periodSeconds": .int(period),
            "initialDelaySeconds": .int(initialDelay), "failureThreshold": .int(failureThreshold),
            "successThreshold": .int(successThreshold), "timeoutSeconds": 1,
        ]
        for (key, value) in extra { probe[key] = value }
        return probe
    }
}

/// A scripted shell: answers the core's actions the way a well-behaved runtime would, delivers
/// the answers in time order, and honours `wake(at:)`. Tests steer it through the knobs.
struct SimulatedShell {
    var lifecycle: PodLifecycle
    private(set) var now: Int64
    private(set) var actions: [(at: Int64, action: PodAction)] = []
    private var queue: [(at: Int64, order: Int, input: PodInput)] = []
    private var order = 0
    private(set) var wakeAt: Int64?
    private var instances: [String: Int] = [:]

    /// Probe outcome by container, probe and time; every probe passes by default.
    var probeResult: (String, ProbeKind, Int64) -> (Bool, String) = { _, _, _ in (true, "") }
    /// Images whose pulls fail, with the registry's message.
    var failingImages: [String: String] = [:]
    /// Containers that exit on their own this long after each start, with this code.
    var exitAfterStart: [String: (seconds: Int64, code: Int64)] = [:]
    /// How long a container takes to exit once signalled, and its exit code then.
    var secondsToDieAfterKill: Int64 = 0
    var exitCodeOnKill: Int64 = 143
    var preStopSeconds: Int64 = 0
    /// Containers whose automatic start the test answers itself.
    var manualStarts: Set<String> = []

    init(pod: JSON, config: KubeletCoreConfig = KubeletCoreConfig(hostIPs: ["10.0.0.7"])) {
        now = Fixture.start
        lifecycle = PodLifecycle(pod: pod, now: now, config: config)
        deliver(.tick(now: now))
    }

    var events: [KubeletEvent] {
        actions.compactMap { entry in
            if case .recordEvent(let event) = entry.action { return event }
            return nil
        }
    }

    func events(_ reason: String) -> [KubeletEvent] { events.filter { $0.reason == reason } }

    var status: JSON { lifecycle.status(now: now) }

    func containerStatus(_ name: String) -> JSON? {
        let all = (status["containerStatuses"]?.arrayValue ?? []) + (status["initContainerStatuses"]?.arrayValue ?? [])
        return all.first { $0["name"]?.stringValue == name }
    }

    func condition(_ type: String) -> JSON? {
        status["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }
    }

    /// The times at which an action matching `filter` was issued.
    func times(where filter: (PodAction) -> Bool) -> [Int64] {
        actions.filter { filter($0.action) }.map(\.at)
    }

    func startTimes(_ name: String) -> [Int64] {
        times { action in
            if case .startContainer(let container, _, _, _) = action { return container == name }
            return false
        }
    }

    func runtimeID(_ name: String) -> String { "\(name)-\(instances[name] ?? 0)" }

    mutating func schedule(_ input: PodInput, at time: Int64) {
        order += 1
        queue.append((time, order, input))
    }

    /// Delivers one input now, outside the script.
    mutating func deliver(_ input: PodInput) {
        let produced = lifecycle.handle(input)
        // Each answer carries the one wake-up still needed, or none.
        wakeAt = nil
        for action in produced { react(to: action) }
    }

    /// Runs the simulation up to `time`, processing every queued answer and wake-up on the way.
    mutating func advance(to time: Int64) {
        while true {
            let nextQueued = queue.min { ($0.at, $0.order) < ($1.at, $1.order) }
            let nextWake = wakeAt.flatMap { $0 <= time ? $0 : nil }
            if let item = nextQueued, item.at <= time, nextWake.map({ item.at <= $0 }) ?? true {
                queue.removeAll { $0.order == item.order }
                now = max(now, item.at)
                deliver(item.input)
            } else if let wake = nextWake {
                wakeAt = nil
                now = max(now, wake)
                deliver(.tick(now: now))
            } else {
                break
            }
        }
        now = max(now, time)
    }

    mutating func advance(by seconds: Int64) { advance(to: now + seconds) }

    private mutating func react(to action: PodAction) {
        actions.append((now, action))
        switch action {
        case .createPodSandbox:
            schedule(.podSandboxReady(podIPs: ["10.244.1.5"], at: now), at: now)
        case .pullImage(let container, let image, _):
            if let message = failingImages[image] {
                schedule(.imagePulling(container: container, at: now), at: now)
                schedule(
                    .imagePullFailed(container: container, failure: .pullFailed, message: message, at: now), at: now)
            } else {
                schedule(
                    .imageReady(
                        container: container, imageID: "docker.io/library/\(image)@sha256:abc",
                        imageName: "docker.io/library/\(image)", pull: nil, at: now), at: now)
            }
        case .startContainer(let container, _, _, _):
            guard !manualStarts.contains(container) else { return }
            instances[container, default: 0] += 1
            let id = runtimeID(container)
            schedule(.containerStarted(container: container, runtimeID: id, at: now), at: now)
            if let exit = exitAfterStart[container] {
                let at = now + exit.seconds
                schedule(
                    .containerExited(
                        container: container, runtimeID: id, exit: ContainerExit(exitCode: exit.code), at: at), at: at)
            }
        case .runPostStartHook(let container, let runtimeID, _):
            schedule(.postStartHookFinished(container: container, runtimeID: runtimeID, error: nil, at: now), at: now)
        case .runProbe(let request):
            let (success, message) = probeResult(request.container, request.probe, now)
            schedule(
                .probeResult(
                    container: request.container, runtimeID: request.runtimeID, probe: request.probe,
                    success: success, message: message, at: now), at: now)
        case .runPreStopHook(let container, let runtimeID, _, let grace):
            guard preStopSeconds <= grace else { return }
            let at = now + preStopSeconds
            schedule(.preStopHookFinished(container: container, runtimeID: runtimeID, error: nil, at: at), at: at)
        case .killContainer(let container, let runtimeID, let grace, _):
            let at = now + min(secondsToDieAfterKill, grace)
            let code = secondsToDieAfterKill > grace ? 137 : exitCodeOnKill
            schedule(
                .containerExited(
                    container: container, runtimeID: runtimeID, exit: ContainerExit(exitCode: code), at: at),
                at: at)
        case .wake(let at):
            wakeAt = at
        case .recordEvent, .podStopped:
            break
        }
    }
}
