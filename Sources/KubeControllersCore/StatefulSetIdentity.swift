import KubeTypes

/// The stable identity of a StatefulSet's pods (upstream `stateful_set_utils.go`): ordinal names,
/// the labels naming pod and index, hostname and subdomain, claims from the templates, and the
/// ControllerRevisions that record each template.
public enum StatefulSetIdentity {
    public static let podNameLabel = "statefulset.kubernetes.io/pod-name"
    public static let podIndexLabel = "apps.kubernetes.io/pod-index"
    /// Upstream `apps.ControllerRevisionHashLabelKey` (also `StatefulSetRevisionLabel`).
    public static let revisionLabel = "controller-revision-hash"

    /// `<set>-<ordinal>`.
    public static func podName(_ set: JSON, ordinal: Int) -> String { "\(set.name)-\(ordinal)" }

    /// The ordinal of a pod named `<set>-<n>`; nil for other names (upstream `getParentNameAndOrdinal`).
    public static func ordinal(of pod: JSON, in set: JSON) -> Int? {
        let prefix = set.name + "-"
        guard pod.name.hasPrefix(prefix) else { return nil }
        let digits = pod.name.dropFirst(prefix.count)
        guard !digits.isEmpty, digits.allSatisfy(\.isNumber), let value = Int(digits) else { return nil }
        return String(value) == digits ? value : nil
    }

    /// `<template>-<set>-<ordinal>`: the claim a pod's volume of that template binds.
    public static func claimName(template: JSON, set: JSON, ordinal: Int) -> String {
        "\(template.name)-\(podName(set, ordinal: ordinal))"
    }

    /// `spec.ordinals.start`, 0 when unset.
    public static func startOrdinal(_ set: JSON) -> Int {
        Int(set[path: ["spec", "ordinals", "start"]]?.intValue ?? 0)
    }

    static func claimTemplates(_ set: JSON) -> [JSON] { set[path: ["spec", "volumeClaimTemplates"]]?.arrayValue ?? [] }

    /// Upstream `newVersionedStatefulSetPod`: the pod of `ordinal` from `template`, labelled with
    /// `revision`, with its identity and claim volumes.
    static func pod(_ set: JSON, template: JSON, revision: String, ordinal: Int) -> JSON {
        let name = podName(set, ordinal: ordinal)
        var labels = template[path: ["metadata", "labels"]]?.objectValue ?? [:]
        labels[podNameLabel] = .string(name)
        labels[podIndexLabel] = .string(String(ordinal))
        labels[revisionLabel] = .string(revision)
        var metadata: JSON = [
            "name": .string(name), "namespace": .string(set.namespace), "labels": .object(labels),
            "ownerReferences": [OwnerKind.statefulSet.controllerReference(to: set)],
        ]
        for field in ["annotations", "finalizers"] {
            if let value = template[path: ["metadata", field]], value != .null { metadata[field] = value }
        }
        var spec = template["spec"] ?? .emptyObject
        spec["hostname"] = .string(name)
        let service = set[path: ["spec", "serviceName"]]?.stringValue ?? ""
        if !service.isEmpty { spec["subdomain"] = .string(service) }
        var volumes = spec["volumes"]?.arrayValue ?? []
        for claimTemplate in claimTemplates(set) {
            // A template's claim replaces a pod volume of the same name, as upstream's updateStorage.
            volumes.removeAll { $0["name"]?.stringValue == claimTemplate.name }
            volumes.append(
                [
                    "name": .string(claimTemplate.name),
                    "persistentVolumeClaim": [
                        "claimName": .string(claimName(template: claimTemplate, set: set, ordinal: ordinal))
                    ],
                ])
        }
        if !volumes.isEmpty { spec["volumes"] = .array(volumes) }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec]
    }

    /// Upstream `getPersistentVolumeClaims`: each template's claim for `ordinal`, labelled with the
    /// set's selector labels. With `whenDeleted: Delete` the set owns the claims, so the garbage
    /// collector removes them with it.
    static func claims(_ set: JSON, ordinal: Int) -> [JSON] {
        let selectorLabels = set[path: ["spec", "selector", "matchLabels"]]?.objectValue ?? [:]
        let ownedBySet =
            set[path: ["spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted"]]?.stringValue == "Delete"
        return claimTemplates(set).map { template in
            var labels = template[path: ["metadata", "labels"]]?.objectValue ?? [:]
            labels.merge(selectorLabels) { _, selector in selector }
            var metadata: JSON = [
                "name": .string(claimName(template: template, set: set, ordinal: ordinal)),
                "namespace": .string(set.namespace), "labels": .object(labels),
            ]
            if let annotations = template[path: ["metadata", "annotations"]], annotations != .null {
                metadata["annotations"] = annotations
            }
            if ownedBySet {
                var reference = OwnerKind.statefulSet.controllerReference(to: set)
                reference["controller"] = nil
                metadata["ownerReferences"] = [reference]
            }
            return [
                "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": metadata,
                "spec": template["spec"] ?? .emptyObject,
            ]
        }
    }

    // MARK: Revisions

    /// The name of the revision of the set's current template: `<set>-<hash>`. An unset
    /// collision count hashes as 0, as upstream's controller passes it, so the name does not
    /// change once the first status write records the count.
    public static func revisionName(_ set: JSON) -> String {
        let collisions = set[path: ["status", "collisionCount"]]?.intValue ?? 0
        return set.name + "-"
            + PodTemplateHash.compute(
                template: set[path: ["spec", "template"]] ?? .emptyObject, collisionCount: collisions)
    }

    /// Upstream `newRevision`: the template as a replacing patch, numbered after the newest.
    static func revision(_ set: JSON, number: Int64) -> JSON {
        var template = set[path: ["spec", "template"]] ?? .emptyObject
        template["$patch"] = "replace"
        var labels = set[path: ["spec", "template", "metadata", "labels"]]?.objectValue ?? [:]
        let name = revisionName(set)
        labels[revisionLabel] = .string(name)
        return [
            "apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": [
                "name": .string(name), "namespace": .string(set.namespace), "labels": .object(labels),
                "ownerReferences": [OwnerKind.statefulSet.controllerReference(to: set)],
            ],
            "data": ["spec": ["template": template]], "revision": .int(number),
        ]
    }

    /// The pod template a revision recorded.
    static func template(of revision: JSON) -> JSON? {
        guard var template = revision[path: ["data", "spec", "template"]] else { return nil }
        template["$patch"] = nil
        return template
    }

    static func podRevision(_ pod: JSON) -> String { pod.labels[revisionLabel] ?? "" }
}
