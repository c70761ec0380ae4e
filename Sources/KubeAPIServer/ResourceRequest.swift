import Foundation
import HTTPSupport
import KubeTypes
import NIOHTTP1

/// One request to a resource, with the query options every verb shares.
struct ResourceRequest: Sendable {
    enum FieldValidation: String, Sendable {
        case strict = "Strict"
        case warn = "Warn"
        case ignore = "Ignore"
    }

    let http: HTTPRequest
    let info: RequestInfo
    let resource: ResourceType
    let snapshot: ResourceRegistry.Snapshot

    var namespace: String? { resource.namespaced ? info.namespace : nil }
    var name: String? { info.name }
    func query(_ name: String) -> String? { http.query[name] }

    var dryRun: Bool {
        guard let values = http.queryValues["dryRun"] else { return false }
        return values.contains("All")
    }

    /// Query options with a fixed set of values are checked, never silently ignored.
    func validateQuery() throws {
        for value in http.queryValues["dryRun"] ?? [] where value != "All" {
            throw APIError.badRequest("Unsupported value: \"\(value)\": supported values: \"All\"")
        }
        if let value = query("includeObject"), !["None", "Metadata", "Object"].contains(value) {
            throw APIError.badRequest(
                "includeObject: Unsupported value: \"\(value)\": supported values: \"None\", \"Metadata\", \"Object\"")
        }
        if let value = query("resourceVersionMatch"), !value.isEmpty {
            guard value == "NotOlderThan" || value == "Exact" else {
                throw APIError.badRequest(
                    "resourceVersionMatch: Unsupported value: \"\(value)\": supported values: \"Exact\", \"NotOlderThan\""
                )
            }
            if (query("resourceVersion") ?? "").isEmpty && query("sendInitialEvents") != "true" {
                throw APIError.badRequest("resourceVersionMatch is forbidden unless resourceVersion is provided")
            }
        }
    }

    /// The manager recorded in managedFields: the `fieldManager` parameter, else the client's
    /// user-agent name as upstream derives it (`kubectl`, `OpenAPI-Generator`).
    var fieldManager: String {
        if let manager = query("fieldManager"), !manager.isEmpty { return manager }
        let agent = http.headers.first(name: "User-Agent") ?? "unknown"
        return String(agent.split(separator: "/").first ?? "unknown")
    }

    func fieldValidation() throws -> FieldValidation {
        guard let value = query("fieldValidation"), !value.isEmpty else { return .warn }
        guard let parsed = FieldValidation(rawValue: value) else {
            throw APIError.badRequest(
                "fieldValidation parameter unsupported: \(value). Supported values: Ignore, Warn, Strict")
        }
        return parsed
    }

    var accept: String? { http.headers.first(name: "Accept") }
}

/// Warnings sent back as `Warning: 299 - "..."` headers, which kubectl prints.
struct Warnings: Sendable {
    var messages: [String] = []

    mutating func add(_ message: String) { messages.append(message) }

    var headers: HTTPHeaders {
        var headers = HTTPHeaders()
        for message in messages {
            let escaped = message.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                of: "\"", with: "\\\"")
            headers.add(name: "Warning", value: "299 - \"\(escaped)\"")
        }
        return headers
    }
}
