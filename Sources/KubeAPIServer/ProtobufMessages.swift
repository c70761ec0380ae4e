import KubeTypes

/// Field tables for the protobuf bodies `ProtobufBodies` decodes: upstream's generated.proto field
/// numbers (k8s.io/api and apimachinery), one dictionary per message, named by message. `pointer`
/// marks Go pointer fields (see `ProtobufBodies.Field`), which is what upstream's types.go says,
/// not the proto file (every proto2 field there is `optional`).
enum ProtobufMessages {
    typealias Message = ProtobufBodies.Message

    /// The kinds read from protobuf, by `apiVersion/kind` of the envelope, to their root message.
    /// `*/` matches any apiVersion: client-go sends DeleteOptions under the resource's group.
    static let kinds: [String: String] = [
        "v1/Namespace": "Namespace", "v1/ConfigMap": "ConfigMap", "v1/Secret": "Secret",
        "v1/ServiceAccount": "ServiceAccount", "v1/Service": "Service", "v1/Pod": "Pod",
        "apps/v1/Deployment": "Deployment", "batch/v1/Job": "Job", "batch/v1/CronJob": "CronJob",
        "autoscaling/v2/HorizontalPodAutoscaler": "HorizontalPodAutoscaler", "policy/v1/Eviction": "Eviction",
        "authorization.k8s.io/v1/SelfSubjectAccessReview": "SelfSubjectAccessReview",
        "v1/DeleteOptions": "DeleteOptions", "meta.k8s.io/v1/DeleteOptions": "DeleteOptions",
        "apps/v1/DeleteOptions": "DeleteOptions", "batch/v1/DeleteOptions": "DeleteOptions",
        "policy/v1/DeleteOptions": "DeleteOptions", "autoscaling/v2/DeleteOptions": "DeleteOptions",
    ]

    /// What the refusal for other kinds says this server reads.
    static let decodedKindsText =
        "Deployment, Service, Job, CronJob, HorizontalPodAutoscaler (autoscaling/v2), Pod, Namespace, ConfigMap, "
        + "Secret, ServiceAccount, Eviction, DeleteOptions and SelfSubjectAccessReview"

    static let groups: [[String: Message]] = [
        meta, coreObjects, pod, container, scheduling, volumes, service, deployment, autoscaling, batch,
    ]

    /// Every message table by name. Names are unique across groups (a unit test checks it).
    static let all: [String: Message] = groups.reduce(into: [:]) { all, group in
        all.merge(group) { first, _ in first }
    }

    static let meta: [String: Message] = [
        "ObjectMeta": [
            1: .string("name"), 2: .string("generateName"), 3: .string("namespace"), 4: .string("selfLink"),
            5: .string("uid"), 6: .string("resourceVersion"), 7: .int("generation"), 8: .time("creationTimestamp"),
            9: .time("deletionTimestamp"), 10: .int("deletionGracePeriodSeconds", pointer: true),
            11: .map("labels"), 12: .map("annotations"), 13: .messages("ownerReferences", "OwnerReference"),
            14: .strings("finalizers"),
            17: .refused(
                "managedFields",
                "server-side apply bookkeeping is kept by the server; a client's copy is not taken from protobuf"),
        ],
        "OwnerReference": [
            5: .string("apiVersion"), 1: .string("kind"), 3: .string("name"), 4: .string("uid"),
            6: .bool("controller", pointer: true), 7: .bool("blockOwnerDeletion", pointer: true),
        ],
        "LabelSelector": [1: .map("matchLabels"), 2: .messages("matchExpressions", "LabelSelectorRequirement")],
        "LabelSelectorRequirement": [1: .string("key"), 2: .string("operator"), 3: .strings("values")],
        "DeleteOptions": [
            1: .int("gracePeriodSeconds", pointer: true), 2: .message("preconditions", "Preconditions"),
            3: .bool("orphanDependents", pointer: true), 4: .string("propagationPolicy", pointer: true),
            5: .strings("dryRun"), 6: .bool("ignoreStoreReadErrorWithClusterBreakingPotential", pointer: true),
        ],
        "Preconditions": [1: .string("uid", pointer: true), 2: .string("resourceVersion", pointer: true)],
        "Condition": [
            1: .string("type"), 2: .string("status"), 3: .int("observedGeneration"),
            4: .time("lastTransitionTime"), 5: .string("reason"), 6: .string("message"),
        ],
        "Eviction": [1: .message("metadata", "ObjectMeta"), 2: .message("deleteOptions", "DeleteOptions")],
        "ObjectReference": [
            1: .string("kind"), 2: .string("namespace"), 3: .string("name"), 4: .string("uid"),
            5: .string("apiVersion"), 6: .string("resourceVersion"), 7: .string("fieldPath"),
        ],
        "LocalObjectReference": [1: .string("name")],
        "TypedLocalObjectReference": [
            1: .string("apiGroup", pointer: true), 2: .string("kind"), 3: .string("name"),
        ],
    ]

    /// Kinds whose bodies are small: what `kubectl create namespace|configmap|secret|serviceaccount`
    /// and `kubectl auth can-i` send.
    static let coreObjects: [String: Message] = [
        "Namespace": [
            1: .message("metadata", "ObjectMeta"), 2: .message("spec", "NamespaceSpec"),
            3: .message("status", "NamespaceStatus"),
        ],
        "NamespaceSpec": [1: .strings("finalizers")],
        "NamespaceStatus": [1: .string("phase"), 2: .messages("conditions", "NamespaceCondition")],
        "NamespaceCondition": [
            1: .string("type"), 2: .string("status"), 4: .time("lastTransitionTime"), 5: .string("reason"),
            6: .string("message"),
        ],
        "ConfigMap": [
            1: .message("metadata", "ObjectMeta"), 2: .map("data"), 3: .map("binaryData", .bytes),
            4: .bool("immutable", pointer: true),
        ],
        "Secret": [
            1: .message("metadata", "ObjectMeta"), 2: .map("data", .bytes), 3: .string("type"),
            4: .map("stringData"), 5: .bool("immutable", pointer: true),
        ],
        "ServiceAccount": [
            1: .message("metadata", "ObjectMeta"), 2: .messages("secrets", "ObjectReference"),
            3: .messages("imagePullSecrets", "LocalObjectReference"),
            4: .bool("automountServiceAccountToken", pointer: true),
        ],
        "SelfSubjectAccessReview": [
            1: .message("metadata", "ObjectMeta"), 2: .message("spec", "SelfSubjectAccessReviewSpec"),
            3: .message("status", "SubjectAccessReviewStatus"),
        ],
        "SelfSubjectAccessReviewSpec": [
            1: .message("resourceAttributes", "ResourceAttributes"),
            2: .message("nonResourceAttributes", "NonResourceAttributes"),
        ],
        "ResourceAttributes": [
            1: .string("namespace"), 2: .string("verb"), 3: .string("group"), 4: .string("version"),
            5: .string("resource"), 6: .string("subresource"), 7: .string("name"),
            8: .message("fieldSelector", "FieldSelectorAttributes"),
            9: .message("labelSelector", "LabelSelectorAttributes"),
        ],
        "FieldSelectorAttributes": [
            1: .string("rawSelector"), 2: .messages("requirements", "FieldSelectorRequirement"),
        ],
        "FieldSelectorRequirement": [1: .string("key"), 2: .string("operator"), 3: .strings("values")],
        "LabelSelectorAttributes": [
            1: .string("rawSelector"), 2: .messages("requirements", "LabelSelectorRequirement"),
        ],
        "NonResourceAttributes": [1: .string("path"), 2: .string("verb")],
        "SubjectAccessReviewStatus": [
            1: .bool("allowed"), 4: .bool("denied"), 2: .string("reason"), 3: .string("evaluationError"),
        ],
    ]
}

/// Shorthands that keep the tables one line per few fields.
extension ProtobufBodies.Field {
    static func string(_ name: String, pointer: Bool = false) -> Self {
        Self(name: name, type: .string, pointer: pointer)
    }

    static func strings(_ name: String) -> Self { Self(name: name, type: .string, repeated: true) }

    static func int(_ name: String, pointer: Bool = false) -> Self { Self(name: name, type: .int, pointer: pointer) }

    static func ints(_ name: String) -> Self { Self(name: name, type: .int, repeated: true) }

    static func bool(_ name: String, pointer: Bool = false) -> Self {
        Self(name: name, type: .bool, pointer: pointer)
    }

    static func time(_ name: String) -> Self { Self(name: name, type: .time, pointer: true) }

    static func quantity(_ name: String, pointer: Bool = false) -> Self {
        Self(name: name, type: .quantity, pointer: pointer)
    }

    static func intOrString(_ name: String, pointer: Bool = false) -> Self {
        Self(name: name, type: .intOrString, pointer: pointer)
    }

    static func message(_ name: String, _ message: String) -> Self { Self(name: name, type: .message(message)) }

    static func messages(_ name: String, _ message: String) -> Self {
        Self(name: name, type: .message(message), repeated: true)
    }

    /// A struct embedded with `json:",inline"`.
    static func inline(_ message: String) -> Self { Self(name: "", type: .message(message), inline: true) }

    static func map(_ name: String, _ value: ProtobufBodies.FieldType = .string) -> Self {
        Self(name: name, type: .map(value))
    }

    static func refused(_ name: String, _ why: String) -> Self { Self(name: name, type: .string, refusal: why) }
}
