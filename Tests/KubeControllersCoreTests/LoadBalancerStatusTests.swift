import KubeTypes
import Testing

@testable import KubeControllersCore

@Suite struct LoadBalancerStatusTests {
    static func node(_ name: String, ip: String, ready: Bool = true, unschedulable: Bool = false) -> JSON {
        [
            "metadata": ["name": .string(name)],
            "spec": ["unschedulable": .bool(unschedulable)],
            "status": [
                "addresses": [
                    ["type": "Hostname", "address": .string(name)], ["type": "InternalIP", "address": .string(ip)],
                ],
                "conditions": [["type": "Ready", "status": ready ? "True" : "False"]],
            ],
        ]
    }

    static func service(type: String, ingress: JSON? = nil) -> JSON {
        var service: JSON = ["metadata": ["name": "front", "namespace": "default"], "spec": ["type": .string(type)]]
        if let ingress { service["status"] = ["loadBalancer": ["ingress": ingress]] }
        return service
    }

    @Test func readyNodesAddressesBecomeTheIngress() throws {
        let nodes = [
            Self.node("b", ip: "172.31.0.3"), Self.node("a", ip: "172.31.0.2"),
            Self.node("c", ip: "172.31.0.4", ready: false),
            Self.node("d", ip: "172.31.0.5", unschedulable: true), Self.node("e", ip: "172.31.0.2"),
        ]
        let updated = try #require(LoadBalancerStatus.update(service: Self.service(type: "LoadBalancer"), nodes: nodes))
        let ingress = updated[path: ["status", "loadBalancer", "ingress"]]?.arrayValue ?? []
        #expect(ingress.compactMap { $0["ip"]?.stringValue } == ["172.31.0.2", "172.31.0.3"])
        #expect(ingress.allSatisfy { $0["ipMode"]?.stringValue == "VIP" })
        #expect(LoadBalancerStatus.update(service: updated, nodes: nodes) == nil, "nothing to do once written")
    }

    @Test func otherTypesLoseTheirIngress() throws {
        let stale = Self.service(type: "ClusterIP", ingress: [["ip": "172.31.0.2", "ipMode": "VIP"]])
        let cleared = try #require(LoadBalancerStatus.update(service: stale, nodes: [Self.node("a", ip: "172.31.0.2")]))
        #expect(cleared[path: ["status", "loadBalancer"]] == .emptyObject)
        #expect(LoadBalancerStatus.update(service: Self.service(type: "NodePort"), nodes: []) == nil)
    }
}
