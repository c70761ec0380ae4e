private typealias F = FieldSchema

/// `events.k8s.io/v1`: the structured form of events, reports of something that happened to an
/// object, stored alongside core/v1 events.
public enum EventsV1 {
    static let prefix = "io.k8s.api.events.v1."
    static let eventKind = GroupVersionKind("events.k8s.io", "v1", "Event")
    static let eventTypes = ["Normal", "Warning"]

    public static let schemas: [TypeSchema] = [
        event, eventSeries, ExtensionSupport.listSchema(prefix: prefix, eventKind),
    ]

    public static let resources: [ResourceType] = [
        ResourceType(
            group: "events.k8s.io", version: "v1", kind: "Event", plural: "events", namespaced: true,
            shortNames: ["ev"], schemaName: prefix + "Event",
            strategy: ResourceStrategy(
                validateCreate: { validate($0) },
                validateUpdate: { new, old in validate(new) + validateUpdate(new, old) },
                fieldLabels: fieldLabels, table: table, tracksGeneration: false))
    ]

    static let event = TypeSchema(
        prefix + "Event", "A report that something happened to an object, emitted by a controller or agent.",
        ExtensionSupport.typeMetaFields(eventKind) + [
            F("eventTime", .microTime, "When the event first happened.", required: true),
            F("series", .ref(prefix + "EventSeries"), "Repetition data, present when the event recurs."),
            F("reportingController", .string, "Controller that emitted the event, e.g. kubernetes.io/kubelet."),
            F("reportingInstance", .string, "Instance of the controller that emitted the event, e.g. a node name."),
            F("action", .string, "What was done, or failed, about the regarding object."),
            F("reason", .string, "Short machine-readable reason for the action, in CamelCase."),
            F("regarding", ExtensionSupport.objectReference, "The object the event is about."),
            F("related", ExtensionSupport.objectReference, "A secondary object involved, if any."),
            F("note", .string, "Human-readable description of what happened, at most 1 kB."),
            F("type", .string, "Normal or Warning.", enumValues: eventTypes),
            F(
                "deprecatedSource", .ref("io.k8s.api.core.v1.EventSource"),
                "The core/v1 source field, kept for compatibility."),
            F("deprecatedFirstTimestamp", .time, "The core/v1 firstTimestamp field, kept for compatibility."),
            F("deprecatedLastTimestamp", .time, "The core/v1 lastTimestamp field, kept for compatibility."),
            F("deprecatedCount", .int32, "The core/v1 count field, kept for compatibility."),
        ], kinds: [eventKind])

    static let eventSeries = TypeSchema(
        prefix + "EventSeries", "How often and how recently a recurring event was seen.",
        [
            F("count", .int32, "Number of occurrences so far.", required: true),
            F("lastObservedTime", .microTime, "When the last occurrence was seen.", required: true),
        ])

    /// The rules upstream applies to events written through events.k8s.io (stricter than core/v1).
    static func validate(_ object: JSON) -> [FieldError] {
        var errors: [FieldError] = []
        if (object["eventTime"]?.stringValue ?? "").isEmpty {
            errors.append(.required("eventTime", ""))
        }
        let type = object["type"]?.stringValue ?? ""
        if !eventTypes.contains(type) {
            errors.append(.invalid("type", .string(""), "has invalid value: \(type)"))
        }
        if let series = object["series"] {
            if (series["count"]?.intValue ?? 0) < 2 {
                errors.append(.invalid("series.count", series["count"] ?? .null, "should be at least 2"))
            }
            if (series["lastObservedTime"]?.stringValue ?? "").isEmpty {
                errors.append(.required("series.lastObservedTime", ""))
            }
        }
        let controller = object["reportingController"]?.stringValue ?? ""
        if controller.isEmpty {
            errors.append(.required("reportingController", ""))
        } else {
            errors += NameRules.qualifiedName(controller).map {
                .invalid("reportingController", .string(controller), $0)
            }
        }
        errors += boundedRequired(object, "reportingInstance", limit: 128)
        errors += boundedRequired(object, "action", limit: 128)
        errors += boundedRequired(object, "reason", limit: 128)
        if let note = object["note"]?.stringValue, note.utf8.count > 1024 {
            errors.append(FieldError(.tooLong, "note", nil, "may not be more than 1024 bytes"))
        }
        return errors
    }

    private static func boundedRequired(_ object: JSON, _ key: String, limit: Int) -> [FieldError] {
        let value = object[key]?.stringValue ?? ""
        if value.isEmpty { return [.required(key, "")] }
        if value.utf8.count > limit { return [FieldError(.tooLong, key, nil, "may not be more than \(limit) bytes")] }
        return []
    }

    /// Everything that identifies the occurrence is fixed once the event exists; only the series,
    /// note and deprecated counters may move.
    static func validateUpdate(_ new: JSON, _ old: JSON) -> [FieldError] {
        ["eventTime", "action", "reason", "regarding", "related", "reportingController", "reportingInstance", "type"]
            .flatMap { ExtensionSupport.immutable(new[$0], old[$0], at: $0) }
    }

    static let fieldLabels: [String: @Sendable (JSON) -> String?] = [
        "regarding.kind": { $0[path: ["regarding", "kind"]]?.stringValue ?? "" },
        "regarding.namespace": { $0[path: ["regarding", "namespace"]]?.stringValue ?? "" },
        "regarding.name": { $0[path: ["regarding", "name"]]?.stringValue ?? "" },
        "regarding.uid": { $0[path: ["regarding", "uid"]]?.stringValue ?? "" },
        "regarding.apiVersion": { $0[path: ["regarding", "apiVersion"]]?.stringValue ?? "" },
        "regarding.resourceVersion": { $0[path: ["regarding", "resourceVersion"]]?.stringValue ?? "" },
        "regarding.fieldPath": { $0[path: ["regarding", "fieldPath"]]?.stringValue ?? "" },
        "reason": { $0["reason"]?.stringValue ?? "" },
        "reportingController": { $0["reportingController"]?.stringValue ?? "" },
        "type": { $0["type"]?.stringValue ?? "" },
    ]

    /// The same columns as core/v1 events: upstream prints both kinds with one printer.
    static let table = TableDefinition(
        columns: CoreV1Printers.events.columns,
        cells: { object, now in cells(object, now: now) })

    /// Upstream prints events.k8s.io events through the core/v1 printer, so the cells follow its
    /// rules: series data wins over the deprecated counters, and a singleton counts as 1.
    static func cells(_ object: JSON, now: Int64) -> [JSON] {
        let firstSeenStamp =
            object["deprecatedFirstTimestamp"]?.stringValue ?? object["eventTime"]?.stringValue
        var lastSeenStamp = object["deprecatedLastTimestamp"]?.stringValue ?? firstSeenStamp
        var count = object["deprecatedCount"]?.intValue ?? 0
        if let series = object["series"] {
            lastSeenStamp = series["lastObservedTime"]?.stringValue
            count = series["count"]?.intValue ?? 0
        } else if count == 0 {
            count = 1
        }
        let regarding = object["regarding"]
        let kind = (regarding?["kind"]?.stringValue ?? "").lowercased()
        let regardingName = regarding?["name"]?.stringValue ?? ""
        return [
            .string(Age.since(lastSeenStamp, now: now)),
            .string(object["type"]?.stringValue ?? ""),
            .string(object["reason"]?.stringValue ?? ""),
            .string(regardingName.isEmpty ? kind : "\(kind)/\(regardingName)"),
            .string(regarding?["fieldPath"]?.stringValue ?? ""),
            .string(source(object)),
            .string(object["note"]?.stringValue ?? ""),
            .string(Age.since(firstSeenStamp, now: now)),
            .int(count),
            .string(object.name),
        ]
    }

    /// `component, host`, each taken from the deprecated source or else the reporting fields.
    static func source(_ object: JSON) -> String {
        func firstNonEmpty(_ values: String?...) -> String {
            values.compactMap { $0 }.first { !$0.isEmpty } ?? ""
        }
        let component = firstNonEmpty(
            object[path: ["deprecatedSource", "component"]]?.stringValue, object["reportingController"]?.stringValue)
        let host = firstNonEmpty(
            object[path: ["deprecatedSource", "host"]]?.stringValue, object["reportingInstance"]?.stringValue)
        return host.isEmpty ? component : "\(component), \(host)"
    }
}
