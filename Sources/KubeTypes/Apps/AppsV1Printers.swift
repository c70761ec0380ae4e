/// `kubectl get` columns of the apps/v1 kinds, as upstream's server-side printers lay them out.
extension AppsV1 {
    typealias Printing = WorkloadPrinting

    static let deploymentTable = TableDefinition(
        columns: [
            Printing.nameColumn,
            TableColumn("Ready", description: "Ready pods out of the desired number."),
            TableColumn("Up-to-date", type: "integer", description: "Pods running the current template."),
            TableColumn("Available", type: "integer", description: "Pods available to serve traffic."),
            Printing.ageColumn, Printing.containersColumn, Printing.imagesColumn, Printing.selectorColumn,
        ],
        cells: { object, now in
            let spec = object["spec"] ?? .emptyObject
            let status = object["status"] ?? .emptyObject
            let ready = "\(status["readyReplicas"]?.intValue ?? 0)/\(spec["replicas"]?.intValue ?? 0)"
            return [
                Printing.name(object), .string(ready), Printing.int(status["updatedReplicas"]),
                Printing.int(status["availableReplicas"]), .string(Age.of(object, now: now)),
            ] + Printing.templateCells(spec["template"], selector: spec["selector"])
        })

    static let replicaSetTable = TableDefinition(
        columns: [
            Printing.nameColumn,
            TableColumn("Desired", type: "integer", description: "The number of pods wanted."),
            TableColumn("Current", type: "integer", description: "The number of pods that exist."),
            TableColumn("Ready", type: "integer", description: "The number of ready pods."),
            Printing.ageColumn, Printing.containersColumn, Printing.imagesColumn, Printing.selectorColumn,
        ],
        cells: { object, now in
            let spec = object["spec"] ?? .emptyObject
            let status = object["status"] ?? .emptyObject
            return [
                Printing.name(object), Printing.int(spec["replicas"]), Printing.int(status["replicas"]),
                Printing.int(status["readyReplicas"]), .string(Age.of(object, now: now)),
            ] + Printing.templateCells(spec["template"], selector: spec["selector"])
        })

    static let daemonSetTable = TableDefinition(
        columns: [
            Printing.nameColumn,
            TableColumn("Desired", type: "integer", description: "Nodes that should run the daemon pod."),
            TableColumn("Current", type: "integer", description: "Nodes that run the daemon pod."),
            TableColumn("Ready", type: "integer", description: "Nodes whose daemon pod is ready."),
            TableColumn("Up-to-date", type: "integer", description: "Nodes running the current template."),
            TableColumn("Available", type: "integer", description: "Nodes whose daemon pod is available."),
            TableColumn("Node Selector", description: "Labels a node needs to run the daemon pod."),
            Printing.ageColumn, Printing.containersColumn, Printing.imagesColumn, Printing.selectorColumn,
        ],
        cells: { object, now in
            let spec = object["spec"] ?? .emptyObject
            let status = object["status"] ?? .emptyObject
            return [
                Printing.name(object), Printing.int(status["desiredNumberScheduled"]),
                Printing.int(status["currentNumberScheduled"]), Printing.int(status["numberReady"]),
                Printing.int(status["updatedNumberScheduled"]), Printing.int(status["numberAvailable"]),
                .string(Printing.formatLabels(spec[path: ["template", "spec", "nodeSelector"]])),
                .string(Age.of(object, now: now)),
            ] + Printing.templateCells(spec["template"], selector: spec["selector"])
        })

    static let statefulSetTable = TableDefinition(
        columns: [
            Printing.nameColumn,
            TableColumn("Ready", description: "Ready pods out of the desired number."),
            Printing.ageColumn, Printing.containersColumn, Printing.imagesColumn,
        ],
        cells: { object, now in
            let spec = object["spec"] ?? .emptyObject
            let ready = "\(object[path: ["status", "readyReplicas"]]?.intValue ?? 0)/\(spec["replicas"]?.intValue ?? 0)"
            return [Printing.name(object), .string(ready), .string(Age.of(object, now: now))]
                + Printing.templateCells(spec["template"])
        })

    static let controllerRevisionTable = TableDefinition(
        columns: [
            Printing.nameColumn,
            TableColumn("Controller", description: "The controller that owns this revision."),
            TableColumn("Revision", type: "integer", description: "The sequence number of the revision."),
            Printing.ageColumn,
        ],
        cells: { object, now in
            [
                Printing.name(object), .string(controllerName(object)), Printing.int(object["revision"]),
                .string(Age.of(object, now: now)),
            ]
        })

    /// `daemonset.apps/web`: the lower-cased kind.group of the controlling owner and its name;
    /// `<none>` without one.
    static func controllerName(_ object: JSON) -> String {
        let owners = object[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []
        guard let owner = owners.first(where: { $0["controller"]?.boolValue == true }) else { return "<none>" }
        let apiVersion = owner["apiVersion"]?.stringValue ?? ""
        let group = apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : ""
        let kind = owner["kind"]?.stringValue ?? ""
        let groupKind = group.isEmpty ? kind : "\(kind).\(group)"
        let name = owner["name"]?.stringValue ?? ""
        return groupKind.isEmpty ? name : groupKind.lowercased() + "/" + name
    }
}
