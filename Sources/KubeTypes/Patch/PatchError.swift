/// Why a patch could not be applied. The API server turns `.malformed` into 400 Bad Request (the
/// patch itself is unusable) and `.unprocessable` into 422 (a well-formed patch that does not fit
/// the object), as upstream does.
public struct PatchError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The patch document is not a valid patch of its type (400).
        case malformed
        /// The patch is well formed but cannot be applied to this object (422).
        case unprocessable
    }

    public var kind: Kind
    /// The detailed reason, worded like upstream's patch libraries.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    static func malformed(_ message: String) -> PatchError { PatchError(.malformed, message) }
    static func unprocessable(_ message: String) -> PatchError { PatchError(.unprocessable, message) }

    /// The Status message upstream sends: 422 answers carry a fixed sentence and put the detail in
    /// a cause; 400 answers carry the detail itself.
    public var statusMessage: String {
        switch kind {
        case .malformed: message
        case .unprocessable: "the server rejected our request due to an error in our request"
        }
    }

    public var description: String { message }
}

/// A server-side apply that would change fields other managers own (409 Conflict). Each conflict
/// names the other manager as upstream prints it (`"kubectl-client-side-apply" using apps/v1`) and
/// the field (`.spec.replicas`).
public struct ApplyConflictError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Conflict: Sendable, Hashable {
        /// The manager, quoted and qualified: `"kubectl"`, `"kube-scheduler" using v1`.
        public var manager: String
        /// The field path in upstream notation: `.spec.template.spec.containers[name="nginx"].image`.
        public var field: String

        public init(manager: String, field: String) {
            self.manager = manager
            self.field = field
        }
    }

    /// One `details.causes` entry of the Status.
    public struct Cause: Sendable, Hashable {
        public var reason: String
        public var message: String
        public var field: String
    }

    public var conflicts: [Conflict]

    public init(conflicts: [Conflict]) {
        self.conflicts = conflicts
    }

    /// `Apply failed with 1 conflict: conflict with "mgr" using apps/v1: .spec.replicas`, or for
    /// several conflicts a list grouped by manager, managers sorted.
    public var message: String {
        if conflicts.count == 1, let only = conflicts.first {
            return "Apply failed with 1 conflict: conflict with \(only.manager): \(only.field)"
        }
        var byManager: [String: [String]] = [:]
        for conflict in conflicts { byManager[conflict.manager, default: []].append(conflict.field) }
        var lines: [String] = []
        for manager in byManager.keys.sorted() {
            lines.append("conflicts with \(manager):")
            lines += byManager[manager]!.map { "- \($0)" }
        }
        return "Apply failed with \(conflicts.count) conflicts: " + lines.joined(separator: "\n")
    }

    public var causes: [Cause] {
        conflicts.map { Cause(reason: "FieldManagerConflict", message: "conflict with \($0.manager)", field: $0.field) }
    }

    public var description: String { message }
}
