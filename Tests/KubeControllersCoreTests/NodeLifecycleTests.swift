import KubeTypes
import Testing

@testable import KubeControllersCore

@Suite struct NodeLifecycleTests {
    typealias F = Fixture
    static let now = Fixture.epoch + 1000

    static func readyNode(_ name: String, taints: [NodeTaint] = []) -> JSON {
        var node = F.node(name, taints: taints)
        node[path: ["status", "conditions"]] = [
            [
                "type": "Ready", "status": "True", "reason": "AgentRegistered", "message": "registered",
                "lastHeartbeatTime": .string(F.time(0)), "lastTransitionTime": .string(F.time(0)),
            ]
        ]
        return node
    }

    static func lease(_ node: String, renewedAt seconds: Int64) -> JSON {
        [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": ["name": .string(node), "namespace": "kube-node-lease"],
            "spec": [
                "holderIdentity": .string(node),
                "renewTime": .string(Timestamp.formatMicro((Fixture.epoch + seconds) * 1_000_000)),
            ],
        ]
    }

    static func pod(_ name: String, node: String, tolerations: [JSON] = []) -> JSON {
        var pod = F.pod(name, node: node, readySince: 0)
        if !tolerations.isEmpty { pod[path: ["spec", "tolerations"]] = .array(tolerations) }
        return pod
    }

    static func pass(
        nodes: [JSON], leases: [JSON] = [], pods: [JSON] = [], now: Int64 = now, clock: [String: Int64] = [:]
    ) -> NodeLifecyclePass {
        NodeLifecycle.pass(nodes: nodes, leases: leases, pods: pods, now: now, evictionClock: clock)
    }

    static func statusUpdate(_ pass: NodeLifecyclePass) -> JSON? {
        for case .updateNodeStatus(let node) in pass.actions { return node }
        return nil
    }

    static func taints(_ pass: NodeLifecyclePass) -> [String]? {
        for case .updateNodeTaints(let node) in pass.actions {
            return (node[path: ["spec", "taints"]]?.arrayValue ?? []).map {
                "\($0["key"]?.stringValue ?? ""):\($0["effect"]?.stringValue ?? "")"
            }
        }
        return nil
    }

    static func evicted(_ pass: NodeLifecyclePass) -> [String] {
        pass.actions.compactMap { if case .evictPod(let pod, _) = $0 { pod.name } else { nil } }
    }

    @Test func aStaleLeaseWithPodsMakesTheNodeUnknownTaintedAndItsPodsNotReady() throws {
        let pass = Self.pass(
            nodes: [Self.readyNode("n1")], leases: [Self.lease("n1", renewedAt: 940)], pods: [Self.pod("p", node: "n1")]
        )
        let node = try #require(Self.statusUpdate(pass))
        let ready = try #require(node[path: ["status", "conditions"]]?.arrayValue?.first)
        #expect(ready["status"] == "Unknown")
        #expect(ready["reason"] == "NodeStatusUnknown")
        #expect(ready["message"] == "Kubelet stopped posting node status.")
        #expect(
            Self.taints(pass) == [
                "node.kubernetes.io/unreachable:NoSchedule", "node.kubernetes.io/unreachable:NoExecute",
            ])
        let notReady = pass.actions.compactMap { if case .markPodNotReady(let pod) = $0 { pod } else { nil } }
        #expect(notReady.count == 1)
        #expect(notReady.first?[path: ["status", "conditions"]]?.arrayValue?.first?["status"] == "False")
        #expect(
            pass.actions.contains {
                if case .recordNodeEvent(_, let e) = $0 { e.reason == "NodeNotReady" } else { false }
            })
        // The pod tolerates nothing, so the NoExecute taint evicts it straight away.
        #expect(Self.evicted(pass) == ["p"])
    }

    @Test func withinTheGracePeriodOrWithoutLeaseOrPodsNothingHappens() {
        let fresh = Self.pass(
            nodes: [Self.readyNode("n1")], leases: [Self.lease("n1", renewedAt: 951)], pods: [Self.pod("p", node: "n1")]
        )
        #expect(fresh.actions.isEmpty)
        let noLease = Self.pass(nodes: [Self.readyNode("n1")], pods: [Self.pod("p", node: "n1")])
        #expect(noLease.actions.isEmpty)
        // The kubelet executor may have ended with the node's last pod; the agent is still there.
        let idle = Self.pass(nodes: [Self.readyNode("n1")], leases: [Self.lease("n1", renewedAt: 0)])
        #expect(idle.actions.isEmpty)
    }

    @Test func aFreshLeaseAgainRestoresReadyAndLiftsTheTaints() throws {
        var node = Self.readyNode("n1")
        node[path: ["status", "conditions"]] = [
            [
                "type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown",
                "message": "Kubelet stopped posting node status.",
            ]
        ]
        node[path: ["spec", "taints"]] = [
            ["key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"],
            ["key": "node.kubernetes.io/unreachable", "effect": "NoExecute"], ["key": "mine", "effect": "NoSchedule"],
        ]
        let pass = Self.pass(
            nodes: [node], leases: [Self.lease("n1", renewedAt: 995)], pods: [Self.pod("p", node: "n1")])
        let restored = try #require(Self.statusUpdate(pass))
        #expect(restored[path: ["status", "conditions"]]?.arrayValue?.first?["status"] == "True")
        #expect(Self.taints(pass) == ["mine:NoSchedule"])
        #expect(Self.evicted(pass).isEmpty)
    }

    @Test func aCordonedNodeGetsTheUnschedulableTaintUntilUncordoned() throws {
        var cordoned = Self.readyNode("n1")
        cordoned[path: ["spec", "unschedulable"]] = true
        let pass = Self.pass(nodes: [cordoned])
        #expect(Self.taints(pass) == ["node.kubernetes.io/unschedulable:NoSchedule"])
        var tainted: JSON?
        for case .updateNodeTaints(let node) in pass.actions { tainted = node }
        var node = try #require(tainted)
        #expect(node[path: ["spec", "taints"]]?.arrayValue?.first?["timeAdded"] == nil)
        #expect(Self.pass(nodes: [node]).actions.isEmpty, "the taint is not added twice")
        node[path: ["spec", "unschedulable"]] = false
        #expect(Self.taints(Self.pass(nodes: [node])) == [])
    }

    @Test func aNodeTheSchedulerReportedLostIsTaintedButNotRestoredByTheLifecycleController() throws {
        var node = Self.readyNode("n1")
        node[path: ["status", "conditions"]] = [
            [
                "type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown",
                "message": "Mesos reports the agent lost.",
            ]
        ]
        let pass = Self.pass(nodes: [node], leases: [Self.lease("n1", renewedAt: 999)])
        #expect(Self.statusUpdate(pass) == nil)
        #expect(
            Self.taints(pass) == [
                "node.kubernetes.io/unreachable:NoSchedule", "node.kubernetes.io/unreachable:NoExecute",
            ])
    }

    @Test func tolerationSecondsDelayEvictionAndForeverKeepsThePod() {
        let node = Self.readyNode("n1", taints: [NodeTaint(key: "maintenance", effect: "NoExecute")])
        let briefly = Self.pod(
            "brief", node: "n1",
            tolerations: [
                ["key": "maintenance", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300]
            ])
        let forever = Self.pod("daemon", node: "n1", tolerations: [["key": "maintenance", "operator": "Exists"]])
        let first = Self.pass(nodes: [node], pods: [briefly, forever])
        #expect(Self.evicted(first).isEmpty)
        #expect(first.evictionClock == ["uid-brief": Self.now])
        let early = Self.pass(nodes: [node], pods: [briefly, forever], now: Self.now + 299, clock: first.evictionClock)
        #expect(Self.evicted(early).isEmpty)
        let due = Self.pass(nodes: [node], pods: [briefly, forever], now: Self.now + 300, clock: early.evictionClock)
        #expect(Self.evicted(due) == ["brief"])
        let event = due.actions.compactMap { if case .recordPodEvent(_, let e) = $0 { e } else { nil } }.first
        #expect(event?.reason == "TaintManagerEviction")
        #expect(event?.message == "Marking for deletion Pod default/brief")
        // Taint gone: the clock forgets the pod.
        #expect(
            Self.pass(nodes: [Self.readyNode("n1")], pods: [briefly], clock: first.evictionClock).evictionClock.isEmpty)
    }

    @Test func minTolerationSecondsFollowsUpstream() {
        let timed = PodToleration(json: ["operator": "Exists", "tolerationSeconds": 30])
        let negative = PodToleration(json: ["operator": "Exists", "tolerationSeconds": -5])
        let forever = PodToleration(json: ["operator": "Exists"])
        #expect(NodeLifecycle.minTolerationSeconds([]) == 0)
        #expect(NodeLifecycle.minTolerationSeconds([forever]) == nil)
        #expect(NodeLifecycle.minTolerationSeconds([forever, timed]) == 30)
        #expect(NodeLifecycle.minTolerationSeconds([timed, negative]) == 0)
    }
}
