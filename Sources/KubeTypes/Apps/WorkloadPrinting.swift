/// Cells and columns shared by the workload printers (upstream `printers.go`).
enum WorkloadPrinting {
    static let nameColumn = TableColumn(
        "Name", format: "name", description: "Name must be unique within a namespace.")
    static let ageColumn = TableColumn(
        "Age", description: "When the object was created, shown as time elapsed since then.")
    static let containersColumn = TableColumn(
        "Containers", priority: 1, description: "Names of each container in the template.")
    static let imagesColumn = TableColumn(
        "Images", priority: 1, description: "Images referenced by each container in the template.")
    static let selectorColumn = TableColumn(
        "Selector", priority: 1, description: "Label query over the pods this object manages.")

    static func name(_ object: JSON) -> JSON { .string(object.name) }

    static func int(_ value: JSON?) -> JSON { .int(value?.intValue ?? 0) }

    /// The text form of a label selector object: `""` when absent, `<invalid>` when unusable.
    static func selectorText(_ selector: JSON?) -> String {
        guard let selector, selector != .null else { return "" }
        guard let parsed = try? LabelSelector(object: selector) else { return "<invalid>" }
        return parsed.text
    }

    /// Containers, images and (optionally) selector cells of a pod template.
    static func templateCells(_ template: JSON?, selector: JSON?? = .none) -> [JSON] {
        let cells = PodRules.containerNamesAndImages(template?["spec"] ?? .emptyObject)
        var result: [JSON] = [.string(cells.names), .string(cells.images)]
        if case .some(let selector) = selector { result.append(.string(selectorText(selector))) }
        return result
    }

    /// Upstream's `labels.FormatLabels`: sorted `k=v` pairs, `<none>` when empty.
    static func formatLabels(_ value: JSON?) -> String {
        let map = value?.stringMap ?? [:]
        if map.isEmpty { return "<none>" }
        return map.keys.sorted().map { "\($0)=\(map[$0]!)" }.joined(separator: ",")
    }
}
