import Testing

@testable import KubeTypes

/// Defaults an object of the given resource, then validates it as a create.
func createErrors(_ plural: String, _ object: JSON) -> [FieldError] {
    coreResource(plural).strategy.validateCreate(defaulted(plural, object))
}

func updateErrors(_ plural: String, _ new: JSON, _ old: JSON) -> [FieldError] {
    coreResource(plural).strategy.validateUpdate(defaulted(plural, new), defaulted(plural, old))
}

@Suite struct CoreV1PodValidationTests {
    @Test func validPodPasses() {
        #expect(createErrors("pods", corePod()).isEmpty)
    }

    @Test func containersRequired() {
        let errors = createErrors("pods", corePod([]))
        #expect(errors.map(\.description) == ["spec.containers: Required value"])
    }

    @Test func imageRequired() {
        let errors = createErrors("pods", corePod([["name": "web"]]))
        #expect(errors.contains { $0.kind == .required && $0.field == "spec.containers[0].image" })
    }

    @Test func containerNames() {
        let errors = createErrors(
            "pods",
            corePod([
                ["name": "web", "image": "a"], ["name": "web", "image": "b"], ["name": "Bad_Name", "image": "c"],
            ]))
        #expect(errors.contains { $0.description == "spec.containers[1].name: Duplicate value: \"web\"" })
        #expect(errors.contains { $0.kind == .invalid && $0.field == "spec.containers[2].name" })
        var spec = corePod()
        spec[path: ["spec", "initContainers"]] = [["name": "web", "image": "busybox"]]
        #expect(
            createErrors("pods", spec).contains { $0.field == "spec.initContainers[0].name" && $0.kind == .duplicate })
    }

    @Test func portsAndProtocols() {
        let errors = createErrors(
            "pods",
            corePod([
                [
                    "name": "web", "image": "nginx",
                    "ports": [["containerPort": 70000], ["containerPort": 80, "protocol": "HTTP"], ["name": "x"]],
                ]
            ]))
        #expect(
            errors.contains {
                $0.description
                    == "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"
            })
        #expect(
            errors.contains {
                $0.description
                    == "spec.containers[0].ports[1].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\""
            })
        #expect(errors.contains { $0.description == "spec.containers[0].ports[2].containerPort: Required value" })
    }

    @Test func podEnums() {
        var pod = corePod()
        pod[path: ["spec", "restartPolicy"]] = "Sometimes"
        pod[path: ["spec", "dnsPolicy"]] = "Weird"
        let errors = createErrors("pods", pod)
        #expect(
            errors.contains {
                $0.description
                    == "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\""
            })
        #expect(errors.contains { $0.field == "spec.dnsPolicy" && $0.kind == .notSupported })
    }

    @Test func envVolumesAndMounts() {
        var pod = corePod([
            [
                "name": "web", "image": "nginx", "env": [["name": "1BAD"], ["name": "OK", "value": "x"]],
                "volumeMounts": [
                    ["name": "data", "mountPath": "/data"], ["name": "missing", "mountPath": "/data"],
                ],
            ]
        ])
        pod[path: ["spec", "volumes"]] = [["name": "data", "emptyDir": [:]], ["name": "data", "emptyDir": [:]]]
        let errors = createErrors("pods", pod)
        #expect(errors.contains { $0.field == "spec.containers[0].env[0].name" && $0.kind == .invalid })
        #expect(!errors.contains { $0.field == "spec.containers[0].env[1].name" })
        #expect(errors.contains { $0.description == "spec.volumes[1].name: Duplicate value: \"data\"" })
        #expect(errors.contains { $0.description == "spec.containers[0].volumeMounts[1].name: Not found: \"missing\"" })
        #expect(
            errors.contains {
                $0.description
                    == "spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"/data\": must be unique"
            })
    }

    @Test func hostPortsAndEnvFrom() {
        let errors = createErrors(
            "pods",
            corePod([
                ["name": "a", "image": "x", "ports": [["containerPort": 80, "hostPort": 8080]], "envFrom": [[:]]],
                [
                    "name": "b", "image": "x", "ports": [["containerPort": 81, "hostPort": 8080]],
                    "envFrom": [["configMapRef": ["name": "cfg"], "prefix": "1X"]],
                ],
            ]))
        #expect(
            errors.contains { $0.description == "spec.containers[1].ports[0].hostPort: Duplicate value: \"/TCP/8080\"" }
        )
        #expect(
            errors.contains { $0.field == "spec.containers[0].envFrom" && $0.detail.contains("must specify one of") })
        #expect(errors.contains { $0.field == "spec.containers[1].envFrom[0].prefix" })
        #expect(errors.count == 3)
    }

    @Test func volumeSources() {
        var pod = corePod()
        pod[path: ["spec", "volumes"]] = [
            ["name": "a", "emptyDir": [:], "hostPath": ["path": "/x"]], ["name": "b", "configMap": [:]], ["name": "c"],
        ]
        let errors = createErrors("pods", pod)
        #expect(errors.contains { $0.field == "spec.volumes[0].hostPath" && $0.kind == .forbidden })
        #expect(errors.contains { $0.description == "spec.volumes[1].configMap.name: Required value" })
        // A volume without a source is defaulted to emptyDir, so it is valid.
        #expect(!errors.contains { $0.field.hasPrefix("spec.volumes[2]") })
    }

    @Test func resourcesAndProbes() {
        let errors = createErrors(
            "pods",
            corePod([
                [
                    "name": "web", "image": "nginx",
                    "resources": ["limits": ["cpu": "500m"], "requests": ["cpu": "1", "memory": "-1Gi"]],
                    "livenessProbe": ["exec": ["command": ["true"]], "successThreshold": 2, "periodSeconds": -1],
                    "readinessProbe": ["periodSeconds": 5],
                ]
            ]))
        #expect(
            errors.contains {
                $0.description
                    == "spec.containers[0].resources.requests: Invalid value: \"1\": must be less than or equal to cpu limit of 500m"
            })
        #expect(errors.contains { $0.field == "spec.containers[0].resources.requests[memory]" })
        #expect(
            errors.contains {
                $0.description == "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"
            })
        #expect(errors.contains { $0.field == "spec.containers[0].livenessProbe.periodSeconds" })
        #expect(
            errors.contains {
                $0.description == "spec.containers[0].readinessProbe: Required value: must specify a handler type"
            })
    }

    @Test func tolerations() {
        var pod = corePod()
        pod[path: ["spec", "tolerations"]] = [
            ["operator": "Exists"], ["key": "k", "operator": "Exists", "value": "v"],
            ["key": "k", "effect": "Sometimes"],
        ]
        let errors = createErrors("pods", pod)
        #expect(!errors.contains { $0.field.hasPrefix("spec.tolerations[0]") })
        #expect(errors.contains { $0.field == "spec.tolerations[1].operator" })
        #expect(errors.contains { $0.field == "spec.tolerations[2].effect" && $0.kind == .notSupported })
    }

    @Test func podUpdateAllowsImageChanges() {
        let old = corePod()
        var new = old
        new[path: ["spec", "containers"]] = [["name": "web", "image": "nginx:1.28"]]
        new[path: ["spec", "activeDeadlineSeconds"]] = 60
        new[path: ["spec", "tolerations"]] = [["key": "k", "operator": "Exists"]]
        #expect(updateErrors("pods", new, old).isEmpty)
    }

    @Test func podUpdateForbidsOtherChanges() {
        let old = corePod()
        var new = old
        new[path: ["spec", "nodeName"]] = "node-1"
        let errors = updateErrors("pods", new, old)
        #expect(errors.count == 1)
        #expect(errors.first?.field == "spec" && errors.first?.kind == .forbidden)
        #expect(
            errors.first?.detail.hasPrefix("pod updates may not change fields other than `spec.containers[*].image`")
                == true)
        var removed = corePod([["name": "web", "image": ""]])
        removed[path: ["spec", "containers"]] = [["name": "web", "image": ""]]
        #expect(
            updateErrors("pods", removed, old).contains { $0.description == "spec.containers[0].image: Required value" }
        )
        var tolerating = old
        tolerating[path: ["spec", "tolerations"]] = [["key": "k", "operator": "Exists"]]
        #expect(updateErrors("pods", old, tolerating).contains { $0.field == "spec.tolerations" })
    }

    @Test func podTemplatesValidateTheirSpec() {
        let template: JSON = ["metadata": ["name": "t"], "template": ["spec": ["containers": [["name": "c"]]]]]
        let errors = createErrors("podtemplates", template)
        #expect(errors.map(\.field) == ["template.spec.containers[0].image"])
    }
}

@Suite struct CoreV1OtherValidationTests {
    func service(_ spec: JSON) -> JSON { ["metadata": ["name": "web", "namespace": "default"], "spec": spec] }

    @Test func servicePorts() {
        #expect(createErrors("services", service(["ports": [["port": 80]]])).isEmpty)
        #expect(createErrors("services", service([:])).map(\.description) == ["spec.ports: Required value"])
        #expect(createErrors("services", service(["clusterIP": "None"])).isEmpty)
        let errors = createErrors("services", service(["ports": [["port": 0], ["port": 80, "protocol": "HTTP"]]]))
        #expect(
            errors.contains {
                $0.description == "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"
            })
        #expect(errors.contains { $0.description == "spec.ports[0].name: Required value" })
        #expect(errors.contains { $0.field == "spec.ports[1].protocol" && $0.kind == .notSupported })
        let duplicate = createErrors(
            "services", service(["ports": [["name": "a", "port": 80], ["name": "a", "port": 80]]]))
        #expect(duplicate.contains { $0.description == "spec.ports[1].name: Duplicate value: \"a\"" })
        #expect(duplicate.contains { $0.field == "spec.ports[1]" && $0.kind == .duplicate })
    }

    @Test func serviceTypes() {
        let bad = createErrors("services", service(["type": "Magic", "ports": [["port": 80]]]))
        #expect(
            bad.map(\.description) == [
                "spec.type: Unsupported value: \"Magic\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""
            ])
        let external = createErrors("services", service(["type": "ExternalName"]))
        #expect(external.map(\.description) == ["spec.externalName: Required value"])
        let nodePort = createErrors("services", service(["ports": [["port": 80, "nodePort": 30080]]]))
        #expect(nodePort.contains { $0.field == "spec.ports[0].nodePort" && $0.kind == .forbidden })
    }

    @Test func clusterIPIsImmutable() {
        let old = service(["clusterIP": "10.0.0.10", "ports": [["port": 80]]])
        let moved = service(["clusterIP": "10.0.0.11", "ports": [["port": 80]]])
        #expect(
            updateErrors("services", moved, old).map(\.description) == [
                "spec.clusterIP: Invalid value: \"10.0.0.11\": field is immutable"
            ])
        let unset = service(["ports": [["port": 80]]])
        #expect(updateErrors("services", unset, old).isEmpty)
    }

    @Test func configMapKeysAndImmutability() {
        let errors = createErrors("configmaps", ["data": ["good.key": "x", "bad key": "y", "..": "z"]])
        #expect(errors.map(\.field).sorted() == ["data[..]", "data[bad key]"])
        let large = String(repeating: "x", count: 1024 * 1024 + 1)
        #expect(createErrors("configmaps", ["data": ["big": .string(large)]]).contains { $0.kind == .tooLong })
        let old: JSON = ["immutable": true, "data": ["a": "1"]]
        #expect(updateErrors("configmaps", old, old).isEmpty)
        let changed: JSON = ["immutable": true, "data": ["a": "2"]]
        #expect(
            updateErrors("configmaps", changed, old).map(\.description) == [
                "data: Forbidden: field is immutable when `immutable` is set"
            ])
    }

    @Test func secrets() {
        let tls = createErrors("secrets", ["type": "kubernetes.io/tls", "data": ["tls.crt": "eA=="]])
        #expect(tls.map(\.description) == ["data[tls.key]: Required value"])
        let retyped = updateErrors("secrets", ["type": "kubernetes.io/tls", "data": [:]], ["type": "Opaque"])
        #expect(retyped.contains { $0.description == "type: Invalid value: \"kubernetes.io/tls\": field is immutable" })
    }

    @Test func namespacesNodesEvents() {
        let namespace = createErrors("namespaces", ["metadata": ["name": "a"], "spec": ["finalizers": ["custom"]]])
        #expect(namespace.contains { $0.field == "spec.finalizers" })
        #expect(
            createErrors("namespaces", ["metadata": ["name": "a"], "spec": ["finalizers": ["kubernetes"]]]).isEmpty)
        let node = createErrors("nodes", ["spec": ["taints": [["key": "k", "effect": "Sometimes"]]]])
        #expect(node.contains { $0.field == "spec.taints[0].effect" && $0.kind == .notSupported })
        let cidr: JSON = ["spec": ["podCIDRs": ["10.1.0.0/24"], "providerID": "mesos://a"]]
        let moved: JSON = ["spec": ["podCIDRs": ["10.2.0.0/24"], "providerID": "mesos://a"]]
        #expect(updateErrors("nodes", moved, cidr).map(\.field) == ["spec.podCIDRs"])
        #expect(updateErrors("nodes", cidr, ["spec": [:]]).isEmpty)
        let event: JSON = ["metadata": ["namespace": "default"], "involvedObject": ["namespace": "other"]]
        #expect(
            createErrors("events", event).map(\.description) == [
                "involvedObject.namespace: Invalid value: \"other\": does not match event.namespace"
            ])
    }

    @Test func claimsAndVolumes() {
        let claim = createErrors("persistentvolumeclaims", ["spec": [:]])
        #expect(claim.map(\.field).sorted() == ["spec.accessModes", "spec.resources[storage]"])
        let good: JSON = ["spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]]]
        #expect(createErrors("persistentvolumeclaims", good).isEmpty)
        var grown = good
        grown[path: ["spec", "resources", "requests", "storage"]] = "2Gi"
        #expect(updateErrors("persistentvolumeclaims", grown, good).isEmpty)
        var remoded = good
        remoded[path: ["spec", "accessModes"]] = ["ReadWriteMany"]
        #expect(updateErrors("persistentvolumeclaims", remoded, good).map(\.field) == ["spec"])
        let volume: JSON = [
            "spec": ["accessModes": ["ReadWriteOnce"], "capacity": ["storage": "1Gi"], "hostPath": ["path": "/d"]]
        ]
        #expect(createErrors("persistentvolumes", volume).isEmpty)
        #expect(createErrors("persistentvolumes", ["spec": ["accessModes": ["ReadWriteOnce"]]]).count == 2)
    }
}
