import KubeTypes

/// The `pod-template-hash` that names a Deployment's ReplicaSets and tells their pods apart, and
/// the template comparison that decides which ReplicaSet is the "new" one.
public enum PodTemplateHash {
    /// Upstream `apps.DefaultDeploymentUniqueLabelKey`.
    public static let labelKey = "pod-template-hash"

    /// Upstream `rand.SafeEncodeString`'s alphabet: no vowels (no words) and no look-alikes.
    static let alphabet = Array("bcdfghjklmnpqrstvwxz2456789".unicodeScalars)

    /// The hash label value for `template`: FNV-1a (32 bit) over the canonical JSON of the
    /// template, then the collision count as 8 little-endian bytes as upstream's `ComputeHash`
    /// appends it, rendered in decimal and safe-encoded. Canonical means sorted keys with
    /// semantically empty members dropped, so templates that compare equal hash equal.
    public static func compute(template: JSON, collisionCount: Int64?) -> String {
        var hash: UInt32 = 2_166_136_261
        func mix(_ byte: UInt8) {
            hash ^= UInt32(byte)
            hash = hash &* 16_777_619
        }
        for byte in canonical(template).serialized().utf8 { mix(byte) }
        if let collisionCount {
            let value = UInt32(truncatingIfNeeded: collisionCount)
            for shift in stride(from: 0, to: 32, by: 8) { mix(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
            for _ in 0..<4 { mix(0) }
        }
        return safeEncode(String(hash))
    }

    /// Upstream `SafeEncodeString`: every character maps to `alphabet[code % 27]`.
    static func safeEncode(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { alphabet[Int($0.value) % alphabet.count] }))
    }

    /// Upstream `EqualIgnoreHash`: the templates are semantically equal once the hash label is
    /// removed from both. This is what makes `kubectl rollout undo` pick up the old ReplicaSet.
    public static func equalIgnoringHash(_ first: JSON, _ second: JSON) -> Bool {
        canonical(first) == canonical(second)
    }

    /// Field names whose empty object means the same as an absent one: Go maps (nil and empty are
    /// equal under `apiequality.Semantic`) and value structs that are always serialised, such as a
    /// container's `resources: {}` that kubectl writes back on `rollout undo`.
    static let emptyMeansAbsent: Set<String> = [
        "metadata", "labels", "annotations", "nodeSelector", "resources", "limits", "requests",
    ]

    /// The template without its hash label, with nulls, empty lists and the empty members named
    /// above removed, recursively.
    static func canonical(_ template: JSON) -> JSON {
        var copy = template
        if copy[path: ["metadata", "labels", labelKey]] != nil {
            copy[path: ["metadata", "labels", labelKey]] = nil
        }
        return pruned(copy) ?? .emptyObject
    }

    private static func pruned(_ value: JSON, key: String? = nil) -> JSON? {
        switch value {
        case .null:
            return nil
        case .array(let items):
            if items.isEmpty { return nil }
            return .array(items.map { pruned($0) ?? .null })
        case .object(let members):
            var kept: [String: JSON] = [:]
            for (name, member) in members {
                if let member = pruned(member, key: name) { kept[name] = member }
            }
            if kept.isEmpty, let key, emptyMeansAbsent.contains(key) { return nil }
            return .object(kept)
        default:
            return value
        }
    }
}
