import KubeTypes
import KubeletCore
import Testing

/// Docker-links style service variables, as upstream's kubelet sets them.
@Suite struct ServiceLinksTests {
    static func service(
        _ name: String, namespace: String, clusterIP: String, ports: [JSON] = [["port": 80, "protocol": "TCP"]]
    ) -> JSON {
        [
            "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "spec": ["clusterIP": .string(clusterIP), "ports": .array(ports)],
        ]
    }

    static let services: [JSON] = [
        service(
            "kubernetes", namespace: "default", clusterIP: "10.96.0.1",
            ports: [["name": "https", "port": 443, "protocol": "TCP"]]),
        service(
            "my-db", namespace: "shop", clusterIP: "10.96.0.20",
            ports: [["name": "sql", "port": 5432], ["name": "metrics-udp", "port": 9000, "protocol": "UDP"]]),
        service("headless", namespace: "shop", clusterIP: "None"),
        service("outside", namespace: "shop", clusterIP: ""),
        service("elsewhere", namespace: "other", clusterIP: "10.96.0.30"),
    ]

    func env(
        namespace: String = "shop", links: Bool = true, services: [JSON] = ServiceLinksTests.services
    ) -> [String: String] {
        var result: [String: String] = [:]
        for (name, value) in ServiceLinks.variables(services: services, namespace: namespace, enableServiceLinks: links)
        {
            #expect(result[name] == nil, "\(name) set twice")
            result[name] = value
        }
        return result
    }

    @Test func variablesOfAServiceWithTwoPorts() {
        let found = env()
        #expect(found["MY_DB_SERVICE_HOST"] == "10.96.0.20")
        #expect(found["MY_DB_SERVICE_PORT"] == "5432")
        #expect(found["MY_DB_SERVICE_PORT_SQL"] == "5432")
        #expect(found["MY_DB_SERVICE_PORT_METRICS_UDP"] == "9000")
        #expect(found["MY_DB_PORT"] == "tcp://10.96.0.20:5432")
        #expect(found["MY_DB_PORT_5432_TCP"] == "tcp://10.96.0.20:5432")
        #expect(found["MY_DB_PORT_5432_TCP_PROTO"] == "tcp")
        #expect(found["MY_DB_PORT_5432_TCP_PORT"] == "5432")
        #expect(found["MY_DB_PORT_5432_TCP_ADDR"] == "10.96.0.20")
        #expect(found["MY_DB_PORT_9000_UDP"] == "udp://10.96.0.20:9000")
        #expect(found["MY_DB_PORT_9000_UDP_PROTO"] == "udp")
        #expect(found.keys.filter { $0.hasPrefix("MY_DB") }.count == 13)
    }

    @Test func theKubernetesServiceReachesEveryNamespace() {
        let found = env()
        #expect(found["KUBERNETES_SERVICE_HOST"] == "10.96.0.1")
        #expect(found["KUBERNETES_SERVICE_PORT"] == "443")
        #expect(found["KUBERNETES_SERVICE_PORT_HTTPS"] == "443")
        #expect(found["KUBERNETES_PORT"] == "tcp://10.96.0.1:443")
        #expect(found["KUBERNETES_PORT_443_TCP_ADDR"] == "10.96.0.1")
    }

    @Test func headlessExternalNameAndOtherNamespacesAreLeftOut() {
        let names = Set(env().keys)
        #expect(!names.contains { $0.hasPrefix("HEADLESS") || $0.hasPrefix("OUTSIDE") || $0.hasPrefix("ELSEWHERE") })
        #expect(env(namespace: "other")["ELSEWHERE_SERVICE_HOST"] == "10.96.0.30")
        #expect(env(namespace: "other")["MY_DB_SERVICE_HOST"] == nil)
    }

    @Test func enableServiceLinksFalseKeepsOnlyTheKubernetesService() {
        let noLinks = env(links: false)
        #expect(noLinks["KUBERNETES_SERVICE_HOST"] == "10.96.0.1")
        #expect(!noLinks.keys.contains { $0.hasPrefix("MY_DB") })
        // In `default` itself, other services need links too.
        let inDefault = env(
            namespace: "default", links: false,
            services: Self.services + [Self.service("web", namespace: "default", clusterIP: "10.96.0.40")])
        #expect(inDefault["WEB_SERVICE_HOST"] == nil)
        #expect(inDefault["KUBERNETES_SERVICE_HOST"] == "10.96.0.1")
    }

    @Test func aServiceNamedKubernetesInThePodsNamespaceWins() {
        let own = Self.service("kubernetes", namespace: "shop", clusterIP: "10.96.0.99")
        #expect(env(services: Self.services + [own])["KUBERNETES_SERVICE_HOST"] == "10.96.0.99")
        #expect(env(links: false, services: Self.services + [own])["KUBERNETES_SERVICE_HOST"] == "10.96.0.1")
    }

    @Test func containerEnvOverridesAndReferencesServiceVariables() throws {
        let pod: JSON = ["metadata": ["name": "web", "namespace": "shop", "uid": "u"], "spec": .emptyObject]
        let container: JSON = [
            "name": "c", "image": "busybox",
            "env": [
                ["name": "MY_DB_SERVICE_PORT", "value": "1"],
                ["name": "DSN", "value": "postgres://$(MY_DB_SERVICE_HOST):$(MY_DB_PORT_5432_TCP_PORT)"],
            ],
            "command": ["echo", "$(KUBERNETES_SERVICE_HOST)"],
        ]
        let config = try ContainerConfig.make(
            container: container, pod: pod,
            facts: PodRuntimeFacts(nodeName: "n", hostIP: "192.0.2.1", podIPs: ["10.244.0.2"]), configMaps: [:],
            secrets: [:],
            serviceEnvironment: ServiceLinks.variables(
                services: Self.services, namespace: "shop", enableServiceLinks: true))
        let env = config.environmentDictionary
        #expect(env["MY_DB_SERVICE_PORT"] == "1")
        #expect(env["MY_DB_SERVICE_HOST"] == "10.96.0.20")
        #expect(env["DSN"] == "postgres://10.96.0.20:5432")
        #expect(config.command == ["echo", "10.96.0.1"])
        // The container's own variables come after the services', so they win wherever order counts.
        #expect(config.environment.last?.name == "DSN")
    }
}
