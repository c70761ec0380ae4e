import KubeTypes
import Testing

@testable import KubeSchedulerCore

@Suite struct FitErrorTests {
    typealias F = Fixture

    @Test func reasonsAreCountedAndSortedAsStrings() {
        var diagnosis = Diagnosis()
        diagnosis.nodeStatuses = [
            "n1": .unschedulable("NodeResourcesFit", "Insufficient memory"),
            "n2": .unresolvable("NodeAffinity", FilterReason.nodeAffinity),
            "n3": .unresolvable("NodeAffinity", FilterReason.nodeAffinity),
        ]
        #expect(
            diagnosis.fitErrorMessage(numAllNodes: 3)
                == "0/3 nodes are available: 1 Insufficient memory, 2 node(s) didn't match Pod's node affinity/selector."
        )
    }

    @Test func sortingIsLexicalSoTenComesBeforeTwo() {
        var diagnosis = Diagnosis()
        for index in 0..<10 {
            diagnosis.nodeStatuses["a\(index)"] = .unschedulable("NodePorts", FilterReason.nodePorts)
        }
        for index in 0..<2 {
            diagnosis.nodeStatuses["b\(index)"] = .unschedulable("NodeResourcesFit", "Insufficient cpu")
        }
        #expect(
            diagnosis.fitErrorMessage(numAllNodes: 12)
                == "0/12 nodes are available: 10 node(s) didn't have free ports for the requested pod ports, 2 Insufficient cpu."
        )
    }

    @Test func oneNodeWithSeveralReasonsCountsEach() {
        var diagnosis = Diagnosis()
        diagnosis.nodeStatuses["n1"] = .unschedulable("NodeResourcesFit", "Insufficient cpu", "Insufficient memory")
        #expect(
            diagnosis.fitErrorMessage(numAllNodes: 1)
                == "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.")
    }

    @Test func absentNodesShareOneStatusAndPreFilterAndPostFilterMessagesFrameTheReasons() {
        var diagnosis = Diagnosis()
        diagnosis.nodeStatuses["n1"] = .unschedulable("NodePorts", FilterReason.nodePorts)
        diagnosis.absentNodesStatus = .unresolvable(
            "NodeAffinity", FilterReason.outsidePreFilterResult(["NodeAffinity"]))
        diagnosis.postFilterMessage =
            "preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling."
        // The exact text of a real FailedScheduling event of a DaemonSet pod.
        #expect(
            diagnosis.fitErrorMessage(numAllNodes: 3)
                == "0/3 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, "
                + "2 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: 0/3 nodes are available: "
                + "1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.")
        var preFiltered = Diagnosis()
        preFiltered.preFilterMessage = FilterReason.nodeAffinityConflict
        #expect(preFiltered.fitErrorMessage(numAllNodes: 2) == "0/2 nodes are available: pod affinity terms conflict.")
    }

    // MARK: - Messages from whole cycles

    @Test func aPodTooBigForEveryNode() {
        let nodes = (1...3).map { F.node("n\($0)", cpu: 4000) }
        let outcome = F.schedule([F.pod("huge", cpu: "8")], on: nodes)
        #expect(outcome.assignments.isEmpty)
        #expect(
            outcome.failure(of: "default/huge")?.message
                == "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: "
                + "3 Preemption is not helpful for scheduling.")
    }

    @Test func aPodThatOnlyLacksOfferedRoomGetsNoVictims() {
        let nodes = (1...3).map { F.node("n\($0)", offeredCPU: 100) }
        let outcome = F.schedule([F.pod("p", cpu: "200m")], on: nodes)
        #expect(
            outcome.failure(of: "default/p")?.message
                == "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: "
                + "3 No preemption victims found for incoming pod.")
    }

    @Test func mixedReasonsAcrossNodes() {
        let nodes = [
            F.node("n1", memory: F.gi, labels: ["disk": "ssd"]), F.node("n2", labels: ["disk": "hdd"]),
            F.node("n3"),
        ]
        let pod = F.with(F.pod("p", memory: "2Gi"), ["nodeSelector"], ["disk": "ssd"])
        #expect(
            F.schedule([pod], on: nodes).failure(of: "default/p")?.message
                == "0/3 nodes are available: 1 Insufficient memory, 2 node(s) didn't match Pod's node affinity/selector. "
                + "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")
    }

    @Test func preemptionPolicyNeverIsSaid() {
        let nodes = [F.node("n1", cpu: 1000, boundPods: [F.pod("low", cpu: "1")])]
        let pod = F.with(F.pod("p", cpu: "500m", priority: 10), ["preemptionPolicy"], "Never")
        #expect(
            F.schedule([pod], on: nodes).failure(of: "default/p")?.message
                == "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never."
        )
    }

    @Test func pinnedToMissingNodesAndContradictoryPins() {
        let nodes = [F.node("n1"), F.node("n2")]
        func pinned(_ terms: [[String]]) -> JSON {
            let json = terms.map { names -> JSON in
                ["matchFields": [F.expression("metadata.name", "In", names)]]
            }
            return F.with(
                F.pod("p"), ["affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"],
                ["nodeSelectorTerms": .array(json)])
        }
        let toGone = F.schedule([pinned([["gone"]])], on: nodes).failure(of: "default/p")?.message
        #expect(
            toGone == "0/2 nodes are available: 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. "
                + "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.")
        let both = F.with(
            F.pod("p"), ["affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"],
            [
                "nodeSelectorTerms": [
                    [
                        "matchFields": [
                            F.expression("metadata.name", "In", ["n1"]), F.expression("metadata.name", "In", ["n2"]),
                        ]
                    ]
                ]
            ])
        #expect(
            F.schedule([both], on: nodes).failure(of: "default/p")?.message
                == "0/2 nodes are available: pod affinity terms conflict. "
                + "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.")
        #expect(F.schedule([pinned([["n2"]])], on: nodes).nodeName(of: "default/p") == "n2")
    }

    @Test func noNodesAtAll() {
        #expect(
            F.schedule([F.pod("p")], on: []).failure(of: "default/p")?.message == "no nodes available to schedule pods")
    }
}
