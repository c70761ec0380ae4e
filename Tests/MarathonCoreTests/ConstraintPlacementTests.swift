import MesosModel
import Testing

@testable import MarathonCore

@Suite struct ConstraintPlacementTests {
    func agent(_ host: String, _ attributes: [String: String] = [:]) -> AgentFacts {
        AgentFacts(
            hostname: host,
            attributes: attributes.sorted { $0.key < $1.key }.map {
                Attribute(name: $0.key, type: .text, text: Attribute.Text(value: $0.value))
            })
    }

    func constraint(_ field: String, _ op: PlacementConstraint.Operator, _ value: String? = nil) -> PlacementConstraint
    {
        PlacementConstraint(field: field, operator: op, value: value)
    }

    @Test func uniqueHostnameSpreadsInstances() {
        let unique = constraint("hostname", .unique)
        #expect(unique.accepts(agent("a"), placed: []))
        #expect(!unique.accepts(agent("a"), placed: [agent("a")]))
        #expect(unique.accepts(agent("b"), placed: [agent("a")]))
        #expect(constraint("@hostname", .unique).accepts(agent("b"), placed: [agent("a")]))
        let rack = constraint("rack", .unique)
        #expect(!rack.accepts(agent("b", ["rack": "1"]), placed: [agent("a", ["rack": "1"])]))
    }

    @Test func clusterWithAndWithoutValue() {
        let fixed = constraint("rack", .cluster, "r1")
        #expect(fixed.accepts(agent("a", ["rack": "r1"]), placed: []))
        #expect(!fixed.accepts(agent("a", ["rack": "r2"]), placed: []))
        let follow = constraint("rack", .cluster)
        #expect(follow.accepts(agent("a", ["rack": "r2"]), placed: []))
        #expect(follow.accepts(agent("b", ["rack": "r2"]), placed: [agent("a", ["rack": "r2"])]))
        #expect(!follow.accepts(agent("b", ["rack": "r1"]), placed: [agent("a", ["rack": "r2"])]))
    }

    @Test func groupBySpreadsEvenly() {
        let groupBy = constraint("zone", .groupBy, "3")
        let placed = [agent("a", ["zone": "z1"]), agent("b", ["zone": "z2"])]
        // Only two of three zones used: the third (empty) zone is the minimum, so z1 must wait.
        #expect(!groupBy.accepts(agent("c", ["zone": "z1"]), placed: placed))
        #expect(groupBy.accepts(agent("c", ["zone": "z3"]), placed: placed))
        let all = placed + [agent("c", ["zone": "z3"])]
        #expect(groupBy.accepts(agent("d", ["zone": "z1"]), placed: all))
        #expect(!groupBy.accepts(agent("d", ["zone": "z1"]), placed: all + [agent("e", ["zone": "z1"])]))
        let open = constraint("zone", .groupBy)
        #expect(open.accepts(agent("c", ["zone": "z9"]), placed: placed))
        #expect(open.accepts(agent("c", ["zone": "z1"]), placed: placed))
    }

    @Test func likeAndUnlikeMatchWholeValues() {
        let like = constraint("rack", .like, "rack-[12]")
        #expect(like.accepts(agent("a", ["rack": "rack-1"]), placed: []))
        #expect(!like.accepts(agent("a", ["rack": "rack-12"]), placed: []))
        let unlike = constraint("hostname", .unlike, "db.*")
        #expect(unlike.accepts(agent("web1"), placed: []))
        #expect(!unlike.accepts(agent("db1"), placed: []))
        #expect(constraint("rack", .like, ".*").accepts(agent("a", ["rack": ""]), placed: []))
    }

    @Test func agentsLackingTheFieldOnlyPassUnlike() {
        let bare = agent("a")
        for op in [PlacementConstraint.Operator.unique, .cluster, .groupBy, .like, .maxPer, .is] {
            #expect(!constraint("rack", op, op == .unique || op == .groupBy ? nil : "1").accepts(bare, placed: []))
        }
        #expect(constraint("rack", .unlike, "r1").accepts(bare, placed: []))
    }

    @Test func maxPerLimitsInstancesPerValue() {
        let maxPer = constraint("hostname", .maxPer, "2")
        #expect(maxPer.accepts(agent("a"), placed: [agent("a")]))
        #expect(!maxPer.accepts(agent("a"), placed: [agent("a"), agent("a")]))
        #expect(maxPer.accepts(agent("b"), placed: [agent("a"), agent("a")]))
    }

    @Test func isComparesTextExactlyAndScalarsRounded() {
        #expect(constraint("os", .is, "linux").accepts(agent("a", ["os": "linux"]), placed: []))
        #expect(!constraint("os", .is, "Linux").accepts(agent("a", ["os": "linux"]), placed: []))
        let scalar = AgentFacts(
            hostname: "a", attributes: [Attribute(name: "gen", type: .scalar, scalar: Resource.Scalar(value: 2.0004))])
        #expect(constraint("gen", .is, "2").accepts(scalar, placed: []))
        #expect(constraint("gen", .is, "2.000").accepts(scalar, placed: []))
        #expect(!constraint("gen", .is, "2.001").accepts(scalar, placed: []))
        #expect(scalar.value(of: "gen") == "2.0004")
        #expect(AgentFacts.javaDouble(3) == "3.0")
        #expect(PlacementConstraint.roundHalfEven(0.0025) == 0.002)
    }

    @Test func rangesAndSetsRenderLikeMarathon() {
        let facts = AgentFacts(
            hostname: "a",
            attributes: [
                Attribute(
                    name: "ports", type: .ranges,
                    ranges: .init(range: [.init(begin: 1, end: 5), .init(begin: 8, end: 9)])),
                Attribute(name: "disks", type: .set, set: .init(item: ["ssd", "hdd"])),
            ])
        #expect(facts.value(of: "ports") == "[1-5,8-9]")
        #expect(facts.value(of: "disks") == "{ssd,hdd}")
        #expect(AgentFacts(hostname: "h", region: "eu").value(of: "@region") == "eu")
        #expect(AgentFacts(hostname: "h").value(of: "@zone") == nil)
    }

    @Test func unmetListsTheRefusingConstraints() {
        let constraints = [constraint("hostname", .unique), constraint("rack", .cluster, "r1")]
        let candidate = agent("a", ["rack": "r2"])
        #expect(ConstraintPlacement.unmet(constraints, candidate: candidate, placed: [agent("a")]) == constraints)
        #expect(ConstraintPlacement.accepts(constraints, candidate: agent("b", ["rack": "r1"]), placed: [agent("a")]))
        #expect(ConstraintPlacement.accepts([], candidate: candidate, placed: []))
    }
}
