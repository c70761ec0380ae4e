private typealias F = FieldSchema

private func core(_ name: String) -> SchemaType { CoreV1.ref(name) }

/// Volumes, probes, lifecycle hooks, security contexts and scheduling constraints used by pod specs.
extension CoreV1 {
    static let volumeSchemas: [TypeSchema] = [
        volume, emptyDirVolumeSource, hostPathVolumeSource, configMapVolumeSource, secretVolumeSource,
        persistentVolumeClaimVolumeSource, projectedVolumeSource, volumeProjection, configMapProjection,
        secretProjection, downwardAPIProjection, serviceAccountTokenProjection, downwardAPIVolumeSource,
        downwardAPIVolumeFile, keyToPath, nfsVolumeSource, volumeMountStatus,
    ]

    static let probeSchemas: [TypeSchema] = [
        probe, execAction, httpGetAction, httpHeader, tcpSocketAction, grpcAction, lifecycle, lifecycleHandler,
        sleepAction, securityContext, podSecurityContext, capabilities, seLinuxOptions, seccompProfile,
        appArmorProfile, sysctl, windowsSecurityContextOptions,
    ]

    static let schedulingSchemas: [TypeSchema] = [
        affinity, nodeAffinity, nodeSelector, nodeSelectorTerm, nodeSelectorRequirement, preferredSchedulingTerm,
        podAffinity, podAntiAffinity, podAffinityTerm, weightedPodAffinityTerm, toleration, topologySpreadConstraint,
    ]

    static let volume = TypeSchema(
        prefix + "Volume", "A named volume of a pod; exactly one source is set.",
        [
            F("name", .string, "Name of the volume, a DNS label unique within the pod.", required: true),
            F("emptyDir", core("EmptyDirVolumeSource"), "A scratch directory that lives as long as the pod."),
            F("hostPath", core("HostPathVolumeSource"), "A file or directory of the node."),
            F("configMap", core("ConfigMapVolumeSource"), "The keys of a config map as files."),
            F("secret", core("SecretVolumeSource"), "The keys of a secret as files."),
            F(
                "persistentVolumeClaim", core("PersistentVolumeClaimVolumeSource"),
                "A persistent volume claimed in the pod's namespace."),
            F("projected", core("ProjectedVolumeSource"), "Several sources projected into one directory."),
            F("downwardAPI", core("DownwardAPIVolumeSource"), "Pod fields and resource values as files."),
            F("nfs", core("NFSVolumeSource"), "An NFS export."),
        ] + otherVolumeSources)

    /// Volume sources the project does not model in detail; their contents are passed through.
    static let otherVolumeSources: [FieldSchema] = [
        "awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "csi", "ephemeral", "fc", "flexVolume",
        "flocker", "gcePersistentDisk", "gitRepo", "glusterfs", "image", "iscsi", "photonPersistentDisk",
        "portworxVolume", "quobyte", "rbd", "scaleIO", "storageos", "vsphereVolume",
    ].map { F($0, .any, "A \($0) volume source; its contents are not checked by this server.") }

    static let emptyDirVolumeSource = TypeSchema(
        prefix + "EmptyDirVolumeSource", "An initially empty directory shared by the pod's containers.",
        [
            F("medium", .string, "Storage medium: empty for the node's default, or Memory for tmpfs."),
            F("sizeLimit", .quantity, "Most local storage the volume may use."),
        ])

    static let hostPathVolumeSource = TypeSchema(
        prefix + "HostPathVolumeSource", "A path on the node mounted into the pod.",
        [
            F("path", .string, "Path on the node.", required: true),
            F(
                "type", .string, "What must exist at the path.",
                enumValues: [
                    "", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice",
                    "BlockDevice",
                ]),
        ])

    static let configMapVolumeSource = TypeSchema(
        prefix + "ConfigMapVolumeSource", "Projects the keys of a config map as files.",
        [
            F("name", .string, "Name of the config map."),
            F(
                "items", .array(core("KeyToPath")), "Keys to project and their paths; all keys when empty.",
                listType: "atomic"),
            F("defaultMode", .int32, "Mode bits of the created files. Defaults to 0644."),
            F("optional", .boolean, "Whether the config map may be missing."),
        ])

    static let secretVolumeSource = TypeSchema(
        prefix + "SecretVolumeSource", "Projects the keys of a secret as files.",
        [
            F("secretName", .string, "Name of the secret."),
            F(
                "items", .array(core("KeyToPath")), "Keys to project and their paths; all keys when empty.",
                listType: "atomic"),
            F("defaultMode", .int32, "Mode bits of the created files. Defaults to 0644."),
            F("optional", .boolean, "Whether the secret may be missing."),
        ])

    static let persistentVolumeClaimVolumeSource = TypeSchema(
        prefix + "PersistentVolumeClaimVolumeSource", "Mounts the volume bound to a claim.",
        [
            F("claimName", .string, "Name of the claim in the pod's namespace.", required: true),
            F("readOnly", .boolean, "Mount read-only."),
        ])

    static let projectedVolumeSource = TypeSchema(
        prefix + "ProjectedVolumeSource", "Several volume sources combined in one directory.",
        [
            F("sources", .array(core("VolumeProjection")), "The projected sources.", listType: "atomic"),
            F("defaultMode", .int32, "Mode bits of the created files."),
        ])

    static let volumeProjection = TypeSchema(
        prefix + "VolumeProjection", "One source of a projected volume.",
        [
            F("secret", core("SecretProjection"), "Keys of a secret."),
            F("downwardAPI", core("DownwardAPIProjection"), "Pod fields and resources."),
            F("configMap", core("ConfigMapProjection"), "Keys of a config map."),
            F("serviceAccountToken", core("ServiceAccountTokenProjection"), "A service account token."),
            F("clusterTrustBundle", .any, "Certificates of a ClusterTrustBundle."),
            F("podCertificate", .any, "A certificate issued for the pod."),
        ])

    static let configMapProjection = TypeSchema(
        prefix + "ConfigMapProjection", "Keys of a config map within a projected volume.",
        [
            F("name", .string, "Name of the config map."),
            F("items", .array(core("KeyToPath")), "Keys to project.", listType: "atomic"),
            F("optional", .boolean, "Whether the config map may be missing."),
        ])

    static let secretProjection = TypeSchema(
        prefix + "SecretProjection", "Keys of a secret within a projected volume.",
        [
            F("name", .string, "Name of the secret."),
            F("items", .array(core("KeyToPath")), "Keys to project.", listType: "atomic"),
            F("optional", .boolean, "Whether the secret may be missing."),
        ])

    static let downwardAPIProjection = TypeSchema(
        prefix + "DownwardAPIProjection", "Pod information within a projected volume.",
        [F("items", .array(core("DownwardAPIVolumeFile")), "Files to create.", listType: "atomic")])

    static let serviceAccountTokenProjection = TypeSchema(
        prefix + "ServiceAccountTokenProjection", "A service account token written into a projected volume.",
        [
            F("audience", .string, "Intended audience of the token."),
            F("expirationSeconds", .int64, "Requested lifetime of the token. Defaults to one hour."),
            F("path", .string, "File path relative to the mount point.", required: true),
        ])

    static let downwardAPIVolumeSource = TypeSchema(
        prefix + "DownwardAPIVolumeSource", "Pod fields and resource values exposed as files.",
        [
            F("items", .array(core("DownwardAPIVolumeFile")), "Files to create.", listType: "atomic"),
            F("defaultMode", .int32, "Mode bits of the created files. Defaults to 0644."),
        ])

    static let downwardAPIVolumeFile = TypeSchema(
        prefix + "DownwardAPIVolumeFile", "One file of a downward API volume.",
        [
            F("path", .string, "Relative path of the file.", required: true),
            F("fieldRef", core("ObjectFieldSelector"), "Pod field to write."),
            F("resourceFieldRef", core("ResourceFieldSelector"), "Container resource value to write."),
            F("mode", .int32, "Mode bits of this file."),
        ])

    static let keyToPath = TypeSchema(
        prefix + "KeyToPath", "Maps one key to a relative file path.",
        [
            F("key", .string, "The key to project.", required: true),
            F("path", .string, "Relative file path; must not contain '..'.", required: true),
            F("mode", .int32, "Mode bits of this file."),
        ])

    static let nfsVolumeSource = TypeSchema(
        prefix + "NFSVolumeSource", "An NFS export mounted into the pod.",
        [
            F("server", .string, "Host name or IP of the NFS server.", required: true),
            F("path", .string, "Exported path.", required: true),
            F("readOnly", .boolean, "Mount read-only."),
        ])

    static let volumeMountStatus = TypeSchema(
        prefix + "VolumeMountStatus", "Observed state of one volume mount.",
        [
            F("name", .string, "Name of the volume.", required: true),
            F("mountPath", .string, "Where the volume is mounted.", required: true),
            F("readOnly", .boolean, "Whether the mount is read-only."),
            F("recursiveReadOnly", .string, "Effective recursive read-only setting."),
        ])

    // MARK: Probes and lifecycle

    static let probe = TypeSchema(
        prefix + "Probe", "A health check run against a container, and how its results are judged.",
        [
            F("exec", core("ExecAction"), "Run a command in the container."),
            F("httpGet", core("HTTPGetAction"), "Issue an HTTP GET."),
            F("tcpSocket", core("TCPSocketAction"), "Open a TCP connection."),
            F("grpc", core("GRPCAction"), "Call the gRPC health service."),
            F("initialDelaySeconds", .int32, "Seconds after start before the first probe."),
            F("timeoutSeconds", .int32, "Seconds before a probe times out. Defaults to 1."),
            F("periodSeconds", .int32, "Seconds between probes. Defaults to 10."),
            F("successThreshold", .int32, "Consecutive successes to count as healthy. Defaults to 1."),
            F("failureThreshold", .int32, "Consecutive failures to count as failed. Defaults to 3."),
            F("terminationGracePeriodSeconds", .int64, "Grace period used when a liveness failure kills the pod."),
        ])

    static let execAction = TypeSchema(
        prefix + "ExecAction", "A command run inside the container; exit 0 is success.",
        [F("command", .array(.string), "Command line, not run in a shell.", listType: "atomic")])

    static let httpGetAction = TypeSchema(
        prefix + "HTTPGetAction", "An HTTP GET request; 2xx and 3xx are success.",
        [
            F("path", .string, "Request path."),
            F("port", .intOrString, "Port number or name.", required: true),
            F("host", .string, "Host to connect to; defaults to the pod IP."),
            F("scheme", .string, "HTTP or HTTPS. Defaults to HTTP.", enumValues: ["HTTP", "HTTPS"]),
            F("httpHeaders", .array(core("HTTPHeader")), "Extra request headers.", listType: "atomic"),
        ])

    static let httpHeader = TypeSchema(
        prefix + "HTTPHeader", "One HTTP header.",
        [
            F("name", .string, "Header name.", required: true),
            F("value", .string, "Header value.", required: true),
        ])

    static let tcpSocketAction = TypeSchema(
        prefix + "TCPSocketAction", "A TCP connection attempt.",
        [
            F("port", .intOrString, "Port number or name.", required: true),
            F("host", .string, "Host to connect to; defaults to the pod IP."),
        ])

    static let grpcAction = TypeSchema(
        prefix + "GRPCAction", "A gRPC health check call.",
        [
            F("port", .int32, "Port of the gRPC service.", required: true),
            F("service", .string, "Service name sent in the health check request."),
        ])

    static let lifecycle = TypeSchema(
        prefix + "Lifecycle", "Actions the node agent runs at container start and stop.",
        [
            F("postStart", core("LifecycleHandler"), "Run right after the container is created."),
            F("preStop", core("LifecycleHandler"), "Run before the container is stopped."),
            F("stopSignal", .string, "Signal used to stop the container."),
        ])

    static let lifecycleHandler = TypeSchema(
        prefix + "LifecycleHandler", "One lifecycle action; exactly one member is set.",
        [
            F("exec", core("ExecAction"), "Run a command."),
            F("httpGet", core("HTTPGetAction"), "Issue an HTTP GET."),
            F("tcpSocket", core("TCPSocketAction"), "Deprecated; kept for compatibility."),
            F("sleep", core("SleepAction"), "Wait for a while."),
        ])

    static let sleepAction = TypeSchema(
        prefix + "SleepAction", "A pause of fixed length.",
        [F("seconds", .int64, "Seconds to sleep.", required: true)])

    // MARK: Security

    static let securityContext = TypeSchema(
        prefix + "SecurityContext", "Security settings of one container; they override the pod's.",
        [
            F("capabilities", core("Capabilities"), "Capabilities to add and drop."),
            F("privileged", .boolean, "Run as privileged, like root on the host."),
            F("seLinuxOptions", core("SELinuxOptions"), "SELinux context of the container."),
            F("windowsOptions", core("WindowsSecurityContextOptions"), "Windows-specific settings."),
            F("runAsUser", .int64, "UID to run the entrypoint as."),
            F("runAsGroup", .int64, "GID to run the entrypoint as."),
            F("runAsNonRoot", .boolean, "Refuse to start when the process would run as UID 0."),
            F("readOnlyRootFilesystem", .boolean, "Mount the root filesystem read-only."),
            F("allowPrivilegeEscalation", .boolean, "Whether a process may gain more privileges than its parent."),
            F("procMount", .string, "Kind of /proc mount.", enumValues: ["Default", "Unmasked"]),
            F("seccompProfile", core("SeccompProfile"), "Seccomp profile of the container."),
            F("appArmorProfile", core("AppArmorProfile"), "AppArmor profile of the container."),
        ])

    static let podSecurityContext = TypeSchema(
        prefix + "PodSecurityContext", "Security settings applying to every container of a pod.",
        [
            F("seLinuxOptions", core("SELinuxOptions"), "SELinux context of all containers."),
            F("windowsOptions", core("WindowsSecurityContextOptions"), "Windows-specific settings."),
            F("runAsUser", .int64, "UID to run the entrypoints as."),
            F("runAsGroup", .int64, "GID to run the entrypoints as."),
            F("runAsNonRoot", .boolean, "Refuse to start containers that would run as UID 0."),
            F("supplementalGroups", .array(.int64), "Extra groups of the first process.", listType: "atomic"),
            F(
                "supplementalGroupsPolicy", .string, "How supplemental groups are computed.",
                enumValues: ["Merge", "Strict"]),
            F("fsGroup", .int64, "Group that owns volumes and is added to every container."),
            F("sysctls", .array(core("Sysctl")), "Namespaced kernel parameters.", listType: "atomic"),
            F(
                "fsGroupChangePolicy", .string, "When volume ownership is changed to fsGroup.",
                enumValues: ["OnRootMismatch", "Always"]),
            F("seccompProfile", core("SeccompProfile"), "Seccomp profile of all containers."),
            F("appArmorProfile", core("AppArmorProfile"), "AppArmor profile of all containers."),
            F(
                "seLinuxChangePolicy", .string, "How the SELinux label is applied to volumes.",
                enumValues: ["Recursive", "MountOption"]),
        ])

    static let capabilities = TypeSchema(
        prefix + "Capabilities", "Linux capabilities added to or dropped from the default set.",
        [
            F("add", .array(.string), "Capabilities to add.", listType: "atomic"),
            F("drop", .array(.string), "Capabilities to drop.", listType: "atomic"),
        ])

    static let seLinuxOptions = TypeSchema(
        prefix + "SELinuxOptions", "An SELinux label.",
        [
            F("user", .string, "SELinux user."),
            F("role", .string, "SELinux role."),
            F("type", .string, "SELinux type."),
            F("level", .string, "SELinux level."),
        ])

    static let seccompProfile = TypeSchema(
        prefix + "SeccompProfile", "A seccomp profile.",
        [
            F(
                "type", .string, "Kind of profile.", required: true,
                enumValues: ["Localhost", "RuntimeDefault", "Unconfined"]),
            F("localhostProfile", .string, "Profile file on the node, for type Localhost."),
        ])

    static let appArmorProfile = TypeSchema(
        prefix + "AppArmorProfile", "An AppArmor profile.",
        [
            F(
                "type", .string, "Kind of profile.", required: true,
                enumValues: ["Localhost", "RuntimeDefault", "Unconfined"]),
            F("localhostProfile", .string, "Profile loaded on the node, for type Localhost."),
        ])

    static let sysctl = TypeSchema(
        prefix + "Sysctl", "One kernel parameter.",
        [
            F("name", .string, "Parameter name.", required: true),
            F("value", .string, "Parameter value.", required: true),
        ])

    static let windowsSecurityContextOptions = TypeSchema(
        prefix + "WindowsSecurityContextOptions", "Windows-specific security settings.",
        [
            F("gmsaCredentialSpecName", .string, "Name of the GMSA credential spec."),
            F("gmsaCredentialSpec", .string, "Inlined GMSA credential spec."),
            F("runAsUserName", .string, "User name the entrypoint runs as."),
            F("hostProcess", .boolean, "Run as a host process container."),
        ])

    // MARK: Scheduling

    static let affinity = TypeSchema(
        prefix + "Affinity", "Scheduling constraints relative to nodes and to other pods.",
        [
            F("nodeAffinity", core("NodeAffinity"), "Which nodes the pod may or prefers to run on."),
            F("podAffinity", core("PodAffinity"), "Pods this pod should run near."),
            F("podAntiAffinity", core("PodAntiAffinity"), "Pods this pod should keep away from."),
        ])

    static let nodeAffinity = TypeSchema(
        prefix + "NodeAffinity", "Node constraints, required and preferred.",
        [
            F(
                "requiredDuringSchedulingIgnoredDuringExecution", core("NodeSelector"),
                "Nodes must match for the pod to be scheduled."),
            F(
                "preferredDuringSchedulingIgnoredDuringExecution", .array(core("PreferredSchedulingTerm")),
                "Weighted preferences among nodes.", listType: "atomic"),
        ])

    static let nodeSelector = TypeSchema(
        prefix + "NodeSelector", "Terms that are ORed: a node matching any term matches.",
        [
            F(
                "nodeSelectorTerms", .array(core("NodeSelectorTerm")), "The terms.", required: true,
                listType: "atomic")
        ])

    static let nodeSelectorTerm = TypeSchema(
        prefix + "NodeSelectorTerm", "Requirements that are ANDed.",
        [
            F(
                "matchExpressions", .array(core("NodeSelectorRequirement")), "Requirements on node labels.",
                listType: "atomic"),
            F(
                "matchFields", .array(core("NodeSelectorRequirement")), "Requirements on node fields.",
                listType: "atomic"),
        ])

    static let nodeSelectorRequirement = TypeSchema(
        prefix + "NodeSelectorRequirement", "A key, an operator and values.",
        [
            F("key", .string, "Label key (or field name).", required: true),
            F(
                "operator", .string, "How the key relates to the values.", required: true,
                enumValues: ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]),
            F("values", .array(.string), "Values to compare with.", listType: "atomic"),
        ])

    static let preferredSchedulingTerm = TypeSchema(
        prefix + "PreferredSchedulingTerm", "A node selector term with a weight.",
        [
            F("weight", .int32, "Weight 1-100 added for nodes matching the term.", required: true),
            F("preference", core("NodeSelectorTerm"), "The term.", required: true),
        ])

    static let podAffinity = TypeSchema(
        prefix + "PodAffinity", "Rules that attract the pod to topology domains holding certain pods.",
        [
            F(
                "requiredDuringSchedulingIgnoredDuringExecution", .array(core("PodAffinityTerm")),
                "Terms that must all hold.", listType: "atomic"),
            F(
                "preferredDuringSchedulingIgnoredDuringExecution", .array(core("WeightedPodAffinityTerm")),
                "Weighted preferences.", listType: "atomic"),
        ])

    static let podAntiAffinity = TypeSchema(
        prefix + "PodAntiAffinity", "Rules that keep the pod away from topology domains holding certain pods.",
        [
            F(
                "requiredDuringSchedulingIgnoredDuringExecution", .array(core("PodAffinityTerm")),
                "Terms that must all hold.", listType: "atomic"),
            F(
                "preferredDuringSchedulingIgnoredDuringExecution", .array(core("WeightedPodAffinityTerm")),
                "Weighted preferences.", listType: "atomic"),
        ])

    static let podAffinityTerm = TypeSchema(
        prefix + "PodAffinityTerm", "A set of pods, in some namespaces, and the topology key that groups nodes.",
        [
            F("labelSelector", MetaV1.ref("LabelSelector"), "The pods the term refers to."),
            F(
                "namespaces", .array(.string), "Namespaces searched; the pod's own when empty.",
                listType: "atomic"),
            F("topologyKey", .string, "Node label whose values define the domains.", required: true),
            F("namespaceSelector", MetaV1.ref("LabelSelector"), "Namespaces searched, by label."),
            F(
                "matchLabelKeys", .array(.string), "Label keys whose values are copied from the incoming pod.",
                listType: "atomic"),
            F(
                "mismatchLabelKeys", .array(.string), "Label keys whose values must differ from the incoming pod's.",
                listType: "atomic"),
        ])

    static let weightedPodAffinityTerm = TypeSchema(
        prefix + "WeightedPodAffinityTerm", "A pod affinity term with a weight.",
        [
            F("weight", .int32, "Weight 1-100.", required: true),
            F("podAffinityTerm", core("PodAffinityTerm"), "The term.", required: true),
        ])

    static let toleration = TypeSchema(
        prefix + "Toleration", "Lets a pod be scheduled on (or stay on) nodes with a matching taint.",
        [
            F("key", .string, "Taint key to match; empty with Exists matches all keys."),
            F("operator", .string, "Equal or Exists. Defaults to Equal.", enumValues: ["Equal", "Exists"]),
            F("value", .string, "Taint value to match for Equal."),
            F(
                "effect", .string, "Taint effect to match; empty matches all effects.",
                enumValues: ["NoSchedule", "PreferNoSchedule", "NoExecute"]),
            F("tolerationSeconds", .int64, "How long a NoExecute taint is tolerated before eviction."),
        ])

    static let topologySpreadConstraint = TypeSchema(
        prefix + "TopologySpreadConstraint", "How evenly matching pods must be spread over topology domains.",
        [
            F("maxSkew", .int32, "Largest allowed difference in matching pods between domains.", required: true),
            F("topologyKey", .string, "Node label whose values define the domains.", required: true),
            F(
                "whenUnsatisfiable", .string, "What to do when the constraint cannot be met.", required: true,
                enumValues: ["DoNotSchedule", "ScheduleAnyway"]),
            F("labelSelector", MetaV1.ref("LabelSelector"), "Which pods are counted."),
            F("minDomains", .int32, "Minimum number of eligible domains."),
            F(
                "nodeAffinityPolicy", .string, "Whether node affinity is honoured when counting.",
                enumValues: ["Honor", "Ignore"]),
            F(
                "nodeTaintsPolicy", .string, "Whether node taints are honoured when counting.",
                enumValues: ["Honor", "Ignore"]),
            F(
                "matchLabelKeys", .array(.string), "Label keys whose values are copied from the incoming pod.",
                listType: "atomic"),
        ])
}
