import KubeTypes
import Testing

@testable import KubeletCore

@Suite("Routes to other nodes' pod networks")
struct PodRoutesTests {
    static func node(_ name: String, cidr: String?, ip: String?) -> JSON {
        var addresses: [JSON] = [["type": "Hostname", "address": .string(name)]]
        if let ip { addresses.insert(["type": "InternalIP", "address": .string(ip)], at: 0) }
        var spec: JSON = .emptyObject
        if let cidr { spec = ["podCIDR": .string(cidr)] }
        return [
            "apiVersion": "v1", "kind": "Node", "metadata": ["name": .string(name)], "spec": spec,
            "status": ["addresses": .array(addresses)],
        ]
    }

    @Test("one route per other node with a pod CIDR and an InternalIP; nodes of this host are reached directly")
    func plan() {
        let nodes = [
            Self.node("c", cidr: "10.244.3.0/24", ip: "192.168.1.13"),
            Self.node("a", cidr: "10.244.1.0/24", ip: "192.168.1.11"),
            Self.node("b", cidr: "10.244.2.0/24", ip: "192.168.1.12"),
            Self.node("a2", cidr: "10.244.4.0/24", ip: "192.168.1.11"),
            Self.node("no-cidr", cidr: nil, ip: "192.168.1.20"),
            Self.node("no-ip", cidr: "10.244.5.0/24", ip: nil),
            Self.node("bad", cidr: "10.244.6.1/24", ip: "192.168.1.21"),
        ]
        let plan = PodRoutes.plan(nodes: nodes, nodeName: "a", localAddresses: ["192.168.1.11", "127.0.0.1"])
        #expect(
            plan.routes == [
                PodRoute(destination: "10.244.2.0/24", gateway: "192.168.1.12"),
                PodRoute(destination: "10.244.3.0/24", gateway: "192.168.1.13"),
            ])
        #expect(plan.conflicts.isEmpty)
    }

    @Test("a pod CIDR overlapping this node's or an earlier node's gets no route and is reported")
    func conflicts() {
        let nodes = [
            Self.node("a", cidr: "10.244.1.0/24", ip: "192.168.1.11"),
            Self.node("b", cidr: "10.244.0.0/16", ip: "192.168.1.12"),
            Self.node("c", cidr: "10.244.2.0/24", ip: "192.168.1.13"),
            Self.node("d", cidr: "10.244.2.0/24", ip: "192.168.1.14"),
        ]
        let plan = PodRoutes.plan(nodes: nodes, nodeName: "a", localAddresses: ["192.168.1.11"])
        #expect(plan.routes == [PodRoute(destination: "10.244.2.0/24", gateway: "192.168.1.13")])
        #expect(plan.conflicts == ["b", "d"])
    }

    @Test("changes add new routes, move a CIDR to its node's new address, and remove routes of gone nodes")
    func changes() {
        let installed = [
            PodRoute(destination: "10.244.2.0/24", gateway: "192.168.1.12"),
            PodRoute(destination: "10.244.3.0/24", gateway: "192.168.1.13"),
            PodRoute(destination: "10.244.9.0/24", gateway: "192.168.1.19"),
        ]
        let desired = [
            PodRoute(destination: "10.244.2.0/24", gateway: "192.168.1.12"),
            PodRoute(destination: "10.244.3.0/24", gateway: "192.168.1.33"),
            PodRoute(destination: "10.244.4.0/24", gateway: "192.168.1.14"),
        ]
        let (replace, remove) = PodRoutes.changes(desired: desired, installed: installed)
        #expect(replace.map(\.description) == ["10.244.3.0/24 via 192.168.1.33", "10.244.4.0/24 via 192.168.1.14"])
        #expect(remove.map(\.description) == ["10.244.9.0/24 via 192.168.1.19"])
        #expect(PodRoutes.changes(desired: desired, installed: desired) == ([], []))
    }
}
