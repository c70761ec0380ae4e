/// RFC 7386 JSON Merge Patch (`application/merge-patch+json`): objects merge member by member, a
/// null member deletes, anything else (lists included) replaces the target value whole.
public enum MergePatch {
    public static func apply(_ patch: JSON, to document: JSON) -> JSON {
        guard case .object(let patchMembers) = patch else { return patch }
        var members = document.objectValue ?? [:]
        for (key, value) in patchMembers {
            if value == .null {
                members.removeValue(forKey: key)
            } else {
                members[key] = apply(value, to: members[key] ?? .null)
            }
        }
        return .object(members)
    }

    /// The merge patch that turns `original` into `modified`: members that disappeared become
    /// null, changed objects are diffed recursively, every other change is carried whole. Null
    /// members of `modified` cannot be expressed (a null means "delete") and are left out.
    public static func diff(from original: JSON, to modified: JSON) -> JSON {
        guard case .object(let before) = original, case .object(let after) = modified else {
            return modified
        }
        var patch: [String: JSON] = [:]
        for key in before.keys where after[key] == nil || after[key] == .null {
            patch[key] = .null
        }
        for (key, value) in after where value != .null {
            guard let old = before[key] else {
                patch[key] = value
                continue
            }
            if old.isSameValue(as: value) { continue }
            if case .object = old, case .object = value {
                patch[key] = diff(from: old, to: value)
            } else {
                patch[key] = value
            }
        }
        return .object(patch)
    }
}
