import AgentCore
import Foundation
import HTTPSupport
import Logging
import MesosModel
import NIOHTTP1

extension AgentServer {
    var masterURL: String { "http://\(options.master)/internal/agent" }

    /// Registers with the master and follows its event stream; reconnects with a growing,
    /// jittered backoff (Mesos: random in [0, 1 s·2ⁿ], here capped at 10 s) when it breaks.
    func runMasterLink() async {
        var failures = 0
        while !Task.isCancelled {
            let registered = await followMasterOnce()
            core.masterDisconnected()
            masterSession = nil
            failures = registered ? 0 : failures + 1
            let cap = min(pow(2.0, Double(failures)), 10.0)
            let delay = registered ? 0.2 : Double.random(in: 0.1...max(cap, 0.2))
            try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
        }
    }

    /// One registration attempt; returns true if the master accepted it.
    func followMasterOnce() async -> Bool {
        let body: [UInt8]
        do {
            body = try MesosJSON.encodeBytes(core.registration())
        } catch {
            logger.error("cannot encode registration: \(error)")
            return false
        }
        let response: HTTPClientSession.StreamResponse
        do {
            response = try await client.postStream(url: masterURL, body: body, headers: jsonHeaders)
        } catch {
            logger.debug("master \(options.master) unreachable: \(error)")
            return false
        }
        guard response.status == .ok else {
            logger.warning(
                "master refused registration (\(response.status)): \(String(decoding: response.body, as: UTF8.self))")
            return false
        }
        masterSession = response.headers.first(name: "Mesokube-Agent-Session")
        var accepted = false
        do {
            for try await record in response.records {
                let event = try MesosJSON.decoder.decode(AgentEvent.self, from: Data(record))
                if event.type == .registered {
                    accepted = true
                    logger.info("registered with master as \(event.registered?.agentID.value ?? "?")")
                }
                await perform(core.handleMasterEvent(event, now: Date().timeIntervalSince1970))
            }
        } catch {
            logger.info("lost the master stream: \(error)")
        }
        return accepted
    }

    var jsonHeaders: HTTPHeaders {
        ["Content-Type": "application/json", "Accept": "application/json"]
    }

    /// One-shot calls ride on the current session and leave in order through one outbox, so
    /// a task's updates cannot overtake each other on the way. A failed send is not fatal:
    /// status updates are retried by the core and resent after re-registration.
    func sendToMaster(_ call: AgentCall) {
        guard let session = masterSession, let body = try? MesosJSON.encodeBytes(call) else { return }
        outbox.yield(OutgoingCall(name: call.type.rawValue, body: body, session: session))
    }

    struct OutgoingCall: Sendable {
        var name: String
        var body: [UInt8]
        var session: String
    }

    /// Drains the outbox one call at a time.
    nonisolated static func deliver(
        _ calls: AsyncStream<OutgoingCall>, client: HTTPClientSession, url: String, logger: Logger
    ) async {
        for await call in calls {
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
