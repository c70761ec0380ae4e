import Testing

@testable import MesosModel

/// Xorshift64* seeded per case, so a failing seed printed by a test replays exactly.
private struct ResourcesTestRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}

/// Small random bags over a few names, roles and allocation roles, so collisions are common.
private func randomResources(_ random: inout ResourcesTestRandom) -> Resources {
    var list: [Resource] = []
    for _ in 0..<Int.random(in: 0...5, using: &random) {
        let role = ["*", "*", "a", "a/b"].randomElement(using: &random)!
        var resource: Resource
        switch Int.random(in: 0...2, using: &random) {
        case 0:
            let millis = Double(Int.random(in: 0...5000, using: &random)) / 1000
            resource = .scalar(["cpus", "mem"].randomElement(using: &random)!, millis, role: role)
        case 1:
            var ranges: [ClosedRange<UInt64>] = []
            for _ in 0..<Int.random(in: 0...3, using: &random) {
                let begin = UInt64.random(in: 0...40, using: &random)
                ranges.append(begin...(begin + UInt64.random(in: 0...6, using: &random)))
            }
            resource = .ranges("ports", ranges, role: role)
        default:
            let items = ["x", "y", "z", "w"].filter { _ in Bool.random(using: &random) }
            resource = .set("disks", items, role: role)
        }
        if Bool.random(using: &random) { resource.allocationInfo = AllocationInfo(role: "a") }
        list.append(resource)
    }
    return Resources(list)
}

@Suite struct ResourcesPropertyTests {
    @Test func bagLawsHoldOnRandomInputs() {
        for seed in UInt64(1)...400 {
            var random = ResourcesTestRandom(seed: seed)
            let a = randomResources(&random)
            let b = randomResources(&random)
            let c = randomResources(&random)
            let context = "seed \(seed): a=\(a) b=\(b) c=\(c)"
            #expect(a + b == b + a, "commutative, \(context)")
            #expect((a + b) + c == a + (b + c), "associative, \(context)")
            #expect((a + b).contains(a), "sum contains part, \(context)")
            #expect(a.contains(a - b), "difference is contained, \(context)")
            #expect((a - b) + a.intersection(b) == a, "split and rejoin, \(context)")
            #expect(a.contains(b) == (b - a).isEmpty, "contains iff nothing left over, \(context)")
            #expect(Resources(a.list) == a, "list round trip, \(context)")
            #expect(a.withoutAllocationInfo().allocationRoles.isEmpty, "untagging, \(context)")
            #expect(a.allocated(to: "r").withoutAllocationInfo() == a.withoutAllocationInfo(), "retagging, \(context)")
            #expect(
                a.scalarQuantities
                    == a.list.reduce(ResourceQuantities()) { sum, resource in
                        sum + Resources([resource]).scalarQuantities
                    }, "quantities, \(context)")
        }
    }

    @Test func scalarSumsHaveNoDrift() {
        var random = ResourcesTestRandom(seed: 7)
        var total = Resources()
        var parts: [Resources] = []
        for _ in 0..<1000 {
            let part = Resources([.scalar("cpus", Double(Int.random(in: 1...999, using: &random)) / 1000)])
            parts.append(part)
            total += part
        }
        for part in parts.shuffled(using: &random) { total -= part }
        #expect(total.isEmpty, "seed 7: leftover \(total)")
    }
}
