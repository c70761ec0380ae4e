import Foundation
import HTTPSupport
import MarathonCore
import MesosModel

/// Request parsing shared by the /v2 handlers: path normalization (marathon-python interpolates
/// ids verbatim, so `/v2/apps//x/tasks` arrives with a double slash), Python-style booleans
/// (`?force=True`), `embed` tokens, and JSON bodies with Marathon's 400 answers.
enum MarathonRequest {
    /// The path's non-empty segments: `//v2/apps//a/b/` → `["v2", "apps", "a", "b"]`.
    static func segments(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    /// `true`/`True`/`TRUE`/`1` and `false`/... (case-insensitive); absent → `defaultValue`.
    static func flag(
        _ query: [String: String], _ name: String, default defaultValue: Bool = false
    ) throws(MarathonError)
        -> Bool
    {
        guard let raw = query[name] else { return defaultValue }
        switch raw.lowercased() {
        case "true", "1", "": return true
        case "false", "0": return false
        default: throw MarathonError(.badRequest, "Query parameter '\(name)' must be true or false, not '\(raw)'")
        }
    }

    /// What `embed=` asks for, with the `apps.`/`app.`/`group.apps.` prefixes stripped
    /// (`InfoEmbedResolver`); unknown tokens are ignored as Marathon does.
    static func embeds(_ values: [String]) -> Set<String> {
        var result: Set<String> = []
        for value in values {
            var token = Substring(value)
            for prefix in ["group.apps.", "apps.", "app."] where token.hasPrefix(prefix) {
                token = token.dropFirst(prefix.count)
                break
            }
            switch token {
            case "failures": result.formUnion(["tasks", "lastTaskFailure", "deployments"])
            case "tasks": result.formUnion(["tasks", "deployments"])
            default: result.insert(String(token))
            }
        }
        return result
    }

    /// The body as JSON: 400 `Please specify data in JSON format` when empty, 400 `Invalid JSON` when
    /// it does not parse.
    static func json(_ request: HTTPRequest) throws(MarathonError) -> JSONValue {
        let bytes = request.bodyBytes
        guard !bytes.isEmpty else { throw MarathonError(.badRequest, "Please specify data in JSON format") }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw MarathonError(
                .badRequest,
                body: .object([
                    "message": .string("Invalid JSON"),
                    "details": .array([
                        .object(["path": .string("/"), "errors": .array([.string(describe(error))])])
                    ]),
                ]))
        }
    }

    static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return underlying ?? context.debugDescription
        }
        return "\(error)"
    }
}

/// A Marathon error answer: `{"message": ..., "details"?: [...]}` (reference §1.1) or another body.
struct MarathonError: Error, Sendable {
    var status: HTTPResponseStatus
    var body: JSONValue

    init(_ status: HTTPResponseStatus, _ message: String) {
        self.status = status
        self.body = .object(["message": .string(message)])
    }

    init(_ status: HTTPResponseStatus, body: JSONValue) {
        self.status = status
        self.body = body
    }

    static func invalid(_ failure: ValidationFailure) -> MarathonError {
        MarathonError(.unprocessableEntity, body: failure.json)
    }

    static func appNotFound(_ id: PathId) -> MarathonError { MarathonError(.notFound, "App '\(id)' does not exist") }

    /// 409 for an app held by running deployments (`AppLockedException`).
    static func locked(_ deploymentIds: [String]) -> MarathonError {
        let first = deploymentIds.first ?? ""
        return MarathonError(
            .conflict,
            body: .object([
                "message": .string(
                    "App is locked by one or more deployments. Override with the option '?force=true'. "
                        + "View details at '/v2/deployments/\(first)'."),
                "deployments": .array(deploymentIds.map { .object(["id": .string($0)]) }),
            ]))
    }

    static func notBuilt(_ what: String) -> MarathonError {
        MarathonError(.notImplemented, "\(what) is not supported by Mesokube yet")
    }

    var response: HTTPResponse { MarathonResponse.json(body, status: status) }
}

enum MarathonResponse {
    static func json(_ value: JSONValue, status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:]) -> HTTPResponse {
        var response = HTTPResponse.json(value, status: status)
        for (name, text) in headers { response.headers.replaceOrAdd(name: name, value: text) }
        return response
    }
}
