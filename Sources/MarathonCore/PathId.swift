/// Marathon's hierarchical ids (`/prod/web/api`) for apps and groups.
///
/// Public API for the HTTP shell:
/// - `PathId(_ string)` splits like Marathon (`"/a//b/"` → `/a/b`; no leading slash → relative).
/// - `canonical(base:)` resolves relative ids, `.` and `..` against an absolute group id.
/// - `PathId.appId(_:base:)` parses and validates a request's app id (422 texts as Marathon's).
/// - `safePath` (`/a/b` → `a_b`, for task ids), `PathId(safePath:)`, `mesosTaskName` (`/a/b` → `b.a`).
/// - `parent`, `isRoot`, `includes(_:)`, `isChild(of:)`, `isDescendant(of:)`, `appending(_:)`.
public struct PathId: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let segments: [String]
    public let isAbsolute: Bool

    public init(segments: [String], absolute: Bool = true) {
        self.segments = segments.filter { !$0.isEmpty }
        self.isAbsolute = absolute
    }

    /// Parses a slash-separated id; empty segments (duplicate slashes) vanish as in Marathon.
    public init(_ string: String) {
        self.init(
            segments: string.split(separator: "/", omittingEmptySubsequences: true).map(String.init),
            absolute: string.hasPrefix("/"))
    }

    /// Inverse of `safePath`.
    public init(safePath: String) {
        self.init(segments: safePath.split(separator: "_").map(String.init), absolute: true)
    }

    public static let root = PathId(segments: [], absolute: true)

    public var isRoot: Bool { segments.isEmpty }

    public var isTopLevel: Bool { !isRoot && parent.isRoot }

    public var parent: PathId { PathId(segments: Array(segments.dropLast()), absolute: isAbsolute) }

    /// The ids of every enclosing group, nearest first, ending with the root.
    public var allParents: [PathId] {
        var result: [PathId] = []
        var current = self
        while !current.isRoot {
            current = current.parent
            result.append(current)
        }
        return result
    }

    public var description: String {
        isAbsolute ? "/" + segments.joined(separator: "/") : segments.joined(separator: "/")
    }

    public func appending(_ child: String) -> PathId {
        appending(PathId(child))
    }

    public func appending(_ child: PathId) -> PathId {
        PathId(segments: segments + child.segments, absolute: isAbsolute)
    }

    /// Resolves the id against an absolute base: relative ids are appended to it; `.` stays, `..`
    /// goes up (never above the root), exactly Marathon's `canonicalPath`.
    public func canonical(base: PathId = .root) -> PathId {
        let raw = isAbsolute ? segments : base.segments + segments
        var result: [String] = []
        for segment in raw {
            switch segment {
            case ".": continue
            case "..": if !result.isEmpty { result.removeLast() }
            default: result.append(segment)
            }
        }
        return PathId(segments: result, absolute: true)
    }

    /// `/a/b` → `a_b`: the prefix of Marathon instance and task ids.
    public var safePath: String { segments.joined(separator: "_") }

    /// The Mesos task name (and Mesos-DNS label): segments reversed and dot-joined, `/a/b` → `b.a`.
    public var mesosTaskName: String { segments.reversed().joined(separator: ".") }

    /// True when `other` is this id or lies below it (Marathon's `includes`).
    public func includes(_ other: PathId) -> Bool {
        other.segments.count >= segments.count && Array(other.segments.prefix(segments.count)) == segments
    }

    /// True when this id sits directly in `group`.
    public func isChild(of group: PathId) -> Bool {
        !isRoot && parent.segments == group.segments
    }

    /// True when this id lies somewhere below `group` (and is not `group` itself).
    public func isDescendant(of group: PathId) -> Bool {
        segments.count > group.segments.count && group.includes(self)
    }

    public static func < (lhs: PathId, rhs: PathId) -> Bool {
        lhs.segments.lexicographicallyPrecedes(rhs.segments)
    }
}

extension PathId {
    /// Marathon's segment pattern, quoted verbatim in its error text.
    public static let segmentPattern =
        #"^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])|(\.|\.\.)$"#

    static let reservedKeywords = ["restart", "tasks", "versions"]

    /// Whether a raw segment matches `segmentPattern`: dot-separated labels of `[a-z0-9-]` that neither
    /// start nor end with `-`, or one of `.` and `..`.
    public static func isValidSegment(_ segment: String) -> Bool {
        if segment == "." || segment == ".." { return true }
        let labels = segment.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            guard let first = label.first, let last = label.last else { return false }
            let allowed = label.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
            return allowed && first != "-" && last != "-"
        }
    }

    /// The violations of a raw id (before resolution), reported at `path`.
    static func violations(of raw: String, base: PathId) -> [String] {
        let parsed = PathId(raw)
        var errors: [String] = []
        if !parsed.segments.allSatisfy(isValidSegment) {
            errors.append("must fully match regular expression '\(segmentPattern)'")
        }
        let resolved = parsed.canonical(base: base)
        if let last = resolved.segments.last, reservedKeywords.contains(last) {
            errors.append(
                "must not end with any of the following reserved keywords: \(reservedKeywords.joined(separator: ", "))")
        }
        if resolved.isRoot { errors.append("must not be root") }
        return errors
    }

    /// Parses an app id from a request: relative ids resolve against `base` (the root for
    /// `/v2/apps`, the enclosing group for `/v2/groups`); throws Marathon's 422 on a bad id.
    public static func appId(
        _ raw: String, base: PathId = .root, path: String = "/id"
    ) throws(ValidationFailure)
        -> PathId
    {
        let errors = violations(of: raw, base: base)
        if !errors.isEmpty { throw ValidationFailure(details: [ViolationDetail(path: path, errors: errors)]) }
        return PathId(raw).canonical(base: base)
    }

    /// Marathon's check for ids nested in a group body.
    public func childViolation(of group: PathId) -> String? {
        isDescendant(of: group) ? nil : "identifier \(self) is not child of \(group). Hint: use relative paths."
    }
}
