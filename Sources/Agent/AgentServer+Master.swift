import AgentCore
import Foundation
import HTTPSupport
import Logging
import MesosModel
import NIOHTTP1

extension AgentServer {
    /// The agent endpoint of the master the agent talks to now.
    var masterURL: String { "http://\(masters.current)/internal/agent" }

    /// Registers with the master and follows its event stream; reconnects with a jittered
    /// backoff when it breaks (`AgentCore.registrationBackoffCeiling`).
    func runMasterLink() async {
        var failures = 0
        while !Task.isCancelled {
            let outcome = await followMasterOnce()
            core.masterDisconnected()
            masterSession = nil
            // A standby named the leader: go there at once.
            if outcome == .redirected { continue }
            let registered = outcome == .registered
            failures = registered ? 0 : failures + 1
            let ceiling = AgentCore.registrationBackoffCeiling(
                failures: failures, severalMasters: masters.seeds.count > 1)
            let delay = registered ? 0.2 : Double.random(in: 0.1...ceiling)
            try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
        }
    }

    enum LinkOutcome {
        case registered, redirected, failed
    }

    /// One registration attempt and, once accepted, the master's event stream until it ends.
    func followMasterOnce() async -> LinkOutcome {
        let body: [UInt8]
        do {
            body = try MesosJSON.encodeBytes(core.registration())
        } catch {
            logger.error("cannot encode registration: \(error)")
            return .failed
        }
        let master = masters.current
        let url = "http://\(master)/internal/agent"
        let response: HTTPClientSession.StreamResponse
        do {
            response = try await client.postStream(url: url, body: body, headers: jsonHeaders)
        } catch {
            logger.debug("master \(master) unreachable: \(error)")
            masters.failed(master)
            return .failed
        }
        if response.status == .temporaryRedirect, let location = response.headers.first(name: "Location") {
            guard masters.follow(location: location), masters.current != master else {
                // It names a leader that just failed: its lease has not run out yet. Ask around.
                masters.failed(master)
                return .failed
            }
            logger.info("master \(master) is not the leader; following it to \(masters.current)")
            return .redirected
        }
        guard response.status == .ok else {
            logger.warning(
                "master \(master) refused registration (\(response.status)): \(String(decoding: response.body, as: UTF8.self))"
            )
            // 503: no leader known there (an election is under way); ask the next master.
            if response.status == .serviceUnavailable { masters.failed(master) }
            return .failed
        }
        masterSession = response.headers.first(name: "Mesokube-Agent-Session")
        sessionMasterURL = url
        var accepted = false
        lastMasterRecord = Date().timeIntervalSince1970
        let watchdog = watchMasterSilence(response.records)
        defer { watchdog.cancel() }
        do {
            for try await record in response.records {
                lastMasterRecord = Date().timeIntervalSince1970
                let event = try MesosJSON.decoder.decode(AgentEvent.self, from: Data(record))
                if event.type == .registered {
                    accepted = true
                    masterPingLimit = event.registered?.connection?.totalPingTimeoutSeconds ?? masterPingLimit
                    logger.info("registered with master as \(event.registered?.agentID.value ?? "?")")
                }
                await perform(core.handleMasterEvent(event, now: Date().timeIntervalSince1970))
            }
        } catch {
            logger.info("lost the master stream: \(error)")
        }
        // The stream ended: the master died or stepped down. Ask the next one.
        masters.failed(master)
        return accepted ? .registered : .failed
    }

    /// A partition leaves the master's stream open but silent: once no PING (or anything else)
    /// has come for the master's total ping timeout, the stream is closed so the agent registers
    /// again, with whichever master answers, as a Mesos agent re-detects its master.
    func watchMasterSilence(_ records: RecordStream) -> Task<Void, Never> {
        Task { [weak self] in
            while !Task.isCancelled {
                guard let self else { return }
                let limit = await self.masterPingLimit
                try? await Task.sleep(for: .milliseconds(Int(min(max(limit / 5, 0.1), 1) * 1000)))
                let silence = Date().timeIntervalSince1970 - (await self.lastMasterRecord)
                if silence > limit, !Task.isCancelled {
                    self.logger.warning("no word from the master for \(Int(silence)) s: registering again")
                    records.cancel()
                    return
                }
            }
        }
    }

    var jsonHeaders: HTTPHeaders {
        ["Content-Type": "application/json", "Accept": "application/json"]
    }

    /// One-shot calls ride on the current session and leave in order through one outbox, so
    /// a task's updates cannot overtake each other on the way. A failed send is not fatal:
    /// status updates are retried by the core and resent after re-registration.
    func sendToMaster(_ call: AgentCall) {
        guard let session = masterSession, let url = sessionMasterURL, let body = try? MesosJSON.encodeBytes(call)
        else { return }
        outbox.yield(OutgoingCall(name: call.type.rawValue, body: body, session: session, url: url))
    }

    struct OutgoingCall: Sendable {
        var name: String
        var body: [UInt8]
        var session: String
        /// The master that granted the session.
        var url: String
    }

    /// Drains the outbox one call at a time.
    nonisolated static func deliver(
        _ calls: AsyncStream<OutgoingCall>, client: HTTPClientSession, logger: Logger
    ) async {
        for await call in calls {
            let url = call.url
            var headers: HTTPHeaders = ["Content-Type": "application/json", "Accept": "application/json"]
            headers.add(name: "Mesokube-Agent-Session", value: call.session)
            do {
                let response = try await client.post(url: url, body: call.body, headers: headers, timeout: .seconds(10))
                if response.status.code >= 300 {
                    logger.debug("master answered \(response.status.code) to \(call.name)")
                }
            } catch {
                logger.debug("\(call.name) to master failed: \(error)")
            }
        }
    }
}
