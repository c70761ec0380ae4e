import MesosModel

/// How a `SchedulerDriver` reaches a master's scheduler API. Every implementation carries the
/// same v1 `Call`/`Event` messages (ARCHITECTURE.md rule 2); only the carrier differs.
public protocol SchedulerTransport: Sendable {
    /// Sends SUBSCRIBE and returns the stream id the master chose and the event stream.
    /// The stream finishes when the master ends it and throws when the connection breaks;
    /// cancelling its consumer closes the connection. Throws `SchedulerCallError` when the
    /// master refuses the subscription with a non-200 status.
    func subscribe(
        _ call: SchedulerCall
    ) async throws -> (
        streamID: String, events: AsyncThrowingStream<SchedulerEvent, any Error>
    )

    /// Sends any other call on behalf of the subscription `streamID`.
    /// Throws `SchedulerCallError` for a non-2xx answer.
    func send(_ call: SchedulerCall, streamID: String) async throws
}

/// The master answered a scheduler call with a non-2xx status.
public struct SchedulerCallError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status code.
    public var status: Int
    /// The master's message (the response body), possibly empty.
    public var message: String

    public init(status: Int, message: String) {
        self.status = status
        self.message = message
    }

    /// True when trying again later can succeed: 503 (no leader yet, or recovery not finished),
    /// a redirect we could not follow, and 5xx in general. 4xx answers mean the call itself is wrong.
    public var isRetryable: Bool { status >= 500 || status == 307 || status == 408 || status == 429 }

    public var description: String {
        message.isEmpty
            ? "Scheduler call failed with status \(status)" : "Scheduler call failed (\(status)): \(message)"
    }
}

/// Misuse of a `SchedulerDriver`, detected before anything is sent.
public enum SchedulerDriverError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The driver has no live subscription (not yet subscribed, reconnecting, or stopped).
    case notSubscribed
    /// `acknowledge` was given a status without `uuid` or `agent_id`; such updates must not be acknowledged.
    case notAcknowledgeable(TaskID)

    public var description: String {
        switch self {
        case .notSubscribed: return "The scheduler driver is not subscribed"
        case .notAcknowledgeable(let taskID):
            return "The status update for task \(taskID) carries no uuid or agent id and must not be acknowledged"
        }
    }
}
