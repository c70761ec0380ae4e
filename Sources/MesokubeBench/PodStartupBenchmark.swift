import Foundation
import KubeClient
import KubeTypes
import NIOConcurrencyHelpers
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Pod startup latency on one real agent, as the Kubernetes pod-startup SLO counts it: from the
/// create request to the pod's `Running` seen through a watch. `mesokube dev` (defaults, one agent)
/// runs the pods one after another, first with the process runtime, then in runc containers of a
/// busybox image imported into the agent's store beforehand (pre-pulled, as the SLO assumes). In the
/// same run the floors: a bare fork/exec of the command to its exit, and a bare `runc run` of the
/// same command in a bundle of the same rootfs.
enum PodStartupBenchmark {
    struct Settings {
        var pods: Int
    }

    static let namespace = "default"
    static let image = "bench-sleep:v1"

    static func run(_ settings: Settings) async throws -> [BenchFigure] {
        let directory = "/dev/shm/mk-bench-startup-\(getpid())"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer {
            if !BenchProcess.keepDirectories { try? FileManager.default.removeItem(atPath: directory) }
        }
        let spec = TestImageSpec(name: "bench-sleep", tag: "v1", cmd: ["/bin/sleep", "100000"])
        try TestImages.writeOCIArchive(spec, to: "\(directory)/image.tar")
        let dev = try DevProcess(directory: directory)
        defer { dev.stop() }
        try await dev.ready()
        try await dev.importImage("\(directory)/image.tar", name: image)
        let (process, container) = try await dev.withKubeClient(fieldManager: "mesokube-bench") { client in
            try await PodNode.waitForNode(client)
            let process = try await startPods(settings.pods, runtime: "process", client: client)
            let container = try await startPods(settings.pods, runtime: "runc", client: client)
            return (process, container)
        }
        let forkFloor = try measureForkExec(settings.pods)
        let runcFloor = try measureRuncRun(settings.pods, directory: directory)
        return figures(settings, process: process, container: container, forkFloor: forkFloor, runcFloor: runcFloor)
    }

    static func figures(
        _ settings: Settings, process: LatencySample, container: LatencySample, forkFloor: LatencySample,
        runcFloor: LatencySample
    ) -> [BenchFigure] {
        func details(_ sample: LatencySample, floor: LatencySample) -> [String: Double] {
            [
                "pods": Double(settings.pods), "p50_ms": sample.percentile(50).milliseconds,
                "p99_ms": sample.percentile(99).milliseconds, "max_ms": sample.percentile(100).milliseconds,
                "floor_p50_ms": floor.percentile(50).milliseconds, "floor_p99_ms": floor.percentile(99).milliseconds,
                "p99_over_floor_p99": sample.percentile(99).seconds / max(floor.percentile(99).seconds, 1e-9),
            ]
        }
        let anchor = "Kubernetes SLO: p99 ≤ 5 s (pre-pulled images)"
        let size = "\(settings.pods) pods one after another, one agent"
        return [
            BenchFigure(
                name: "pod_startup.process_p50", measure: "Pod startup, process runtime, \(size): p50",
                value: process.percentile(50).milliseconds, unit: "ms", details: details(process, floor: forkFloor)),
            BenchFigure(
                name: "pod_startup.process_p99", measure: "Pod startup, process runtime, \(size): p99",
                value: process.percentile(99).milliseconds, unit: "ms", target: "≤ 100 ms, ≤ 5× floor",
                anchor: anchor, details: details(process, floor: forkFloor)),
            BenchFigure(
                name: "pod_startup.fork_exec_floor_p99", measure: "Floor: fork/exec of the command to its exit, p99",
                value: forkFloor.percentile(99).milliseconds, unit: "ms"),
            BenchFigure(
                name: "pod_startup.runc_p50", measure: "Pod startup, runc, \(size): p50",
                value: container.percentile(50).milliseconds, unit: "ms", details: details(container, floor: runcFloor)),
            BenchFigure(
                name: "pod_startup.runc_p99", measure: "Pod startup, runc, \(size): p99",
                value: container.percentile(99).milliseconds, unit: "ms", target: "≤ 300 ms, ≤ 5× floor",
                anchor: anchor, details: details(container, floor: runcFloor)),
            BenchFigure(
                name: "pod_startup.runc_floor_p99", measure: "Floor: bare `runc run` of the command to its exit, p99",
                value: runcFloor.percentile(99).milliseconds, unit: "ms"),
        ]
    }

    /// Creates `count` pods one at a time, each once the previous one runs; then deletes them.
    static func startPods(_ count: Int, runtime: String, client: KubeClient) async throws -> LatencySample {
        let clock = ContinuousClock()
        let running = RunningTracker()
        let start = try await client.listAll(.pods, namespace: namespace)
        let events = try await client.watch(
            .pods, namespace: namespace, resourceVersion: start.resourceVersion, timeoutSeconds: 3600)
        let watcher = Task {
            for try await event in events where event.object[path: ["status", "phase"]]?.stringValue == "Running" {
                running.saw(event.object.name, at: clock.now)
            }
        }
        defer { watcher.cancel() }
        var latencies: [Duration] = []
        for index in 0..<count {
            let name = "startup-\(runtime)-\(index)"
            let sent = clock.now
            _ = try await client.create(.pods, namespace: namespace, pod(name, runtime: runtime))
            let deadline = clock.now + .seconds(120)
            while running.time(of: name) == nil {
                guard clock.now < deadline else { throw BenchError("pod \(name) not Running within 120 s") }
                try await Task.sleep(for: .milliseconds(1))
            }
            latencies.append(sent.duration(to: running.time(of: name)!))
        }
        for index in 0..<count {
            _ = try? await client.delete(.pods, namespace: namespace, name: "startup-\(runtime)-\(index)")
        }
        // Gone before the next runtime's pods start, so they do not share the agent with these.
        let deadline = clock.now + .seconds(120)
        while !(try await client.listAll(.pods, namespace: namespace).items.isEmpty) {
            guard clock.now < deadline else { throw BenchError("\(runtime) pods not gone within 120 s") }
            try await Task.sleep(for: .milliseconds(100))
        }
        return LatencySample(latencies)
    }

    static func pod(_ name: String, runtime: String) -> JSON {
        var spec: JSON = [
            "terminationGracePeriodSeconds": 1,
            "containers": [
                [
                    "name": "c", "image": .string(image), "imagePullPolicy": "Never",
                    "command": ["/bin/sleep", "100000"],
                    "resources": ["requests": ["cpu": "10m", "memory": "8Mi"]],
                ]
            ],
        ]
        if runtime == "process" { spec["runtimeClassName"] = "process" }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)], "spec": spec]
    }

    /// fork/exec/exit of `/bin/true`: the least any runtime must do to run a command.
    static func measureForkExec(_ count: Int) throws -> LatencySample {
        let clock = ContinuousClock()
        var samples: [Duration] = []
        for _ in 0..<count {
            let began = clock.now
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/true")
            try process.run()
            process.waitUntilExit()
            samples.append(began.duration(to: clock.now))
        }
        return LatencySample(samples)
    }

    /// `runc run` of `/bin/true` in a bundle whose rootfs is the image's busybox, to its exit.
    static func measureRuncRun(_ count: Int, directory: String) throws -> LatencySample {
        let bundle = "\(directory)/bundle"
        try FileManager.default.createDirectory(atPath: "\(bundle)/rootfs/bin", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestImages.busyboxBinary, toPath: "\(bundle)/rootfs/bin/busybox")
        try FileManager.default.createSymbolicLink(atPath: "\(bundle)/rootfs/bin/true", withDestinationPath: "busybox")
        try runQuietly("/usr/sbin/runc", ["spec", "--bundle", bundle])
        let configPath = "\(bundle)/config.json"
        guard
            var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath)))
                as? [String: Any],
            var process = config["process"] as? [String: Any]
        else { throw BenchError("runc spec wrote no usable config.json") }
        process["terminal"] = false
        process["args"] = ["/bin/true"]
        config["process"] = process
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        let clock = ContinuousClock()
        var samples: [Duration] = []
        for index in 0..<count {
            let began = clock.now
            try runQuietly("/usr/sbin/runc", ["run", "--bundle", bundle, "mk-bench-floor-\(getpid())-\(index)"])
            samples.append(began.duration(to: clock.now))
        }
        return LatencySample(samples)
    }

    static func runQuietly(_ path: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("\(path) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
    }
}

/// When each pod was first seen Running.
final class RunningTracker: Sendable {
    private let times = NIOLockedValueBox([String: ContinuousClock.Instant]())

    func saw(_ name: String, at instant: ContinuousClock.Instant) {
        times.withLockedValue { times in
            if times[name] == nil { times[name] = instant }
        }
    }

    func time(of name: String) -> ContinuousClock.Instant? { times.withLockedValue { $0[name] } }
}

enum PodNode {
    /// The agent's Node, which the kube framework writes once the agent offers to it.
    static func waitForNode(_ client: KubeClient) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(60)
        while (try? await client.listAll(.nodes).items.isEmpty) ?? true {
            guard clock.now < deadline else { throw BenchError("no Node within 60 s") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
