import HTTPSupport
import KubeTypes

/// Kubernetes `Status` objects as the node agent sends them: as error bodies, and on the exec
/// error channel once the command has ended.
enum KubeletStatus {
    /// The `reason` upstream uses for an HTTP code.
    static func reason(for code: Int) -> String {
        switch code {
        case 400: "BadRequest"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "NotFound"
        case 405: "MethodNotAllowed"
        case 409: "Conflict"
        case 501: "NotImplemented"
        case 503: "ServiceUnavailable"
        default: code >= 500 ? "InternalError" : "BadRequest"
        }
    }

    static func failure(code: Int, message: String) -> JSON {
        [
            "kind": "Status", "apiVersion": "v1", "metadata": .emptyObject, "status": "Failure",
            "message": .string(message), "reason": .string(reason(for: code)), "code": .int(Int64(code)),
        ]
    }

    /// An error answer: the Status as JSON with `code` as the HTTP status.
    static func response(code: Int, message: String) -> HTTPResponse {
        .bytes(
            ByteBuffer(bytes: failure(code: code, message: message).serializedBytes()), contentType: "application/json",
            status: HTTPResponseStatus(statusCode: code))
    }

    static func response(_ error: KubeletAccessError) -> HTTPResponse {
        response(code: error.code, message: error.message)
    }

    /// What the exec error channel carries when the command exited 0.
    static let success: JSON = ["metadata": .emptyObject, "status": "Success"]

    /// What the exec error channel carries for a non-zero exit; clients take the exit code from
    /// the `ExitCode` cause (kubectl exits with it).
    static func nonZeroExit(_ exitCode: Int32) -> JSON {
        [
            "metadata": .emptyObject, "status": "Failure",
            "message": .string("command terminated with non-zero exit code: exit status \(exitCode)"),
            "reason": "NonZeroExitCode",
            "details": ["causes": [["reason": "ExitCode", "message": .string(String(exitCode))]]],
        ]
    }

    /// What the exec error channel carries when the command could not be run at all.
    static func execFailed(_ message: String) -> JSON {
        [
            "metadata": .emptyObject, "status": "Failure", "message": .string("Internal error occurred: \(message)"),
            "reason": "InternalError", "code": 500, "details": ["causes": [["message": .string(message)]]],
        ]
    }
}

/// Query values as upstream's parameter conversion reads them.
enum QueryValue {
    /// nil when absent. Like upstream's `Convert_Slice_string_To_bool`, only "false" and "0" (any
    /// case) are false; every other value, the empty one included, is true.
    static func bool(_ request: HTTPRequest, _ names: String...) -> Bool? {
        for name in names {
            guard let value = request.query[name] else { continue }
            return !["false", "0"].contains(value.lowercased())
        }
        return nil
    }

    static func int(_ request: HTTPRequest, _ name: String) throws(KubeletAccessError) -> Int64? {
        guard let value = request.query[name] else { return nil }
        guard let number = Int64(value) else {
            throw KubeletAccessError(code: 400, message: "\(name): invalid integer value \"\(value)\"")
        }
        return number
    }
}
