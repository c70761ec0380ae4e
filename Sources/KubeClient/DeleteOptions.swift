import KubeTypes

extension JSON {
    /// A DeleteOptions body that deletes only the object a decision was made about: a same-named
    /// object created since has another uid, and the server refuses the delete with a conflict.
    /// An empty `uid` (an object not read from the server) sets no precondition. `propagation` is
    /// upstream's `propagationPolicy` (Foreground, Background, Orphan); nil leaves the default.
    public static func deleteOptions(uid: String, propagation: String? = nil) -> JSON {
        var options: JSON = ["apiVersion": "v1", "kind": "DeleteOptions"]
        if !uid.isEmpty { options["preconditions"] = ["uid": .string(uid)] }
        if let propagation { options["propagationPolicy"] = .string(propagation) }
        return options
    }
}
