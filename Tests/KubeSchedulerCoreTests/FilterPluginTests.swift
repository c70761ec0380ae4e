import KubeTypes
import Testing

@testable import KubeSchedulerCore

@Suite struct FilterPluginTests {
    typealias F = Fixture

    // MARK: - NodeName and NodeUnschedulable

    @Test func nodeNameConfinesThePodToItsNode() {
        let pod = F.with(F.pod("p"), ["nodeName"], "n2")
        let nodes = [F.node("n1"), F.node("n2")]
        #expect(F.filter(pod, on: "n1", in: nodes) == .unresolvable("NodeName", FilterReason.nodeName))
        #expect(F.filter(pod, on: "n2", in: nodes) == nil)
    }

    @Test func cordonedNodesTakeOnlyPodsToleratingTheUnschedulableTaint() {
        let nodes = [F.node("n1", unschedulable: true)]
        #expect(
            F.filter(F.pod("p"), on: "n1", in: nodes)
                == .unresolvable("NodeUnschedulable", "node(s) were unschedulable"))
        let tolerant = F.with(
            F.pod("p"), ["tolerations"],
            [["key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"]])
        #expect(F.filter(tolerant, on: "n1", in: nodes) == nil)
    }

    // MARK: - TaintToleration

    @Test func untoleratedNoScheduleTaintIsNamedInTheReason() {
        let nodes = [
            F.node("n1", taints: [Taint(key: "dedicated", value: "gpu", effect: .noSchedule)])
        ]
        #expect(
            F.filter(F.pod("p"), on: "n1", in: nodes)
                == .unresolvable("TaintToleration", "node(s) had untolerated taint {dedicated: gpu}"))
    }

    @Test func tolerationOperators() {
        let nodes = [
            F.node(
                "n1",
                taints: [
                    Taint(key: "dedicated", value: "gpu", effect: .noSchedule),
                    Taint(key: "flaky", effect: .noExecute),
                    Taint(key: "soft", effect: .preferNoSchedule),
                ])
        ]
        let equal: JSON = ["key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"]
        let wrongValue: JSON = ["key": "dedicated", "value": "cpu"]
        let exists: JSON = ["key": "flaky", "operator": "Exists"]
        let wrongEffect: JSON = ["key": "flaky", "operator": "Exists", "effect": "NoSchedule"]
        let everything: JSON = ["operator": "Exists"]
        #expect(F.filter(F.with(F.pod("p"), ["tolerations"], [equal, exists]), on: "n1", in: nodes) == nil)
        #expect(
            F.filter(F.with(F.pod("p"), ["tolerations"], [wrongValue, exists]), on: "n1", in: nodes)?.reasons
                == ["node(s) had untolerated taint {dedicated: gpu}"])
        #expect(
            F.filter(F.with(F.pod("p"), ["tolerations"], [equal, wrongEffect]), on: "n1", in: nodes)?.reasons
                == ["node(s) had untolerated taint {flaky: }"])
        #expect(F.filter(F.with(F.pod("p"), ["tolerations"], [everything]), on: "n1", in: nodes) == nil)
    }

    // MARK: - NodeAffinity

    static func requiring(_ terms: [JSON]) -> JSON {
        F.with(
            F.pod("p"), ["affinity"],
            ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": ["nodeSelectorTerms": .array(terms)]]])
    }

    @Test func nodeSelectorMustMatchEveryLabel() {
        let nodes = [F.node("n1", labels: ["disk": "ssd", "zone": "a"]), F.node("n2", labels: ["disk": "hdd"])]
        let pod = F.with(F.pod("p"), ["nodeSelector"], ["disk": "ssd"])
        #expect(F.filter(pod, on: "n1", in: nodes) == nil)
        #expect(F.filter(pod, on: "n2", in: nodes) == .unresolvable("NodeAffinity", FilterReason.nodeAffinity))
    }

    @Test func matchExpressionOperators() {
        let node = F.node("n1", labels: ["zone": "a", "cores": "16"])
        let cases: [(JSON, Bool)] = [
            (F.expression("zone", "In", ["a", "b"]), true),
            (F.expression("zone", "In", ["b"]), false),
            (F.expression("zone", "NotIn", ["b"]), true),
            (F.expression("missing", "NotIn", ["b"]), true),
            (F.expression("zone", "Exists"), true),
            (F.expression("missing", "Exists"), false),
            (F.expression("missing", "DoesNotExist"), true),
            (F.expression("zone", "DoesNotExist"), false),
            (F.expression("cores", "Gt", ["8"]), true),
            (F.expression("cores", "Gt", ["16"]), false),
            (F.expression("cores", "Lt", ["32"]), true),
            (F.expression("zone", "Lt", ["32"]), false),
            (F.expression("missing", "Gt", ["1"]), false),
        ]
        for (expression, fits) in cases {
            let pod = Self.requiring([["matchExpressions": [expression]]])
            #expect((F.filter(pod, on: "n1", in: [node]) == nil) == fits, "\(expression)")
        }
    }

    @Test func termsAreOredAndExpressionsWithinATermAnded() {
        let node = F.node("n1", labels: ["zone": "a", "disk": "ssd"])
        let both: JSON = ["matchExpressions": [F.expression("zone", "In", ["a"]), F.expression("disk", "In", ["hdd"])]]
        let other: JSON = ["matchExpressions": [F.expression("disk", "In", ["ssd"])]]
        #expect(F.filter(Self.requiring([both]), on: "n1", in: [node]) != nil)
        #expect(F.filter(Self.requiring([both, other]), on: "n1", in: [node]) == nil)
        #expect(F.filter(Self.requiring([[:]]), on: "n1", in: [node]) != nil, "an empty term matches nothing")
    }

    @Test func matchFieldsOnTheNodeName() {
        let nodes = [F.node("n1"), F.node("n2")]
        let pod = Self.requiring([["matchFields": [F.expression("metadata.name", "NotIn", ["n1"])]]])
        #expect(F.filter(pod, on: "n1", in: nodes) != nil)
        #expect(F.filter(pod, on: "n2", in: nodes) == nil)
    }

    // MARK: - NodePorts

    @Test func hostPortsConflictWithPodsOnTheNode() {
        let existing = F.hostPort(F.pod("web"), 31080)
        let nodes = [F.node("n1", boundPods: [existing])]
        let reason = NodeStatus.unschedulable("NodePorts", FilterReason.nodePorts)
        #expect(F.filter(F.hostPort(F.pod("p"), 31080), on: "n1", in: nodes) == reason)
        #expect(F.filter(F.hostPort(F.pod("p"), 31081), on: "n1", in: nodes) == nil)
        #expect(F.filter(F.hostPort(F.pod("p"), 31080, ip: "10.0.0.1"), on: "n1", in: nodes) == reason)
    }

    @Test func specificHostIPsDoNotConflictWithEachOther() {
        let nodes = [F.node("n1", boundPods: [F.hostPort(F.pod("web"), 31080, ip: "10.0.0.1")])]
        #expect(F.filter(F.hostPort(F.pod("p"), 31080, ip: "10.0.0.2"), on: "n1", in: nodes) == nil)
        #expect(F.filter(F.hostPort(F.pod("p"), 31080), on: "n1", in: nodes) != nil)
    }

    @Test func hostPortsMustBeOffered() {
        let nodes = [F.node("n1", ports: [PortRange(31000, 31010)])]
        #expect(F.filter(F.hostPort(F.pod("p"), 31010), on: "n1", in: nodes) == nil)
        #expect(F.filter(F.hostPort(F.pod("p"), 8080), on: "n1", in: nodes)?.reasons == [FilterReason.nodePorts])
    }

    // MARK: - NodeResourcesFit

    @Test func requestsCountAgainstAllocatableMinusBoundPods() {
        let nodes = [F.node("n1", cpu: 1000, memory: F.gi, boundPods: [F.pod("big", cpu: "700m", memory: "512Mi")])]
        #expect(F.filter(F.pod("p", cpu: "300m", memory: "512Mi"), on: "n1", in: nodes) == nil)
        let status = F.filter(F.pod("p", cpu: "301m", memory: "513Mi"), on: "n1", in: nodes)
        #expect(status == .unschedulable("NodeResourcesFit", "Insufficient cpu", "Insufficient memory"))
    }

    @Test func aRequestLargerThanTheNodeIsUnresolvable() {
        let nodes = [F.node("n1", cpu: 1000)]
        #expect(F.filter(F.pod("p", cpu: "2"), on: "n1", in: nodes)?.code == .unresolvable)
    }

    @Test func theOfferLimitsWhatFitsEvenWhenAllocatableWouldAllowIt() {
        let nodes = [F.node("n1", cpu: 4000, memory: 8 * F.gi, offeredCPU: 500, offeredMemory: F.gi)]
        #expect(F.filter(F.pod("p", cpu: "500m", memory: "1Gi"), on: "n1", in: nodes) == nil)
        let status = F.filter(F.pod("p", cpu: "600m", memory: "2Gi"), on: "n1", in: nodes)
        #expect(status == .unschedulable("NodeResourcesFit", "Insufficient cpu", "Insufficient memory"))
    }

    @Test func tooManyPodsAndMissingOffer() {
        let full = [F.node("n1", pods: 1, boundPods: [F.pod("a")])]
        #expect(F.filter(F.pod("p"), on: "n1", in: full)?.reasons == ["Too many pods"])
        let unoffered = [F.node("n1", offer: false)]
        #expect(F.filter(F.pod("p"), on: "n1", in: unoffered)?.reasons == [FilterReason.noOffer])
    }

    @Test func zeroRequestPodsFitAnyOffer() {
        let nodes = [F.node("n1", offeredCPU: 0, offeredMemory: 0)]
        #expect(F.filter(F.pod("p"), on: "n1", in: nodes) == nil)
    }

    @Test func filtersRunInUpstreamOrderAndTheFirstFailureDecides() {
        let nodes = [
            F.node("n1", cpu: 100, taints: [Taint(key: "k", value: "v", effect: .noSchedule)], unschedulable: true)
        ]
        #expect(F.filter(F.pod("p", cpu: "1"), on: "n1", in: nodes)?.plugin == "NodeUnschedulable")
    }
    @Test func ephemeralStorageCountsAgainstAllocatableAndTheOfferedDisk() {
        let pod: JSON = [
            "metadata": ["name": "p", "namespace": "default"],
            "spec": ["containers": [["name": "c", "resources": ["requests": ["ephemeral-storage": "200Gi"]]]]],
        ]
        let status = F.filter(pod, on: "n1", in: [F.node("n1")])
        #expect(status == .unresolvable("NodeResourcesFit", "Insufficient ephemeral-storage"))
    }
}
