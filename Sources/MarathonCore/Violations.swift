/// Marathon's 422 answer: `{"message":"Object is not valid","details":[{"path","errors":[...]}]}`.
///
/// Public API for the HTTP shell:
/// - `ValidationFailure` is the error every MarathonCore parser throws; `json` is the exact 422 body.
/// - `ViolationDetail` is one `{path, errors}` entry. Paths use Marathon's JSON-path style:
///   `/id`, `/container/docker/image`, `/portDefinitions(0)/name`; `/` for rules about the whole app.
import MesosModel

/// One entry of a 422 `details` list.
public struct ViolationDetail: Hashable, Sendable {
    public var path: String
    public var errors: [String]

    public init(path: String, errors: [String]) {
        self.path = path
        self.errors = errors
    }

    public var json: JSONValue {
        .object(["path": .string(path), "errors": .array(errors.map(JSONValue.string))])
    }
}

/// A rejected app definition, update or constraint: the shell answers 422 with `json`.
public struct ValidationFailure: Error, Hashable, Sendable {
    public var message: String
    public var details: [ViolationDetail]

    public init(message: String = "Object is not valid", details: [ViolationDetail]) {
        self.message = message
        self.details = details
    }

    /// Convenience for a single violation.
    public init(path: String, _ error: String) {
        self.init(details: [ViolationDetail(path: path, errors: [error])])
    }

    /// The response body Marathon sends with status 422.
    public var json: JSONValue {
        .object(["message": .string(message), "details": .array(details.map(\.json))])
    }

    /// All error texts, for tests and logs.
    public var allErrors: [String] { details.flatMap(\.errors) }

    /// The errors reported at one path.
    public func errors(at path: String) -> [String] {
        details.filter { $0.path == path }.flatMap(\.errors)
    }
}

/// Collects violations while a definition is decoded and validated; errors for one path are
/// grouped in the order they were found, like Marathon's accord validators report them.
final class Violations {
    private(set) var details: [ViolationDetail] = []

    var isEmpty: Bool { details.isEmpty }

    func add(_ path: String, _ error: String) {
        let path = path.isEmpty ? "/" : path
        if let index = details.firstIndex(where: { $0.path == path }) {
            if !details[index].errors.contains(error) { details[index].errors.append(error) }
        } else {
            details.append(ViolationDetail(path: path, errors: [error]))
        }
    }

    func merge(_ failure: ValidationFailure) {
        for detail in failure.details {
            for error in detail.errors { add(detail.path, error) }
        }
    }

    func check() throws(ValidationFailure) {
        if !details.isEmpty { throw ValidationFailure(details: details) }
    }
}
