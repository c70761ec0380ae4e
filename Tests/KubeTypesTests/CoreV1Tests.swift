import Testing

@testable import KubeTypes

/// A minimal valid pod with one container, for tests to modify.
func corePod(_ containers: [JSON] = [["name": "web", "image": "nginx:1.27"]]) -> JSON {
    ["metadata": ["name": "web-0", "namespace": "default"], "spec": ["containers": .array(containers)]]
}

func coreResource(_ plural: String) -> ResourceType {
    CoreV1.resources.first { $0.plural == plural }!
}

func defaulted(_ plural: String, _ object: JSON) -> JSON {
    var copy = object
    coreResource(plural).strategy.applyDefaults(&copy)
    return copy
}

@Suite struct CoreV1DefaultsTests {
    @Test func pullPolicyFollowsTheTag() {
        #expect(PodRules.defaultPullPolicy(image: "nginx") == "Always")
        #expect(PodRules.defaultPullPolicy(image: "nginx:latest") == "Always")
        #expect(PodRules.defaultPullPolicy(image: "nginx:1.27") == "IfNotPresent")
        #expect(PodRules.defaultPullPolicy(image: "registry:5000/team/app") == "Always")
        #expect(PodRules.defaultPullPolicy(image: "registry:5000/team/app:v2") == "IfNotPresent")
        #expect(PodRules.defaultPullPolicy(image: "app@sha256:abcd") == "IfNotPresent")
    }

    @Test func podDefaults() {
        let pod = defaulted(
            "pods",
            corePod([
                [
                    "name": "web", "image": "nginx", "ports": [["containerPort": 80]],
                    "resources": ["limits": ["cpu": "1"]],
                    "livenessProbe": ["httpGet": ["port": 80]],
                ]
            ]))
        let spec = pod["spec"]!
        #expect(spec["restartPolicy"] == "Always")
        #expect(spec["dnsPolicy"] == "ClusterFirst")
        #expect(spec["terminationGracePeriodSeconds"] == 30)
        #expect(spec["schedulerName"] == "default-scheduler")
        #expect(spec["securityContext"] == .emptyObject)
        #expect(spec["enableServiceLinks"] == true)
        let container = spec["containers"]!.arrayValue![0]
        #expect(container["imagePullPolicy"] == "Always")
        #expect(container["terminationMessagePath"] == "/dev/termination-log")
        #expect(container["terminationMessagePolicy"] == "File")
        #expect(container[path: ["ports"]]?.arrayValue?[0]["protocol"] == "TCP")
        #expect(container[path: ["resources", "requests", "cpu"]] == "1")
        let probe = container["livenessProbe"]!
        #expect(probe["timeoutSeconds"] == 1 && probe["periodSeconds"] == 10)
        #expect(probe["successThreshold"] == 1 && probe["failureThreshold"] == 3)
        #expect(probe[path: ["httpGet", "path"]] == "/" && probe[path: ["httpGet", "scheme"]] == "HTTP")
    }

    @Test func templatesDoNotGetPodOnlyDefaults() {
        var spec: JSON = ["containers": [["name": "c", "image": "busybox:1", "resources": ["limits": ["cpu": "1"]]]]]
        PodRules.applyPodSpecDefaults(&spec)
        #expect(spec["enableServiceLinks"] == nil)
        #expect(spec["containers"]?.arrayValue?[0][path: ["resources", "requests"]] == nil)
        #expect(spec["containers"]?.arrayValue?[0]["imagePullPolicy"] == "IfNotPresent")
    }

    @Test func explicitValuesAreKept() {
        let pod = defaulted(
            "pods",
            corePod([
                [
                    "name": "web", "image": "nginx", "imagePullPolicy": "Never",
                    "ports": [["containerPort": 53, "protocol": "UDP"]],
                ]
            ]))
        let container = pod["spec"]!["containers"]!.arrayValue![0]
        #expect(container["imagePullPolicy"] == "Never")
        #expect(container["ports"]?.arrayValue?[0]["protocol"] == "UDP")
    }

    @Test func serviceDefaults() {
        let service = defaulted(
            "services",
            ["metadata": ["name": "web"], "spec": ["ports": [["port": 80], ["port": 443, "targetPort": "https"]]]])
        let spec = service["spec"]!
        #expect(spec["type"] == "ClusterIP")
        #expect(spec["sessionAffinity"] == "None")
        #expect(spec["internalTrafficPolicy"] == "Cluster")
        #expect(spec["externalTrafficPolicy"] == nil)
        let ports = spec["ports"]!.arrayValue!
        #expect(ports[0]["protocol"] == "TCP" && ports[0]["targetPort"] == 80)
        #expect(ports[1]["targetPort"] == "https")
        let nodePort = defaulted("services", ["spec": ["type": "LoadBalancer", "ports": [["port": 80]]]])
        #expect(nodePort[path: ["spec", "externalTrafficPolicy"]] == "Cluster")
        #expect(nodePort[path: ["spec", "allocateLoadBalancerNodePorts"]] == true)
    }

    @Test func otherKindDefaults() {
        let secret = defaulted("secrets", ["metadata": ["name": "s"], "stringData": ["user": "admin"]])
        #expect(secret["type"] == "Opaque")
        #expect(secret[path: ["data", "user"]] == "YWRtaW4=")
        #expect(secret["stringData"] == nil)
        let namespace = defaulted("namespaces", ["metadata": ["name": "team-a"]])
        #expect(namespace.labels["kubernetes.io/metadata.name"] == "team-a")
        let claim = defaulted("persistentvolumeclaims", ["spec": ["accessModes": ["ReadWriteOnce"]]])
        #expect(claim[path: ["spec", "volumeMode"]] == "Filesystem")
        let volume = defaulted("persistentvolumes", ["spec": ["capacity": ["storage": "1Gi"]]])
        #expect(volume[path: ["spec", "persistentVolumeReclaimPolicy"]] == "Retain")
        #expect(volume[path: ["spec", "volumeMode"]] == "Filesystem")
    }

    @Test func base64MatchesKnownVectors() {
        #expect(CoreBase64.encode(Array("".utf8)) == "")
        #expect(CoreBase64.encode(Array("f".utf8)) == "Zg==")
        #expect(CoreBase64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(CoreBase64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(CoreBase64.decodedLength("Zm8=") == 2)
    }

    @Test func createPreparation() {
        var pod = defaulted("pods", corePod())
        pod["status"] = ["phase": "Running"]
        coreResource("pods").strategy.prepareForCreate(&pod)
        #expect(pod["status"] == ["phase": "Pending", "qosClass": "BestEffort"])
        #expect(pod[path: ["spec", "serviceAccountName"]] == "default")
        #expect(pod[path: ["spec", "priority"]] == 0)
        let keys = pod[path: ["spec", "tolerations"]]?.arrayValue?.compactMap { $0["key"]?.stringValue }
        #expect(keys == ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"])
        var tolerant = corePod()
        tolerant[path: ["spec", "tolerations"]] = [["operator": "Exists"]]
        coreResource("pods").strategy.prepareForCreate(&tolerant)
        #expect(tolerant[path: ["spec", "tolerations"]] == [["operator": "Exists"]])
        var namespace: JSON = ["metadata": ["name": "a"]]
        coreResource("namespaces").strategy.prepareForCreate(&namespace)
        #expect(namespace[path: ["status", "phase"]] == "Active")
        #expect(namespace[path: ["spec", "finalizers"]] == ["kubernetes"])
        var service: JSON = ["spec": [:]]
        coreResource("services").strategy.prepareForCreate(&service)
        #expect(service["status"] == ["loadBalancer": [:]])
        #expect(service[path: ["spec", "ipFamilies"]] == ["IPv4"])
    }

    @Test func qosClasses() {
        func spec(_ resources: [JSON]) -> JSON {
            [
                "containers": .array(
                    resources.enumerated().map { ["name": .string("c\($0.offset)"), "resources": $0.element] })
            ]
        }
        #expect(CoreV1.qosClass(of: spec([[:]])) == "BestEffort")
        #expect(CoreV1.qosClass(of: spec([["requests": ["cpu": "0"]]])) == "BestEffort")
        #expect(CoreV1.qosClass(of: spec([["requests": ["cpu": "100m"]]])) == "Burstable")
        let equal: JSON = ["limits": ["cpu": "1", "memory": "1Gi"], "requests": ["cpu": "1000m", "memory": "1024Mi"]]
        #expect(CoreV1.qosClass(of: spec([equal, equal])) == "Guaranteed")
        let onlyCPU: JSON = ["limits": ["cpu": "1"], "requests": ["cpu": "1"]]
        #expect(CoreV1.qosClass(of: spec([equal, onlyCPU])) == "Burstable")
        let lowerRequest: JSON = [
            "limits": ["cpu": "1", "memory": "1Gi"], "requests": ["cpu": "500m", "memory": "1Gi"],
        ]
        #expect(CoreV1.qosClass(of: spec([lowerRequest])) == "Burstable")
    }

    @Test func fieldLabels() {
        let labels = coreResource("pods").strategy.fieldLabels
        let pod: JSON = ["spec": ["nodeName": "n1"], "status": ["phase": "Running", "podIPs": [["ip": "10.0.0.5"]]]]
        #expect(labels["spec.nodeName"]?(pod) == "n1")
        #expect(labels["spec.hostNetwork"]?(pod) == "false")
        #expect(labels["status.podIP"]?(pod) == "10.0.0.5")
        #expect(labels["spec.nodeName"]?(corePod()) == "")
        let events = coreResource("events").strategy.fieldLabels
        let event: JSON = ["involvedObject": ["kind": "Pod", "uid": "u1"], "source": ["component": "kubelet"]]
        #expect(events["involvedObject.uid"]?(event) == "u1")
        #expect(events["source"]?(event) == "kubelet")
        #expect(
            coreResource("nodes").strategy.fieldLabels["spec.unschedulable"]?(["spec": ["unschedulable": true]])
                == "true")
        #expect(coreResource("secrets").strategy.fieldLabels["type"]?(["type": "Opaque"]) == "Opaque")
    }
}

@Suite struct CoreV1DiscoveryTests {
    @Test func resourceFacts() {
        let pods = coreResource("pods")
        #expect(pods.shortNames == ["po"] && pods.categories == ["all"] && pods.strategy.hasStatus)
        let names = pods.allSubresources.map(\.name)
        for expected in [
            "status", "log", "exec", "attach", "portforward", "binding", "eviction", "ephemeralcontainers",
        ] {
            #expect(names.contains(expected), "missing pods/\(expected)")
        }
        #expect(pods.subresources.first { $0.name == "eviction" }?.kind == GroupVersionKind("policy", "v1", "Eviction"))
        let namespaces = coreResource("namespaces")
        #expect(!namespaces.namespaced && namespaces.strategy.nameIsLabel)
        #expect(namespaces.subresources.first?.name == "finalize")
        #expect(coreResource("services").strategy.nameIsLabel)
        #expect(!coreResource("configmaps").strategy.tracksGeneration)
        #expect(!coreResource("events").strategy.tracksGeneration)
        #expect(coreResource("serviceaccounts").subresources.first?.kind.group == "authentication.k8s.io")
        #expect(!coreResource("persistentvolumes").namespaced)
    }

    @Test func schemasCoverEveryReference() {
        let catalog = SchemaCatalog(MetaV1.schemas + CoreV1.schemas)
        var missing: [String] = []
        func check(_ type: SchemaType) {
            switch type {
            case .ref(let name): if catalog[name] == nil { missing.append(name) }
            case .array(let element), .map(let element): check(element)
            default: break
            }
        }
        for schema in catalog.types.values { for field in schema.fields { check(field.type) } }
        #expect(missing.isEmpty, "unresolved: \(Set(missing).sorted())")
        for resource in CoreV1.resources {
            #expect(catalog[resource.schemaName]?.groupVersionKinds == [resource.groupVersionKind])
        }
    }

    @Test func mergeKeys() {
        let catalog = SchemaCatalog(MetaV1.schemas + CoreV1.schemas)
        let root = "io.k8s.api.core.v1.Pod"
        let containers = catalog.field(at: ["spec", "containers"], from: root)
        #expect(containers?.patchMergeKey == "name" && containers?.listType == "map")
        let ports = catalog.field(at: ["spec", "containers", "ports"], from: root)
        #expect(ports?.patchMergeKey == "containerPort" && ports?.listMapKeys == ["containerPort", "protocol"])
        #expect(catalog.field(at: ["spec", "containers", "volumeMounts"], from: root)?.patchMergeKey == "mountPath")
        #expect(catalog.field(at: ["spec", "tolerations"], from: root)?.patchMergeKey == nil)
        let servicePorts = catalog.field(at: ["spec", "ports"], from: "io.k8s.api.core.v1.Service")
        #expect(servicePorts?.patchMergeKey == "port" && servicePorts?.listMapKeys == ["port", "protocol"])
        let owners = catalog.field(at: ["metadata", "ownerReferences"], from: root)
        #expect(owners?.patchMergeKey == "uid")
        #expect(catalog.field(at: ["metadata", "finalizers"], from: root)?.patchStrategy == "merge")
    }
}
