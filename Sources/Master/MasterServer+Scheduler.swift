import Foundation
import HTTPSupport
import MasterCore
import MesosModel
import NIOCore
import NIOHTTP1

extension MasterServer {
    /// `POST /api/v1/scheduler`.
    nonisolated func schedulerEndpoint(_ request: HTTPRequest) async -> HTTPResponse {
        let call: SchedulerCall
        switch decodeCall(SchedulerCall.self, request) {
        case .success(let decoded): call = decoded
        case .failure(let error): return error.response
        }
        let streamHeader = request.headers.first(name: "Mesos-Stream-Id")
        if call.type == .subscribe {
            if streamHeader != nil {
                return HTTPError.badRequest("Expecting 'Mesos-Stream-Id' header to be absent for SUBSCRIBE").response
            }
            return await subscribe(call)
        }
        return await schedulerCall(call, streamID: streamHeader)
    }

    func subscribe(_ call: SchedulerCall) async -> HTTPResponse {
        let streamID = UUID().uuidString.lowercased()
        let stream = ResponseStream()
        switch core.subscribe(call, streamID: streamID, now: wallClock()) {
        case .failure(let error):
            guard error.asStreamError else { return .error(error) }
            stream.sendRecord(encodeRecord(SchedulerEvent.error(error.message)))
            stream.finish()
            return .stream(stream, contentType: "application/json", headers: ["Mesos-Stream-Id": streamID])
        case .success(let (frameworkID, actions)):
            frameworkStreams[streamID] = stream
            stream.onClose { [weak self] _ in
                Task { await self?.frameworkStreamClosed(streamID) }
            }
            logger.info("framework \(frameworkID) subscribed on stream \(streamID)")
            await perform(actions)
            return .stream(stream, contentType: "application/json", headers: ["Mesos-Stream-Id": streamID])
        }
    }

    func frameworkStreamClosed(_ streamID: String) async {
        frameworkStreams[streamID] = nil
        await perform(core.frameworkDisconnected(streamID: streamID, now: wallClock()))
    }

    func schedulerCall(_ call: SchedulerCall, streamID: String?) async -> HTTPResponse {
        switch core.handleCall(call, streamID: streamID, now: wallClock()) {
        case .failure(let error):
            return .error(error)
        case .success(let actions):
            await perform(actions)
            return .empty(status: call.type == .updateFramework ? .ok : .accepted)
        }
    }

    /// `POST /internal/agent`: REGISTER opens the agent's event stream; other calls are one-shot.
    nonisolated func agentEndpoint(_ request: HTTPRequest) async -> HTTPResponse {
        let call: AgentCall
        switch decodeCall(AgentCall.self, request) {
        case .success(let decoded): call = decoded
        case .failure(let error): return error.response
        }
        if call.type == .register {
            guard let registration = call.register else {
                return HTTPError.badRequest("Expecting 'register' to be present").response
            }
            return await registerAgent(registration)
        }
        return await agentCall(call, sessionID: request.headers.first(name: "Mesokube-Agent-Session"))
    }

    func registerAgent(_ registration: AgentRegistration) async -> HTTPResponse {
        let sessionID = UUID().uuidString.lowercased()
        let stream = ResponseStream()
        switch core.registerAgent(registration, sessionID: sessionID, now: wallClock()) {
        case .failure(let error):
            return .error(error)
        case .success(let (agentID, actions)):
            agentSessions[sessionID] = AgentSession(agentID: agentID, stream: stream)
            stream.onClose { [weak self] _ in
                Task { await self?.agentSessionClosed(sessionID) }
            }
            logger.info("agent \(agentID) at \(registration.endpoint) registered (session \(sessionID))")
            await perform(actions)
            return .stream(stream, contentType: "application/json", headers: ["Mesokube-Agent-Session": sessionID])
        }
    }

    func agentSessionClosed(_ sessionID: String) async {
        guard let session = agentSessions.removeValue(forKey: sessionID) else { return }
        logger.info("agent \(session.agentID) disconnected")
        await perform(core.agentDisconnected(session.agentID, sessionID: sessionID, now: wallClock()))
    }

    func agentCall(_ call: AgentCall, sessionID: String?) async -> HTTPResponse {
        guard let sessionID, let session = agentSessions[sessionID], session.agentID == call.agentID else {
            return HTTPError.forbidden("Agent is not registered on this session").response
        }
        let now = wallClock()
        core.agentContact(session.agentID, sessionID: sessionID, now: now)
        let actions: [MasterAction]
        switch call.type {
        case .register, .pong:
            actions = []
        case .statusUpdate:
            guard let update = call.statusUpdate else {
                return HTTPError.badRequest("Expecting 'status_update' to be present").response
            }
            actions = core.statusUpdate(update, from: session.agentID, now: now)
        case .executorExited:
            guard let exited = call.executorExited else {
                return HTTPError.badRequest("Expecting 'executor_exited' to be present").response
            }
            actions = core.executorExited(exited, from: session.agentID, now: now)
        case .executorMessage:
            guard let message = call.executorMessage else {
                return HTTPError.badRequest("Expecting 'executor_message' to be present").response
            }
            actions = core.executorMessage(message, from: session.agentID)
        }
        await perform(actions)
        return .empty(status: .accepted)
    }
}
