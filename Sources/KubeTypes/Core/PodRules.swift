/// Pod spec defaulting and validation shared by every kind that embeds a pod template
/// (Pod, PodTemplate, Deployment, ReplicaSet, Job, ...). Defaults follow upstream's
/// `pkg/apis/core/v1/defaults.go`; validation follows the important rules of `ValidatePodSpec`
/// with upstream's field paths and messages.
public enum PodRules {
    /// Fills upstream's pod spec defaults in place (restartPolicy, dnsPolicy, container defaults, ...).
    public static func applyPodSpecDefaults(_ spec: inout JSON) {
        guard case .object = spec else { return }
        CoreSupport.setDefault(&spec, "restartPolicy", "Always")
        CoreSupport.setDefault(&spec, "dnsPolicy", "ClusterFirst")
        CoreSupport.setDefault(&spec, "terminationGracePeriodSeconds", 30)
        CoreSupport.setDefault(&spec, "schedulerName", "default-scheduler")
        CoreSupport.setDefault(&spec, "securityContext", .emptyObject)
        // The deprecated serviceAccount field mirrors serviceAccountName, as upstream's conversion does.
        let accountName = CoreSupport.string(spec, ["serviceAccountName"])
        let deprecatedName = CoreSupport.string(spec, ["serviceAccount"])
        if accountName.isEmpty, !deprecatedName.isEmpty {
            spec["serviceAccountName"] = .string(deprecatedName)
        } else if !accountName.isEmpty {
            spec["serviceAccount"] = .string(accountName)
        }
        for key in ["initContainers", "containers", "ephemeralContainers"] {
            CoreSupport.forEachElement(&spec, key, applyContainerDefaults)
        }
        CoreSupport.forEachElement(&spec, "volumes", applyVolumeDefaults)
    }

    /// Defaults upstream applies to pods only, never to templates: service links on, requests
    /// copied from limits, and host ports equal to container ports on the host network.
    static func applyPodOnlyDefaults(_ spec: inout JSON) {
        guard case .object = spec else { return }
        CoreSupport.setDefault(&spec, "enableServiceLinks", true)
        let hostNetwork = spec["hostNetwork"]?.boolValue ?? false
        for key in ["initContainers", "containers"] {
            CoreSupport.forEachElement(&spec, key) { container in
                CoreSupport.withMember(&container, "resources", copyLimitsToRequests)
                guard hostNetwork else { return }
                CoreSupport.forEachElement(&container, "ports") { port in
                    if let number = port["containerPort"] { CoreSupport.setDefault(&port, "hostPort", number) }
                }
            }
        }
    }

    /// Container defaults: pull policy from the image tag, termination message settings, port
    /// protocols and probe timings.
    static func applyContainerDefaults(_ container: inout JSON) {
        guard case .object = container else { return }
        let image = container["image"]?.stringValue ?? ""
        CoreSupport.setDefault(&container, "imagePullPolicy", .string(defaultPullPolicy(image: image)))
        CoreSupport.setDefault(&container, "terminationMessagePath", "/dev/termination-log")
        CoreSupport.setDefault(&container, "terminationMessagePolicy", "File")
        CoreSupport.setDefault(&container, "resources", .emptyObject)
        CoreSupport.forEachElement(&container, "ports") { CoreSupport.setDefault(&$0, "protocol", "TCP") }
        CoreSupport.forEachElement(&container, "env") { variable in
            CoreSupport.withMember(&variable, "valueFrom") { source in
                CoreSupport.withMember(&source, "fieldRef") { CoreSupport.setDefault(&$0, "apiVersion", "v1") }
            }
        }
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            CoreSupport.withMember(&container, probe, applyProbeDefaults)
        }
        CoreSupport.withMember(&container, "lifecycle") { lifecycle in
            for hook in ["postStart", "preStop"] {
                CoreSupport.withMember(&lifecycle, hook) {
                    CoreSupport.withMember(&$0, "httpGet", applyHTTPGetDefaults)
                }
            }
        }
    }

    /// `Always` for `:latest` or untagged images (no digest either), `IfNotPresent` otherwise.
    public static func defaultPullPolicy(image: String) -> String {
        if image.contains("@") { return "IfNotPresent" }
        let lastComponent = image.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        guard let colon = lastComponent.lastIndex(of: ":") else { return "Always" }
        let tag = lastComponent[lastComponent.index(after: colon)...]
        return tag == "latest" ? "Always" : "IfNotPresent"
    }

    static func applyProbeDefaults(_ probe: inout JSON) {
        CoreSupport.setDefault(&probe, "timeoutSeconds", 1)
        CoreSupport.setDefault(&probe, "periodSeconds", 10)
        CoreSupport.setDefault(&probe, "successThreshold", 1)
        CoreSupport.setDefault(&probe, "failureThreshold", 3)
        CoreSupport.withMember(&probe, "httpGet", applyHTTPGetDefaults)
    }

    static func applyHTTPGetDefaults(_ action: inout JSON) {
        CoreSupport.setDefault(&action, "path", "/")
        CoreSupport.setDefault(&action, "scheme", "HTTP")
    }

    /// Resources with a limit but no request get a request equal to the limit.
    static func copyLimitsToRequests(_ resources: inout JSON) {
        guard case .object(let limits) = resources["limits"] ?? .null, !limits.isEmpty else { return }
        var requests = resources["requests"]?.objectValue ?? [:]
        for (name, limit) in limits where requests[name] == nil { requests[name] = limit }
        resources["requests"] = .object(requests)
    }

    /// A volume without a source becomes an emptyDir; file-producing sources get mode 0644.
    static func applyVolumeDefaults(_ volume: inout JSON) {
        guard case .object(let members) = volume else { return }
        if members.keys.allSatisfy({ $0 == "name" }) { volume["emptyDir"] = .emptyObject }
        for source in ["secret", "configMap", "downwardAPI", "projected"] {
            CoreSupport.withMember(&volume, source) { CoreSupport.setDefault(&$0, "defaultMode", 420) }
        }
        CoreSupport.withMember(&volume, "hostPath") { CoreSupport.setDefault(&$0, "type", "") }
        CoreSupport.withMember(&volume, "downwardAPI") { source in
            CoreSupport.forEachElement(&source, "items") { item in
                CoreSupport.withMember(&item, "fieldRef") { CoreSupport.setDefault(&$0, "apiVersion", "v1") }
            }
        }
    }

    /// Comma-joined container names and images of a pod spec, for the wide CONTAINERS/IMAGES columns.
    public static func containerNamesAndImages(_ spec: JSON) -> (names: String, images: String) {
        let containers = CoreSupport.elements(spec, "containers")
        let names = containers.map { $0["name"]?.stringValue ?? "" }
        let images = containers.map { $0["image"]?.stringValue ?? "" }
        return (names.joined(separator: ","), images.joined(separator: ","))
    }

    /// Validates a pod template (metadata labels/annotations and spec) found at `path`.
    public static func validatePodTemplate(_ template: JSON, at path: FieldPath) -> [FieldError] {
        let metadataPath = path.child("metadata")
        var errors = MetadataValidation.validateLabels(
            template[path: ["metadata", "labels"]], path: metadataPath.child("labels").text)
        errors += MetadataValidation.validateAnnotations(
            template[path: ["metadata", "annotations"]], path: metadataPath.child("annotations").text)
        errors += validatePodSpec(template["spec"] ?? .emptyObject, at: path.child("spec"))
        return errors
    }
}
