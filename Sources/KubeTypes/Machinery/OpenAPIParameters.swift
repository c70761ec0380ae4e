/// Query and path parameters of the generated operations, named as upstream's API server accepts them.
enum OpenAPIParameters {
    static func query(_ name: String, _ type: String, _ description: String) -> JSON {
        [
            "name": .string(name), "in": "query", "description": .string(description),
            "schema": ["type": .string(type), "uniqueItems": true],
        ]
    }

    static func path(_ name: String, _ description: String) -> JSON {
        [
            "name": .string(name), "in": "path", "required": true, "description": .string(description),
            "schema": ["type": "string", "uniqueItems": true],
        ]
    }

    static let pretty = query("pretty", "string", "If 'true', the output is indented.")

    static let dryRun = query(
        "dryRun", "string", "When set to All, the request is validated and defaulted but nothing is persisted.")
    static let fieldManager = query(
        "fieldManager", "string", "Name of the actor making the change, recorded in managedFields.")
    static let fieldValidation = query(
        "fieldValidation", "string",
        "What to do with unknown or duplicate fields: Ignore drops them, Warn drops them and warns, Strict rejects the request."
    )
    static let force = query(
        "force", "boolean", "For apply patches: take over fields owned by other managers instead of failing.")

    static let write = [dryRun, fieldManager, fieldValidation]
    static let patch = [dryRun, fieldManager, fieldValidation, force]

    static let listForDelete = [
        query("continue", "string", "Token from a previous page of results."),
        query("fieldSelector", "string", "Only objects whose fields match, such as metadata.name=web."),
        query("labelSelector", "string", "Only objects whose labels match, such as app=web."),
        query("limit", "integer", "Largest number of objects to return in one page."),
        query("resourceVersion", "string", "Which version of the data to serve."),
        query("resourceVersionMatch", "string", "How resourceVersion is applied: Exact or NotOlderThan."),
        query("sendInitialEvents", "boolean", "For watches: start with the current objects, then a bookmark."),
        query("timeoutSeconds", "integer", "Time limit of the call."),
    ]

    static let list =
        [query("allowWatchBookmarks", "boolean", "For watches: allow BOOKMARK events.")] + listForDelete
        + [query("watch", "boolean", "Stream changes instead of returning a list.")]

    static let delete = [
        dryRun,
        query("gracePeriodSeconds", "integer", "Seconds before the object is deleted; 0 deletes at once."),
        query(
            "ignoreStoreReadErrorWithClusterBreakingPotential", "boolean",
            "Delete objects that cannot be read from storage. Dangerous."),
        query("orphanDependents", "boolean", "Deprecated: use propagationPolicy."),
        query("propagationPolicy", "string", "How dependents are deleted: Orphan, Background or Foreground."),
    ]

    /// One-sentence description of an operation.
    static func summary(_ verb: String, kind: String, subresource: String?) -> String {
        let target = subresource.map { "the \($0) of a \(kind)" } ?? "a \(kind)"
        switch verb {
        case "list": return "List or watch objects of kind \(kind)."
        case "create": return "Create \(target)."
        case "read": return "Read \(target)."
        case "replace": return "Replace \(target)."
        case "patch": return "Partially update \(target)."
        default: return "Delete \(target)."
        }
    }
}
