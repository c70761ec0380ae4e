import KubeTypes
import KubeletCore
import Testing

@Suite struct ContainerConfigTests {
    static let pod: JSON = [
        "metadata": ["name": "web", "namespace": "shop", "uid": "u-1", "labels": ["app": "web"]],
        "spec": ["serviceAccountName": "robot"],
    ]
    static let facts = PodRuntimeFacts(nodeName: "node-a", hostIP: "192.0.2.1", podIPs: ["10.244.0.7"])

    func make(
        _ container: JSON, configMaps: [String: [String: String]] = [:], secrets: [String: [String: String]] = [:]
    )
        throws(ContainerConfigError) -> ContainerConfig
    {
        try ContainerConfig.make(
            container: container, pod: Self.pod, facts: Self.facts, configMaps: configMaps, secrets: secrets)
    }

    @Test func environmentResolvesInSpecOrderWithExpansion() throws {
        let container: JSON = [
            "name": "c", "image": "busybox",
            "envFrom": [["prefix": "CFG_", "configMapRef": ["name": "settings"]]],
            "env": [
                ["name": "A", "value": "one"],
                ["name": "B", "value": "$(A)-two-$(MISSING)-$$(A)"],
                ["name": "POD", "valueFrom": ["fieldRef": ["fieldPath": "metadata.name"]]],
                ["name": "IP", "valueFrom": ["fieldRef": ["fieldPath": "status.podIP"]]],
                ["name": "APP", "valueFrom": ["fieldRef": ["fieldPath": "metadata.labels['app']"]]],
                ["name": "PASS", "valueFrom": ["secretKeyRef": ["name": "creds", "key": "password"]]],
                ["name": "MEM", "valueFrom": ["resourceFieldRef": ["resource": "limits.memory", "divisor": "1Mi"]]],
            ],
            "resources": ["limits": ["memory": "128Mi"]],
            "command": ["echo", "$(POD)"],
        ]
        let config = try make(
            container, configMaps: ["settings": ["colour": "blue"]], secrets: ["creds": ["password": "s3cret"]])
        let env = config.environmentDictionary
        #expect(config.environment.map(\.name) == ["CFG_colour", "A", "B", "POD", "IP", "APP", "PASS", "MEM"])
        #expect(env["B"] == "one-two-$(MISSING)-$(A)")
        #expect(env["POD"] == "web" && env["IP"] == "10.244.0.7" && env["APP"] == "web")
        #expect(env["PASS"] == "s3cret" && env["CFG_colour"] == "blue" && env["MEM"] == "128")
        #expect(config.command == ["echo", "web"])
        #expect(config.args == nil)
    }

    @Test func missingReferencesFailUnlessOptional() {
        let required: JSON = [
            "name": "c", "env": [["name": "X", "valueFrom": ["configMapKeyRef": ["name": "absent", "key": "k"]]]],
        ]
        #expect(throws: ContainerConfigError("configmap \"absent\" not found")) { try make(required) }
        let missingKey: JSON = [
            "name": "c", "env": [["name": "X", "valueFrom": ["configMapKeyRef": ["name": "present", "key": "k"]]]],
        ]
        #expect(throws: ContainerConfigError("couldn't find key k in ConfigMap shop/present")) {
            try make(missingKey, configMaps: ["present": [:]])
        }
        let optional: JSON = [
            "name": "c",
            "env": [["name": "X", "valueFrom": ["secretKeyRef": ["name": "absent", "key": "k", "optional": true]]]],
            "envFrom": [["secretRef": ["name": "gone", "optional": true]]],
        ]
        #expect((try? make(optional))?.environment.isEmpty == true)
        let unsupported: JSON = [
            "name": "c", "env": [["name": "X", "valueFrom": ["fieldRef": ["fieldPath": "spec.x"]]]],
        ]
        #expect(throws: ContainerConfigError("unsupported fieldRef fieldPath \"spec.x\"")) { try make(unsupported) }
        #expect(
            throws: ContainerConfigError("tty: true needs kubectl attach, which this node agent does not support yet")
        ) {
            try make(["name": "c", "tty": true])
        }
    }

    @Test func referencesListEveryConfigMapAndSecretThePodNames() {
        let pod: JSON = [
            "spec": [
                "containers": [
                    [
                        "env": [["valueFrom": ["configMapKeyRef": ["name": "a"]]]],
                        "envFrom": [["secretRef": ["name": "s"]]],
                    ]
                ],
                "volumes": [
                    ["configMap": ["name": "b"]], ["secret": ["secretName": "t"]],
                    ["projected": ["sources": [["configMap": ["name": "c"]]]]],
                ],
            ]
        ]
        let references = PodReferences(pod: pod)
        #expect(references.configMaps == ["a", "b", "c"])
        #expect(references.secrets == ["s", "t"])
    }
}
