import DiscoveryCore
import KubeTypes
import Testing

@testable import KubeControllersCore

@Suite struct KubeDiscoveryTests {
    static func service(_ name: String, spec: JSON, status: JSON? = nil) -> JSON {
        var object: JSON = [
            "apiVersion": "v1", "kind": "Service", "metadata": ["name": .string(name), "namespace": "shop"],
            "spec": spec,
        ]
        object["status"] = status
        return object
    }

    static func endpoint(_ ip: String, ready: Bool? = true, terminating: Bool = false, hostname: String? = nil) -> JSON
    {
        var conditions: JSON = ["terminating": .bool(terminating)]
        conditions["ready"] = ready.map(JSON.bool)
        var endpoint: JSON = ["addresses": [.string(ip)], "conditions": conditions, "nodeName": "node-1"]
        endpoint["hostname"] = hostname.map(JSON.string)
        return endpoint
    }

    static func slice(_ service: String, ports: JSON, endpoints: [JSON]) -> JSON {
        [
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
            "metadata": [
                "name": .string(service + "-abcde"), "namespace": "shop",
                "labels": ["kubernetes.io/service-name": .string(service)],
            ],
            "ports": ports, "endpoints": .array(endpoints),
        ]
    }

    @Test func readyEndpointsBackTheirNamedPort() throws {
        let web = Self.service(
            "web",
            spec: [
                "type": "NodePort", "clusterIP": "10.96.0.20", "clusterIPs": ["10.96.0.20"],
                "sessionAffinity": "ClientIP",
                "ports": [
                    ["name": "http", "port": 80, "protocol": "TCP", "nodePort": 30080, "targetPort": 8080],
                    ["name": "dns", "port": 53, "protocol": "UDP", "nodePort": 30053, "targetPort": 5353],
                ],
            ])
        let slice = Self.slice(
            "web",
            ports: [
                ["name": "http", "port": 8080, "protocol": "TCP"], ["name": "dns", "port": 5353, "protocol": "UDP"],
            ],
            endpoints: [
                Self.endpoint("10.244.1.3"), Self.endpoint("10.244.0.2", ready: nil),
                Self.endpoint("10.244.2.9", ready: false), Self.endpoint("10.244.2.8", terminating: true),
            ])
        let other = Self.slice(
            "db", ports: [["name": "http", "port": 1, "protocol": "TCP"]], endpoints: [Self.endpoint("10.9.9.9")])
        let entries = KubeDiscovery.services([web], slices: [slice, other])
        let entry = try #require(entries.first)
        #expect(entry.kind == .nodePort && entry.clusterIPs == ["10.96.0.20"] && !entry.isHeadless)
        #expect(entry.clientIPAffinitySeconds == KubeDiscovery.defaultAffinitySeconds)
        #expect(entry.ports.map(\.nodePort) == [30080, 30053])
        #expect(
            entry.ports[0].backends.map(\.ip) == ["10.244.0.2", "10.244.1.3"], "not ready and terminating left out")
        #expect(entry.ports[0].backends.allSatisfy { $0.port == 8080 })
        #expect(entry.ports[1].protocol == .udp && entry.ports[1].backends.first?.port == 5353)
    }

    @Test func headlessPublishingNotReadyAndLoadBalancer() throws {
        let db = Self.service(
            "db",
            spec: [
                "clusterIP": "None", "publishNotReadyAddresses": true,
                "ports": [["name": "sql", "port": 5432, "protocol": "TCP"]],
            ])
        let slice = Self.slice(
            "db", ports: [["name": "sql", "port": 5432, "protocol": "TCP"]],
            endpoints: [Self.endpoint("10.244.1.4", ready: false, hostname: "db-0")])
        let front = Self.service(
            "front",
            spec: [
                "type": "LoadBalancer", "clusterIP": "10.96.0.30", "sessionAffinity": "ClientIP",
                "sessionAffinityConfig": ["clientIP": ["timeoutSeconds": 60]],
                "ports": [["name": "", "port": 80, "protocol": "TCP"]],
            ],
            status: ["loadBalancer": ["ingress": [["ip": "172.31.0.2"], ["hostname": "lb.example"]]]])
        let away = Self.service("away", spec: ["type": "ExternalName", "externalName": "db.example.org"])
        let entries = KubeDiscovery.services([front, db, away], slices: [slice])
        #expect(entries.map(\.name) == ["away", "db", "front"])
        #expect(entries[0].kind == .externalName && entries[0].externalName == "db.example.org")
        #expect(!entries[0].isHeadless && entries[0].clusterIPs.isEmpty)
        #expect(entries[1].isHeadless && entries[1].ports[0].backends.first?.hostname == "db-0")
        #expect(entries[2].loadBalancerIPs == ["172.31.0.2"] && entries[2].clientIPAffinitySeconds == 60)
        #expect(entries[2].ports[0].backends.isEmpty)
    }

    @Test func runningPodsWithAddresses() {
        let pods: [JSON] = [
            ["metadata": ["name": "b", "namespace": "shop"], "status": ["phase": "Running", "podIP": "10.244.1.5"]],
            ["metadata": ["name": "a", "namespace": "shop"], "status": ["phase": "Pending"]],
            [
                "metadata": ["name": "c", "namespace": "shop"],
                "status": ["phase": "Succeeded", "podIP": "10.244.1.6"],
            ],
        ]
        #expect(KubeDiscovery.pods(pods) == [PodEntry(namespace: "shop", name: "b", ip: "10.244.1.5")])
    }
}
