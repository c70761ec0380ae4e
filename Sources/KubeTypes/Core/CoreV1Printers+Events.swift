/// Printers of events and persistent storage.
extension CoreV1Printers {
    public static let events = TableDefinition(
        columns: [
            TableColumn("Last Seen", description: "Time since the event last occurred."),
            TableColumn("Type", description: "Normal or Warning."),
            TableColumn("Reason", description: "Short reason for the event."),
            TableColumn("Object", description: "The object the event is about."),
            TableColumn("Subobject", priority: 1, description: "Part of the object the event is about."),
            TableColumn("Source", priority: 1, description: "Component that reported the event."),
            TableColumn("Message", description: "Description of what happened."),
            TableColumn("First Seen", priority: 1, description: "Time since the event first occurred."),
            TableColumn("Count", type: "integer", priority: 1, description: "How often the event occurred."),
            TableColumn("Name", priority: 1, description: "Name of the event object."),
        ],
        cells: eventCells
    )

    @Sendable static func eventCells(_ event: JSON, now: Int64) -> [JSON] {
        let firstTimestamp = event["firstTimestamp"]?.stringValue
        let firstSeen = Age.since(firstTimestamp ?? event["eventTime"]?.stringValue, now: now)
        var lastSeen = event["lastTimestamp"]?.stringValue.map { Age.since($0, now: now) } ?? firstSeen
        var count = event["count"]?.intValue ?? 0
        if let series = event["series"], series != .null {
            lastSeen = Age.since(series["lastObservedTime"]?.stringValue, now: now)
            count = series["count"]?.intValue ?? 0
        } else if count == 0 {
            count = 1
        }
        let involved = event["involvedObject"] ?? .emptyObject
        let kind = CoreSupport.string(involved, ["kind"]).lowercased()
        let name = CoreSupport.string(involved, ["name"])
        let component = firstNonEmpty(
            CoreSupport.string(event, ["source", "component"]), CoreSupport.string(event, ["reportingComponent"]))
        let instance = firstNonEmpty(
            CoreSupport.string(event, ["source", "host"]), CoreSupport.string(event, ["reportingInstance"]))
        return [
            text(lastSeen), text(CoreSupport.string(event, ["type"])), text(CoreSupport.string(event, ["reason"])),
            text(name.isEmpty ? kind : "\(kind)/\(name)"), text(CoreSupport.string(involved, ["fieldPath"])),
            text(instance.isEmpty ? component : "\(component), \(instance)"),
            text(trimmed(CoreSupport.string(event, ["message"]))), text(firstSeen), .int(count), text(event.name),
        ]
    }

    static func firstNonEmpty(_ first: String, _ second: String) -> String { first.isEmpty ? second : first }

    static func trimmed(_ value: String) -> String {
        var slice = Substring(value)
        while slice.first?.isWhitespace == true { slice.removeFirst() }
        while slice.last?.isWhitespace == true { slice.removeLast() }
        return String(slice)
    }

    /// `RWO,ROX,RWX,RWOP` in that fixed order, each at most once.
    static func accessModes(_ modes: [JSON]) -> String {
        let present = Set(modes.compactMap(\.stringValue))
        let order = [
            ("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP"),
        ]
        return order.filter { present.contains($0.0) }.map(\.1).joined(separator: ",")
    }

    static func storageClass(_ object: JSON) -> String {
        let name = CoreSupport.string(object, ["spec", "storageClassName"])
        return name.isEmpty ? object.annotations["volume.beta.kubernetes.io/storage-class"] ?? "" : name
    }

    static func unsetIfMissing(_ object: JSON, _ path: [String]) -> String {
        object[path: path]?.stringValue ?? "<unset>"
    }

    public static let persistentVolumeClaims = TableDefinition(
        columns: [
            nameColumn, TableColumn("Status", description: "Phase of the claim."),
            TableColumn("Volume", description: "Volume bound to the claim."),
            TableColumn("Capacity", description: "Size of the bound volume."),
            TableColumn("Access Modes", description: "Access modes of the bound volume."),
            TableColumn("StorageClass", description: "Storage class of the claim."),
            TableColumn("VolumeAttributesClass", description: "Volume attributes class of the claim."), ageColumn,
            TableColumn("VolumeMode", priority: 1, description: "Filesystem or Block."),
        ],
        cells: { claim, now in
            let deleting = claim[path: ["metadata", "deletionTimestamp"]] != nil
            let volumeName = CoreSupport.string(claim, ["spec", "volumeName"])
            var capacity = ""
            var modes = ""
            if !volumeName.isEmpty {
                capacity = claim[path: ["status", "capacity", "storage"]].map(PodRules.quantityText) ?? ""
                modes = accessModes(CoreSupport.elements(claim["status"], "accessModes"))
            }
            return [
                text(claim.name), text(deleting ? "Terminating" : CoreSupport.string(claim, ["status", "phase"])),
                text(volumeName), text(capacity), text(modes), text(storageClass(claim)),
                text(unsetIfMissing(claim, ["spec", "volumeAttributesClassName"])), text(Age.of(claim, now: now)),
                text(unsetIfMissing(claim, ["spec", "volumeMode"])),
            ]
        }
    )

    public static let persistentVolumes = TableDefinition(
        columns: [
            nameColumn, TableColumn("Capacity", description: "Size of the volume."),
            TableColumn("Access Modes", description: "How the volume may be mounted."),
            TableColumn("Reclaim Policy", description: "What happens to the volume when released."),
            TableColumn("Status", description: "Phase of the volume."),
            TableColumn("Claim", description: "Namespace and name of the bound claim."),
            TableColumn("StorageClass", description: "Storage class of the volume."),
            TableColumn("VolumeAttributesClass", description: "Volume attributes class of the volume."),
            TableColumn("Reason", description: "Reason for a failed phase."), ageColumn,
            TableColumn("VolumeMode", priority: 1, description: "Filesystem or Block."),
        ],
        cells: { volume, now in
            let spec = volume["spec"] ?? .emptyObject
            var claim = ""
            if let reference = spec["claimRef"], reference != .null {
                claim = CoreSupport.string(reference, ["namespace"]) + "/" + CoreSupport.string(reference, ["name"])
            }
            let deleting = volume[path: ["metadata", "deletionTimestamp"]] != nil
            return [
                text(volume.name), text(spec[path: ["capacity", "storage"]].map(PodRules.quantityText) ?? "0"),
                text(accessModes(CoreSupport.elements(spec, "accessModes"))),
                text(CoreSupport.string(spec, ["persistentVolumeReclaimPolicy"])),
                text(deleting ? "Terminating" : CoreSupport.string(volume, ["status", "phase"])), text(claim),
                text(storageClass(volume)), text(unsetIfMissing(volume, ["spec", "volumeAttributesClassName"])),
                text(CoreSupport.string(volume, ["status", "reason"])), text(Age.of(volume, now: now)),
                text(unsetIfMissing(volume, ["spec", "volumeMode"])),
            ]
        }
    )
}
