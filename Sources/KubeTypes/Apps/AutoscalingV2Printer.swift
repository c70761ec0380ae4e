/// `kubectl get hpa` columns, as upstream's server-side printer lays them out.
extension AutoscalingAPI {
    static let hpaTable = TableDefinition(
        columns: [
            WorkloadPrinting.nameColumn,
            TableColumn("Reference", description: "The object being scaled, as Kind/name."),
            TableColumn("Targets", description: "Current and target values of the metrics."),
            TableColumn("MinPods", description: "The lower replica bound."),
            TableColumn("MaxPods", type: "integer", description: "The upper replica bound."),
            TableColumn("Replicas", type: "integer", description: "Replicas the target had when last checked."),
            WorkloadPrinting.ageColumn,
        ],
        cells: { object, now in
            let spec = object["spec"] ?? .emptyObject
            let kind = spec[path: ["scaleTargetRef", "kind"]]?.stringValue ?? ""
            let name = spec[path: ["scaleTargetRef", "name"]]?.stringValue ?? ""
            let minimum = spec["minReplicas"]?.intValue.map { String($0) } ?? "<unset>"
            return [
                WorkloadPrinting.name(object), .string("\(kind)/\(name)"),
                .string(metricsText(spec["metrics"], object[path: ["status", "currentMetrics"]])),
                .string(minimum), WorkloadPrinting.int(spec["maxReplicas"]),
                WorkloadPrinting.int(object[path: ["status", "currentReplicas"]]), .string(Age.of(object, now: now)),
            ]
        })

    /// `cpu: 12%/80%, memory: <unknown>/1Gi + 1 more...`: each metric's current value against its
    /// target, at most two shown.
    static func metricsText(_ specs: JSON?, _ statuses: JSON?) -> String {
        let specs = specs?.arrayValue ?? []
        let statuses = statuses?.arrayValue ?? []
        if specs.isEmpty { return "<none>" }
        let list = specs.enumerated().map { index, spec in
            metricText(spec, status: index < statuses.count ? statuses[index] : nil)
        }
        let shown = list.prefix(2).joined(separator: ", ")
        return list.count > 2 ? "\(shown) + \(list.count - 2) more..." : shown
    }

    static func quantityText(_ value: JSON?) -> String {
        switch value {
        case .string(let text)?: return text
        case .int(let number)?: return String(number)
        case .double(let number)?: return String(number)
        default: return "0"
        }
    }

    static func metricText(_ spec: JSON, status: JSON?) -> String {
        let type = spec["type"]?.stringValue ?? ""
        guard let field = sourceFields[type], let source = spec[field] else { return "<unknown type>" }
        let target = source["target"] ?? .emptyObject
        let current = status?[field]?["current"]
        switch field {
        case "resource", "containerResource":
            let resource = source["name"]?.stringValue ?? ""
            if !isUnset(target["averageValue"]) {
                let now = current.map { quantityText($0["averageValue"]) } ?? "<unknown>"
                return "\(resource): \(now)/\(quantityText(target["averageValue"]))"
            }
            let now = current?["averageUtilization"]?.intValue.map { "\($0)%" } ?? "<unknown>"
            let goal = target["averageUtilization"]?.intValue.map { "\($0)%" } ?? "<auto>"
            return "\(resource): \(now)/\(goal)"
        case "pods":
            let now = current.map { quantityText($0["averageValue"]) } ?? "<unknown>"
            return "\(now)/\(quantityText(target["averageValue"]))"
        default:
            if !isUnset(target["averageValue"]) {
                let now = isUnset(current?["averageValue"]) ? "<unknown>" : quantityText(current?["averageValue"])
                return "\(now)/\(quantityText(target["averageValue"])) (avg)"
            }
            let now = current.map { quantityText($0["value"]) } ?? "<unknown>"
            return "\(now)/\(quantityText(target["value"]))"
        }
    }
}
