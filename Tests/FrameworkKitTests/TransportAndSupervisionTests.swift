import ClusterTestSupport
import Foundation
import HTTPSupport
import Master
import MesosModel
import StateStore
import Testing

@testable import FrameworkKit

@Suite("HTTP transport, heartbeat supervision, backoff", .serialized)
struct TransportAndSupervisionTests {
    @Test("SUBSCRIBE follows a standby's 307 to the leader, and calls then go to the leader")
    func followsRedirectToLeader() async throws {
        let cluster = try await TestCluster.start()
        var options = TestCluster.masterOptions(port: 0)
        options.leader = await cluster.masterAddress
        let standby = MasterServer(options: options, store: MemoryStateStore(), logger: quietLogger("standby"))
        let standbyPort = try await standby.start()
        let framework = RunningFramework.start(master: "127.0.0.1:\(standbyPort)")
        do {
            _ = try await framework.subscribed()
            let offer = try await framework.nextOffer()
            try await framework.driver.launch(
                offerID: offer.id, tasks: [try commandTask("via-leader", "true", on: offer)])
            _ = try await framework.waitForState(.finished, of: TaskID("via-leader"))
        } catch {
            Issue.record(error)
        }
        await framework.stop()
        await standby.stop()
        await cluster.shutdown()
    }

    @Test("a leader that steps down ends its frameworks' streams and answers later calls as a leaderless standby")
    func steppedDownLeaderLetsGo() async throws {
        let cluster = try await TestCluster.start()
        let framework = RunningFramework.start(master: await cluster.masterAddress)
        do {
            _ = try await framework.subscribed()
            let revision = try await cluster.store.currentRevision()
            await cluster.master.stepDown()
            _ = try await eventually("the framework's stream ends") {
                await framework.log.disconnects.isEmpty ? nil : true
            }
            let state = try await cluster.http.get(url: "http://\(await cluster.masterAddress)/master/state")
            #expect(state.status.code == 503)
            // Its re-subscriptions are refused as retryable and change nothing in the store.
            var call = SchedulerCall(type: .subscribe)
            call.subscribe = .init(frameworkInfo: FrameworkInfo(user: "u", name: "late"))
            do {
                _ = try await HTTPSchedulerTransport(master: await cluster.masterAddress).subscribe(call)
                Issue.record("a stepped-down master accepted a subscription")
            } catch let error as SchedulerCallError {
                #expect(error.status == 503)
                #expect(error.isRetryable)
            }
            #expect(try await cluster.store.currentRevision() == revision)
        } catch {
            Issue.record(error)
        }
        await framework.stop()
        await cluster.shutdown()
    }

    @Test("a master without a leader answers 503, which is retryable; a bad FrameworkInfo is not")
    func subscribeFailures() async throws {
        var options = TestCluster.masterOptions(port: 0)
        options.leader = ""
        let standby = MasterServer(options: options, store: MemoryStateStore(), logger: quietLogger("standby"))
        let port = try await standby.start()
        let transport = HTTPSchedulerTransport(master: "127.0.0.1:\(port)")
        var call = SchedulerCall(type: .subscribe)
        call.subscribe = .init(frameworkInfo: FrameworkInfo(user: "u", name: "f"))
        await #expect(throws: SchedulerCallError.self) { _ = try await transport.subscribe(call) }
        do {
            _ = try await transport.subscribe(call)
        } catch let error as SchedulerCallError {
            #expect(error.status == 503)
            #expect(error.isRetryable)
        }
        await standby.stop()

        // A real leader refuses an empty framework name with 400: the driver reports it and ends.
        let cluster = try await TestCluster.start()
        let driver = SchedulerDriver(
            framework: FrameworkInfo(user: "u", name: ""),
            transport: HTTPSchedulerTransport(master: await cluster.masterAddress),
            settings: RunningFramework.fastSettings(), logger: quietLogger("driver"))
        let log = EventLog()
        let ended = Flag()
        let run = Task {
            await driver.run(handler: RecordingHandler(log: log))
            await ended.set()
        }
        do {
            _ = try await eventually("run to end") { await ended.value ? true : nil }
            let errors = await log.errors
            #expect(errors.count == 1)
            #expect(errors.first?.contains("400") == true)
            #expect(await log.subscriptions.isEmpty)
        } catch {
            Issue.record(error)
        }
        await driver.stop()
        await run.value
        await cluster.shutdown()
    }

    @Test("a silent stream is dropped after the missed heartbeats and the driver fails over")
    func silentStreamIsAbandoned() async throws {
        let fake = SilentMaster()
        let server = HTTPServer(host: "127.0.0.1", port: 0, logger: quietLogger("fake")) { request in
            await fake.handle(request)
        }
        let port = try await server.start()
        var settings = RunningFramework.fastSettings()
        settings.missedHeartbeats = 3
        let framework = RunningFramework.start(master: "127.0.0.1:\(port)", settings: settings)
        do {
            let second = try await eventually("second SUBSCRIBE") {
                await fake.subscribes.count >= 2 ? await fake.subscribes[1] : nil
            }
            #expect(second.frameworkID == FrameworkID("silent-0001"))
            #expect(second.subscribe?.frameworkInfo.id == FrameworkID("silent-0001"))
            let first = try #require(await fake.subscribes.first)
            #expect(first.frameworkID == nil)
            let reasons = await framework.log.disconnects
            #expect(reasons.first?.contains("heartbeat") == true)
        } catch {
            Issue.record(error)
        }
        await framework.stop()
        await fake.closeAll()
        await server.shutdown()
    }

    @Test("reconnect waits grow, stay within [base/2, base], and never pass the maximum")
    func backoff() {
        var backoff = ReconnectBackoff(initial: .milliseconds(500), maximum: .seconds(15), seed: 42)
        for attempt in 1...12 {
            let base = min(15.0, 0.5 * Double(1 << (attempt - 1)))
            let delay = ReconnectBackoff.seconds(backoff.delay(attempt: attempt))
            #expect(delay >= base / 2 && delay <= base, "attempt \(attempt): \(delay) s")
        }
        var same = ReconnectBackoff(initial: .seconds(1), maximum: .seconds(15), seed: 9)
        var again = ReconnectBackoff(initial: .seconds(1), maximum: .seconds(15), seed: 9)
        #expect(same.delay(attempt: 3) == again.delay(attempt: 3))
    }

    @Test("master addresses and Mesos redirect locations resolve to scheduler URLs")
    func addresses() {
        #expect(HTTPSchedulerTransport.schedulerURL(for: "m1:5050") == "http://m1:5050/api/v1/scheduler")
        #expect(HTTPSchedulerTransport.schedulerURL(for: "m1") == "http://m1:5050/api/v1/scheduler")
        #expect(HTTPSchedulerTransport.schedulerURL(for: "http://m1:80/") == "http://m1:80/api/v1/scheduler")
        #expect(HTTPSchedulerTransport.schedulerURL(for: "[::1]") == "http://[::1]:5050/api/v1/scheduler")
        #expect(
            HTTPSchedulerTransport.schedulerURL(for: "https://m1:443/master/api/v1/scheduler")
                == "https://m1:443/master/api/v1/scheduler")
        let current = "http://a:5050/api/v1/scheduler"
        #expect(
            HTTPSchedulerTransport.resolve(location: "//b:5051/api/v1/scheduler", against: current)
                == "http://b:5051/api/v1/scheduler")
        #expect(
            HTTPSchedulerTransport.resolve(location: "/master/api/v1/scheduler", against: current)
                == "http://a:5050/master/api/v1/scheduler")
        #expect(HTTPSchedulerTransport.resolve(location: "elsewhere", against: current) == nil)
    }
}

/// A stand-in master that accepts SUBSCRIBE, promises heartbeats every 50 ms and then says
/// nothing, as a master behind a half-open connection would. The real master's heartbeat
/// interval is fixed at 15 s, too slow for a test of this path.
actor SilentMaster {
    private(set) var subscribes: [SchedulerCall] = []
    private var streams: [ResponseStream] = []

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        guard let call = try? MesosJSON.decode(SchedulerCall.self, from: request.body), call.type == .subscribe else {
            return .empty(status: .accepted)
        }
        subscribes.append(call)
        let stream = ResponseStream()
        streams.append(stream)
        let event = SchedulerEvent.subscribed(
            frameworkID: FrameworkID("silent-0001"), heartbeatIntervalSeconds: 0.05, masterInfo: nil)
        if let bytes = try? MesosJSON.encodeBytes(event) { _ = stream.sendRecord(bytes) }
        return .stream(
            stream, contentType: "application/json", headers: ["Mesos-Stream-Id": "stream-\(subscribes.count)"])
    }

    func closeAll() {
        for stream in streams { stream.finish() }
    }
}
