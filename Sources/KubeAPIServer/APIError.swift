import KubeTypes

/// A failed request, rendered as a `meta.k8s.io/v1 Status` the way the Kubernetes API server does,
/// so kubectl prints `Error from server (<reason>): <message>` and clients see the right code.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public var code: Int
    public var reason: String
    public var message: String
    public var details: JSON?

    public init(code: Int, reason: String, message: String, details: JSON? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
    }

    public var description: String { "\(code) \(reason): \(message)" }

    /// The Status object sent as the body (also embedded in watch ERROR events).
    public var status: JSON {
        var status: JSON = [
            "kind": "Status", "apiVersion": "v1", "metadata": .emptyObject, "status": "Failure",
            "message": .string(message), "reason": .string(reason), "code": .int(Int64(code)),
        ]
        if let details { status["details"] = details }
        return status
    }

    static func details(name: String?, resource: ResourceType?, causes: [JSON] = []) -> JSON {
        var details = JSON.emptyObject
        if let name, !name.isEmpty { details["name"] = .string(name) }
        if let resource {
            if !resource.group.isEmpty { details["group"] = .string(resource.group) }
            details["kind"] = .string(resource.plural)
        }
        if !causes.isEmpty { details["causes"] = .array(causes) }
        return details
    }

    static func notFound(_ resource: ResourceType, name: String) -> APIError {
        APIError(
            code: 404, reason: "NotFound", message: "\(resource.qualifiedName) \"\(name)\" not found",
            details: details(name: name, resource: resource))
    }

    static func namespaceNotFound(_ namespace: String) -> APIError {
        APIError(
            code: 404, reason: "NotFound", message: "namespaces \"\(namespace)\" not found",
            details: ["name": .string(namespace), "kind": "namespaces"])
    }

    static let pathNotFound = APIError(
        code: 404, reason: "NotFound", message: "the server could not find the requested resource",
        details: ["causes": [["reason": "UnexpectedServerResponse", "message": "404 page not found"]]])

    static func alreadyExists(_ resource: ResourceType, name: String) -> APIError {
        APIError(
            code: 409, reason: "AlreadyExists", message: "\(resource.qualifiedName) \"\(name)\" already exists",
            details: details(name: name, resource: resource))
    }

    static func conflict(_ resource: ResourceType, name: String, _ why: String = modifiedMessage) -> APIError {
        APIError(
            code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on \(resource.qualifiedName) \"\(name)\": \(why)",
            details: details(name: name, resource: resource))
    }

    static let modifiedMessage =
        "the object has been modified; please apply your changes to the latest version and try again"

    static func invalid(_ resource: ResourceType, name: String, _ errors: [FieldError]) -> APIError {
        invalid(kind: resource.qualifiedKind, name: name, resource: resource, errors)
    }

    static func invalid(kind: String, name: String, resource: ResourceType?, _ errors: [FieldError]) -> APIError {
        let causes: [JSON] = errors.map {
            ["reason": .string($0.kind.rawValue), "message": .string($0.message), "field": .string($0.field)]
        }
        let list = errors.map(\.description)
        let summary = list.count == 1 ? list[0] : "[" + list.joined(separator: ", ") + "]"
        var details = details(name: name, resource: resource, causes: causes)
        details["kind"] = .string(resource.map { $0.kind } ?? kind)
        return APIError(
            code: 422, reason: "Invalid", message: "\(kind) \"\(name)\" is invalid: \(summary)", details: details)
    }

    static func badRequest(_ message: String) -> APIError {
        APIError(code: 400, reason: "BadRequest", message: message)
    }

    static func forbidden(_ message: String, resource: ResourceType? = nil, name: String? = nil) -> APIError {
        APIError(code: 403, reason: "Forbidden", message: message, details: details(name: name, resource: resource))
    }

    static let unauthorized = APIError(code: 401, reason: "Unauthorized", message: "Unauthorized")

    static func methodNotSupported(_ verb: String, _ resource: String) -> APIError {
        APIError(
            code: 405, reason: "MethodNotAllowed",
            message: "the server does not allow this method on the requested resource",
            details: [
                "kind": .string(resource),
                "causes": [["reason": "UnexpectedServerResponse", "message": .string(verb)]],
            ])
    }

    static func unsupportedMediaType(_ message: String) -> APIError {
        APIError(code: 415, reason: "UnsupportedMediaType", message: message)
    }

    static func notAcceptable(_ message: String) -> APIError {
        APIError(code: 406, reason: "NotAcceptable", message: message)
    }

    static func gone(_ message: String) -> APIError {
        APIError(code: 410, reason: "Expired", message: message)
    }

    static func internalError(_ message: String) -> APIError {
        APIError(
            code: 500, reason: "InternalError", message: "Internal error occurred: \(message)",
            details: ["causes": [["message": .string(message)]]])
    }

    static func tooManyRequests(_ message: String, causes: [JSON] = []) -> APIError {
        APIError(
            code: 429, reason: "TooManyRequests", message: message,
            details: causes.isEmpty ? nil : ["causes": .array(causes)])
    }
}
