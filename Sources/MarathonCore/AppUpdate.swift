/// App updates: `PUT /v2/apps/{id}` (partialUpdate=true by default), `PUT ...?partialUpdate=false`,
/// `PATCH /v2/apps/{id}`, and the rollback request `{"version": "<ts>"}`.
///
/// Public API for the HTTP shell:
/// - `AppUpdate.apply(_ body:, to existing:, appId:, partial:, defaultRole:)` → `.change(newDefinition)`
///   (validated, not yet stamped: call `stamped(at:previous:)`) or `.rollback(to: version)` — the shell
///   then loads that stored version (404 if absent). `existing == nil` with PUT means "create".
/// Partial merge: only top-level fields present in the body change; nested objects (`container`,
/// `upgradeStrategy`, ...) are replaced whole, as in Marathon's `AppUpdate`. The path id wins over a
/// body id. Read-only AppInfo keys in the body are ignored (marathon-python sends them back).
import Foundation
import MesosModel

public enum AppUpdate {
    public enum Request: Hashable, Sendable {
        case change(AppDefinition)
        case rollback(to: Date)
    }

    public static func apply(
        _ body: JSONValue, to existing: AppDefinition?, appId: PathId, partial: Bool = true,
        defaultRole: String? = nil
    ) throws(ValidationFailure) -> Request {
        guard case .object(var fields) = body else { throw ValidationFailure(path: "/", "error.expected.jsobject") }
        fields = fields.filter { $0.value != .null }
        if let version = fields["version"] {
            return try rollback(version, fields: fields)
        }
        fields["id"] = .string(appId.description)
        guard partial, let existing else {
            return .change(try AppDefinition.create(from: .object(fields), defaultRole: defaultRole))
        }
        let merged = merge(fields, onto: existing)
        return .change(try AppDefinition.create(from: .object(merged), defaultRole: existing.role ?? defaultRole))
    }

    private static func rollback(
        _ version: JSONValue, fields: [String: JSONValue]
    ) throws(ValidationFailure)
        -> Request
    {
        let others = fields.keys.filter { $0 != "version" && $0 != "id" }
        if !others.isEmpty {
            throw ValidationFailure(path: "/", "The 'version' field may only be combined with the 'id' field.")
        }
        guard let text = version.stringValue, let date = Timestamp.parse(text) else {
            throw ValidationFailure(path: "/version", "error.expected.date.isoformat")
        }
        return .rollback(to: date)
    }

    /// The stored definition with the body's top-level fields laid over it.
    static func merge(_ update: [String: JSONValue], onto existing: AppDefinition) -> [String: JSONValue] {
        guard case .object(var base) = existing.json() else { return update }
        for key in AppDefinition.readOnlyKeys { base.removeValue(forKey: key) }
        let changes = update.filter { !AppDefinition.readOnlyKeys.contains($0.key) }
        // Fields whose meaning depends on the network mode follow a network change, as Marathon's
        // update normalization does: ports move between portDefinitions and container.portMappings.
        if changes["networks"] != nil {
            if changes["portDefinitions"] == nil && changes["ports"] == nil {
                base.removeValue(forKey: "portDefinitions")
            }
            if changes["container"] == nil, case .object(var container)? = base["container"] {
                container.removeValue(forKey: "portMappings")
                base["container"] = .object(container)
            }
        }
        if changes["ports"] != nil && changes["portDefinitions"] == nil { base.removeValue(forKey: "portDefinitions") }
        if changes["uris"] != nil && changes["fetch"] == nil { base.removeValue(forKey: "fetch") }
        if changes["args"] != nil && changes["cmd"] == nil { base.removeValue(forKey: "cmd") }
        if changes["cmd"] != nil && changes["args"] == nil { base.removeValue(forKey: "args") }
        return base.merging(changes) { _, new in new }
    }
}
