import MesosModel

extension MasterCore {
    /// Every scheduler call other than SUBSCRIBE. `streamID` is the request's
    /// `Mesos-Stream-Id` header. Successful calls answer 202 (UPDATE_FRAMEWORK: 200).
    public mutating func handleCall(
        _ call: SchedulerCall, streamID: String?, now: Double
    ) -> Result<[MasterAction], MasterCallError> {
        counters.frameworkCalls[call.type.rawValue, default: 0] += 1
        let result = dispatch(call, streamID: streamID, now: now)
        if case .failure = result { counters.invalidFrameworkCalls += 1 }
        return result
    }

    private mutating func dispatch(
        _ call: SchedulerCall, streamID: String?, now: Double
    ) -> Result<[MasterAction], MasterCallError> {
        if call.type == .subscribe {
            return .failure(.badRequest("SUBSCRIBE must be sent on its own connection and starts the event stream"))
        }
        guard let frameworkID = call.frameworkID else {
            return .failure(.badRequest("Expecting 'framework_id' to be present"))
        }
        guard let framework = frameworks[frameworkID] else {
            return .failure(.badRequest("Framework cannot be found"))
        }
        guard let current = framework.streamID else {
            return .failure(.forbidden("Framework is not subscribed"))
        }
        guard let streamID else {
            return .failure(.badRequest("All non-subscribe calls should include the 'Mesos-Stream-Id' header"))
        }
        guard streamID == current else {
            return .failure(
                .badRequest(
                    "The stream ID '\(streamID)' included in this request didn't match the stream ID currently associated with framework ID \(frameworkID)"
                ))
        }
        switch call.type {
        case .subscribe: return .success([])
        case .teardown: return .success(removeFramework(frameworkID, now: now))
        case .accept: return accept(call, frameworkID: frameworkID, now: now)
        case .decline: return decline(call, frameworkID: frameworkID, now: now)
        case .revive: return suppressOrRevive(call, frameworkID: frameworkID, revive: true)
        case .suppress: return suppressOrRevive(call, frameworkID: frameworkID, revive: false)
        case .kill: return kill(call, frameworkID: frameworkID, now: now)
        case .shutdown: return shutdownExecutor(call, frameworkID: frameworkID)
        case .acknowledge: return acknowledge(call, frameworkID: frameworkID)
        case .reconcile: return reconcile(call, frameworkID: frameworkID, now: now)
        case .message: return frameworkMessage(call, frameworkID: frameworkID)
        case .request:
            // The built-in Mesos allocator ignores resource requests too.
            return .success([])
        case .updateFramework: return updateFramework(call, now: now)
        case .acceptInverseOffers, .declineInverseOffers:
            // Mesokube never sends inverse offers (no maintenance schedules yet), so no id can be valid.
            return .success([])
        case .acknowledgeOperationStatus, .reconcileOperations:
            return .failure(
                .badRequest("\(call.type.rawValue) is not supported: Mesokube does not report operation status yet"))
        }
    }
}
