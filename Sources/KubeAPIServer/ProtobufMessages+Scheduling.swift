/// core/v1 messages for where a pod runs (affinity, tolerations, spreading, DNS) and the volumes of
/// the common kinds. Volume sources without a table here (cloud disks, ephemeral claims, pod
/// certificates) get the unknown-field refusal.
extension ProtobufMessages {
    static let scheduling: [String: Message] = [
        "Affinity": [
            1: .message("nodeAffinity", "NodeAffinity"), 2: .message("podAffinity", "PodAffinity"),
            3: .message("podAntiAffinity", "PodAntiAffinity"),
        ],
        "NodeAffinity": [
            1: .message("requiredDuringSchedulingIgnoredDuringExecution", "NodeSelector"),
            2: .messages("preferredDuringSchedulingIgnoredDuringExecution", "PreferredSchedulingTerm"),
        ],
        "NodeSelector": [1: .messages("nodeSelectorTerms", "NodeSelectorTerm")],
        "NodeSelectorTerm": [
            1: .messages("matchExpressions", "NodeSelectorRequirement"),
            2: .messages("matchFields", "NodeSelectorRequirement"),
        ],
        "NodeSelectorRequirement": [1: .string("key"), 2: .string("operator"), 3: .strings("values")],
        "PreferredSchedulingTerm": [1: .int("weight"), 2: .message("preference", "NodeSelectorTerm")],
        "PodAffinity": [
            1: .messages("requiredDuringSchedulingIgnoredDuringExecution", "PodAffinityTerm"),
            2: .messages("preferredDuringSchedulingIgnoredDuringExecution", "WeightedPodAffinityTerm"),
        ],
        "PodAntiAffinity": [
            1: .messages("requiredDuringSchedulingIgnoredDuringExecution", "PodAffinityTerm"),
            2: .messages("preferredDuringSchedulingIgnoredDuringExecution", "WeightedPodAffinityTerm"),
        ],
        "PodAffinityTerm": [
            1: .message("labelSelector", "LabelSelector"), 2: .strings("namespaces"), 3: .string("topologyKey"),
            4: .message("namespaceSelector", "LabelSelector"), 5: .strings("matchLabelKeys"),
            6: .strings("mismatchLabelKeys"),
        ],
        "WeightedPodAffinityTerm": [1: .int("weight"), 2: .message("podAffinityTerm", "PodAffinityTerm")],
        "Toleration": [
            1: .string("key"), 2: .string("operator"), 3: .string("value"), 4: .string("effect"),
            5: .int("tolerationSeconds", pointer: true),
        ],
        "TopologySpreadConstraint": [
            1: .int("maxSkew"), 2: .string("topologyKey"), 3: .string("whenUnsatisfiable"),
            4: .message("labelSelector", "LabelSelector"), 5: .int("minDomains", pointer: true),
            6: .string("nodeAffinityPolicy", pointer: true), 7: .string("nodeTaintsPolicy", pointer: true),
            8: .strings("matchLabelKeys"),
        ],
        "HostAlias": [1: .string("ip"), 2: .strings("hostnames")],
        "PodDNSConfig": [
            1: .strings("nameservers"), 2: .strings("searches"), 3: .messages("options", "PodDNSConfigOption"),
        ],
        "PodDNSConfigOption": [1: .string("name"), 2: .string("value", pointer: true)],
        "PodReadinessGate": [1: .string("conditionType")],
        "PodOS": [1: .string("name")],
        "PodSchedulingGate": [1: .string("name")],
        "PodResourceClaim": [
            1: .string("name"), 3: .string("resourceClaimName", pointer: true),
            4: .string("resourceClaimTemplateName", pointer: true),
        ],
    ]

    static let volumes: [String: Message] = [
        "Volume": [1: .string("name"), 2: .inline("VolumeSource")],
        "VolumeSource": [
            1: .message("hostPath", "HostPathVolumeSource"), 2: .message("emptyDir", "EmptyDirVolumeSource"),
            6: .message("secret", "SecretVolumeSource"), 7: .message("nfs", "NFSVolumeSource"),
            10: .message("persistentVolumeClaim", "PersistentVolumeClaimVolumeSource"),
            16: .message("downwardAPI", "DownwardAPIVolumeSource"), 19: .message("configMap", "ConfigMapVolumeSource"),
            26: .message("projected", "ProjectedVolumeSource"), 28: .message("csi", "CSIVolumeSource"),
            30: .message("image", "ImageVolumeSource"),
        ],
        "HostPathVolumeSource": [1: .string("path"), 2: .string("type", pointer: true)],
        "EmptyDirVolumeSource": [1: .string("medium"), 2: .quantity("sizeLimit", pointer: true)],
        "SecretVolumeSource": [
            1: .string("secretName"), 2: .messages("items", "KeyToPath"), 3: .int("defaultMode", pointer: true),
            4: .bool("optional", pointer: true),
        ],
        "ConfigMapVolumeSource": [
            1: .inline("LocalObjectReference"), 2: .messages("items", "KeyToPath"),
            3: .int("defaultMode", pointer: true), 4: .bool("optional", pointer: true),
        ],
        "KeyToPath": [1: .string("key"), 2: .string("path"), 3: .int("mode", pointer: true)],
        "NFSVolumeSource": [1: .string("server"), 2: .string("path"), 3: .bool("readOnly")],
        "PersistentVolumeClaimVolumeSource": [1: .string("claimName"), 2: .bool("readOnly")],
        "DownwardAPIVolumeSource": [
            1: .messages("items", "DownwardAPIVolumeFile"), 2: .int("defaultMode", pointer: true),
        ],
        "DownwardAPIVolumeFile": [
            1: .string("path"), 2: .message("fieldRef", "ObjectFieldSelector"),
            3: .message("resourceFieldRef", "ResourceFieldSelector"), 4: .int("mode", pointer: true),
        ],
        "ProjectedVolumeSource": [
            1: .messages("sources", "VolumeProjection"), 2: .int("defaultMode", pointer: true),
        ],
        "VolumeProjection": [
            1: .message("secret", "SecretProjection"), 2: .message("downwardAPI", "DownwardAPIProjection"),
            3: .message("configMap", "ConfigMapProjection"),
            4: .message("serviceAccountToken", "ServiceAccountTokenProjection"),
            5: .message("clusterTrustBundle", "ClusterTrustBundleProjection"),
        ],
        "SecretProjection": [
            1: .inline("LocalObjectReference"), 2: .messages("items", "KeyToPath"),
            4: .bool("optional", pointer: true),
        ],
        "ConfigMapProjection": [
            1: .inline("LocalObjectReference"), 2: .messages("items", "KeyToPath"),
            4: .bool("optional", pointer: true),
        ],
        "DownwardAPIProjection": [1: .messages("items", "DownwardAPIVolumeFile")],
        "ServiceAccountTokenProjection": [
            1: .string("audience"), 2: .int("expirationSeconds", pointer: true), 3: .string("path"),
        ],
        "ClusterTrustBundleProjection": [
            1: .string("name", pointer: true), 2: .string("signerName", pointer: true),
            3: .message("labelSelector", "LabelSelector"), 5: .bool("optional", pointer: true), 4: .string("path"),
        ],
        "CSIVolumeSource": [
            1: .string("driver"), 2: .bool("readOnly", pointer: true), 3: .string("fsType", pointer: true),
            4: .map("volumeAttributes"), 5: .message("nodePublishSecretRef", "LocalObjectReference"),
        ],
        "ImageVolumeSource": [1: .string("reference"), 2: .string("pullPolicy")],
    ]
}
