import Foundation
import HTTPSupport

/// Marathon at size: a real `mesokube master` (Marathon on, Kubernetes off) and hollow agents; one
/// app of many instances is POSTed to `/v2/apps`, and the clock runs until the hollow agents have
/// been sent every launch and until Marathon's own `tasksRunning` reaches the instance count (its
/// view after the TASK_RUNNING updates came back through the master).
enum MarathonBenchmark {
    struct Settings {
        var agents: Int
        var instances: Int
    }

    static func run(_ settings: Settings) async throws -> [BenchFigure] {
        let master = try BenchMaster(name: "marathon", kube: false, marathon: true)
        defer { master.stop() }
        try await master.ready()
        let agents = HollowFleet.Options(
            count: settings.agents, resources: "cpus:8;mem:32768;disk:65536;ports:[31000-32000]")
        return try await HollowFleet.with(agents, master: master.address) { fleet in
            try await measure(settings, master: master, fleet: fleet)
        }
    }

    static func measure(_ settings: Settings, master: BenchMaster, fleet: HollowFleet) async throws -> [BenchFigure] {
        try await fleet.wait("\(settings.agents) agents registered", limit: .seconds(120)) {
            $0.registered >= settings.agents
        }
        let marathon = "http://127.0.0.1:\(master.marathonPort!)"
        let app: [String: Any] = [
            "id": "/bench", "cmd": "sleep 100000", "cpus": 0.1, "mem": 16, "instances": settings.instances,
        ]
        let clock = ContinuousClock()
        let posted = clock.now
        let created = try await HTTPClientSession.shared.post(
            url: "\(marathon)/v2/apps", body: Array(try JSONSerialization.data(withJSONObject: app)),
            headers: ["Content-Type": "application/json"])
        guard created.status == .created else {
            throw BenchError("POST /v2/apps: \(created.status) \(created.bodyString)")
        }
        try await fleet.wait("\(settings.instances) launches", limit: .seconds(300)) {
            $0.launched >= settings.instances
        }
        let launched = posted.duration(to: clock.now)
        try await waitForRunning(marathon, settings.instances, limit: .seconds(300))
        let running = posted.duration(to: clock.now)
        let size = "\(settings.instances) instances on \(settings.agents) hollow agents"
        return [
            BenchFigure(
                name: "marathon.launched", measure: "Marathon app, \(size): every launch at its agent",
                value: launched.seconds, unit: "s", target: "", anchor: "",
                details: ["agents": Double(settings.agents), "instances": Double(settings.instances)]),
            BenchFigure(
                name: "marathon.running", measure: "Marathon app, \(size): POST to tasksRunning = instances",
                value: running.seconds, unit: "s", target: "≤ 2 s",
                anchor: "Marathon 0.15.2: ≈14 s, 500 instances, 189 agents",
                details: ["agents": Double(settings.agents), "instances": Double(settings.instances)]),
        ]
    }

    static func waitForRunning(_ marathon: String, _ instances: Int, limit: Duration) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        var last = -1
        while clock.now < deadline {
            if let answer = try? await HTTPClientSession.shared.get(url: "\(marathon)/v2/apps/bench"),
                answer.status == .ok,
                let object = try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any],
                let app = object["app"] as? [String: Any], let running = app["tasksRunning"] as? Int
            {
                if running >= instances { return }
                last = running
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw BenchError("Marathon reported \(last) of \(instances) running after \(limit)")
    }
}
