import KubeTypes

/// An answer of the API server other than success, carrying its Status object.
public struct KubeAPIError: Error, Sendable, CustomStringConvertible {
    public let code: Int
    /// Status `reason`: NotFound, AlreadyExists, Conflict, Invalid, Expired, ...
    public let reason: String
    public let message: String
    public let status: JSON?

    public init(code: Int, body: [UInt8]) {
        let status = try? JSONReader.parse(body)
        self.code = status?["code"]?.intValue.map(Int.init) ?? code
        self.reason = status?["reason"]?.stringValue ?? ""
        self.message = status?["message"]?.stringValue ?? String(decoding: body.prefix(512), as: UTF8.self)
        self.status = status
    }

    public init(code: Int, reason: String, message: String) {
        self.code = code
        self.reason = reason
        self.message = message
        self.status = nil
    }

    public var isNotFound: Bool { code == 404 }
    public var isConflict: Bool { code == 409 && reason == "Conflict" }
    public var isAlreadyExists: Bool { code == 409 && reason == "AlreadyExists" }
    /// 410: a list or watch asked for history the server has compacted away.
    public var isGone: Bool { code == 410 }

    public var description: String { "\(code) \(reason): \(message)" }
}

/// Failures of the client itself rather than answers of the server.
public enum KubeClientError: Error, Sendable, Equatable {
    case badConfiguration(String)
    case protocolViolation(String)
    case timedOut(String)
}
