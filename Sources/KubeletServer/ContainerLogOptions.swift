import Foundation
import HTTPSupport

/// The query of `GET /containerLogs/{namespace}/{pod}/{container}`, checked as upstream's
/// `ValidatePodLogOptions` does.
struct ContainerLogOptions: Sendable, Equatable {
    var follow = false
    var previous = false
    var tailLines: Int64?
    var limitBytes: Int64?
    /// Lines older than this are not wanted (`sinceSeconds` or `sinceTime`).
    var since: Date?

    init(
        follow: Bool = false, previous: Bool = false, tailLines: Int64? = nil, limitBytes: Int64? = nil,
        since: Date? = nil
    ) {
        self.follow = follow
        self.previous = previous
        self.tailLines = tailLines
        self.limitBytes = limitBytes
        self.since = since
    }

    init(_ request: HTTPRequest, now: Date) throws(KubeletAccessError) {
        self.follow = QueryValue.bool(request, "follow") ?? false
        self.previous = QueryValue.bool(request, "previous") ?? false
        if QueryValue.bool(request, "timestamps") == true {
            // The log files hold raw bytes; there is no per-line time to print.
            throw KubeletAccessError(code: 400, message: "timestamps are not supported by this node agent yet")
        }
        self.tailLines = try QueryValue.int(request, "tailLines")
        if let tailLines, tailLines < 0 {
            throw KubeletAccessError(
                code: 400, message: "tailLines: Invalid value: \(tailLines): must be greater than or equal to 0")
        }
        self.limitBytes = try QueryValue.int(request, "limitBytes")
        if let limitBytes, limitBytes < 1 {
            throw KubeletAccessError(
                code: 400, message: "limitBytes: Invalid value: \(limitBytes): must be greater than 0")
        }
        self.since = try Self.since(request, now: now)
    }

    private static func since(_ request: HTTPRequest, now: Date) throws(KubeletAccessError) -> Date? {
        let seconds = try QueryValue.int(request, "sinceSeconds")
        let time = request.query["sinceTime"]
        if seconds != nil && time != nil {
            throw KubeletAccessError(
                code: 400, message: "at most one of `sinceTime` or `sinceSeconds` may be specified")
        }
        if let seconds {
            guard seconds >= 1 else {
                throw KubeletAccessError(
                    code: 400, message: "sinceSeconds: Invalid value: \(seconds): must be greater than 0")
            }
            return now.addingTimeInterval(-TimeInterval(seconds))
        }
        guard let time else { return nil }
        guard let date = parseRFC3339(time) else {
            throw KubeletAccessError(
                code: 400, message: "sinceTime: Invalid value: \"\(time)\": must be an RFC 3339 time")
        }
        return date
    }

    /// RFC 3339 with or without fractional seconds (metav1.Time prints whole seconds).
    static func parseRFC3339(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
