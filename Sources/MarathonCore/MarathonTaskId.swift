/// Marathon task ids (reference §4): instance id `<safePath>.instance-<uuid>` and, since Marathon
/// 1.8, task id `<instanceId>._app.<incarnation>` (e.g. `/prod/web` → `prod_web.instance-<uuid>._app.1`).
///
/// Public API: `MarathonTaskId(appId:uuid:incarnation:)` (the shell passes a UUID from its own
/// generator), `description` (the Mesos task id), `instanceId`, and `MarathonTaskId.parse(_:)`, which
/// returns nil for text that is not a task id (the shell's 400 `Invalid task id '<id>'`).
public struct MarathonTaskId: Hashable, Sendable, CustomStringConvertible {
    public var appId: PathId
    public var uuid: String
    public var incarnation: Int

    public init(appId: PathId, uuid: String, incarnation: Int = 1) {
        self.appId = appId
        self.uuid = uuid.lowercased()
        self.incarnation = incarnation
    }

    public var instanceId: String { "\(appId.safePath).instance-\(uuid)" }
    public var description: String { "\(instanceId)._app.\(incarnation)" }

    /// Accepts `<safePath>.instance-<uuid>._app.<n>` and the bare instance id (incarnation 1).
    public static func parse(_ text: String) -> MarathonTaskId? {
        guard let marker = text.range(of: ".instance-", options: .backwards) else { return nil }
        let safePath = String(text[..<marker.lowerBound])
        var rest = Substring(text[marker.upperBound...])
        var incarnation = 1
        if let app = rest.range(of: "._app.") {
            guard let number = Int(rest[app.upperBound...]), number >= 1 else { return nil }
            incarnation = number
            rest = rest[..<app.lowerBound]
        }
        guard isUUID(rest), !safePath.isEmpty else { return nil }
        let appId = PathId(safePath: safePath)
        guard appId.segments.allSatisfy(PathId.isValidSegment) else { return nil }
        return MarathonTaskId(appId: appId, uuid: String(rest), incarnation: incarnation)
    }

    static func isUUID(_ text: Substring) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12] else { return false }
        return groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }
}
