import MesosModel
import Testing

@testable import Allocation

/// The per-agent books are kept incrementally (an offer subtracts, a release adds back); these
/// cases are the ones where adding back would be wrong or where the order structure moves.
@Suite struct AllocatorBookkeepingTests {
    /// An agent whose total shrank below what is held: giving back part of the allocation
    /// must not make more available than total − what is still held.
    @Test func releasesOnAnOvercommittedAgentRecomputeWhatIsAvailable() {
        var allocator = HierarchicalAllocator()
        allocator.addFramework(fw("f"), roles: ["*"], used: [:])
        allocator.addAgent(agent("a"), total: res("cpus:4;mem:1024;ports:[31000-31009]"), used: [:])
        #expect(allocator.allocate(now: 0).count == 1)
        allocator.updateAgent(agent("a"), total: res("cpus:2;mem:512;ports:[31000-31004]"))
        #expect(allocator.available(onAgent: agent("a")) == Resources())

        allocator.recoverResources(
            framework: fw("f"), agent: agent("a"), resources: res("cpus:2;mem:512;ports:[31005-31009]"),
            refuseSeconds: nil, now: 0)
        // Still held: cpus:2;mem:512;ports:[31000-31004] — the whole new total.
        #expect(allocator.available(onAgent: agent("a")) == Resources())
        #expect(allocator.allocate(now: 1).isEmpty)

        allocator.recoverResources(
            framework: fw("f"), agent: agent("a"), resources: res("cpus:1;ports:[31000-31001]"), refuseSeconds: nil,
            now: 1)
        #expect(allocator.available(onAgent: agent("a")) == res("cpus:1;ports:[31000-31001]"))
        allocator.recoverResources(
            framework: fw("f"), agent: agent("a"), resources: res("cpus:1;mem:512;ports:[31002-31004]"),
            refuseSeconds: nil, now: 1)
        #expect(allocator.available(onAgent: agent("a")) == res("cpus:2;mem:512;ports:[31000-31004]"))
        #expect(allocator.bookkeepingProblems().isEmpty)
    }

    /// Usage reported at registration beyond what is free is recorded, and the books are
    /// re-derived rather than subtracted past zero.
    @Test func usageBeyondTheTotalIsRecordedAndGivenBackExactly() {
        var allocator = HierarchicalAllocator()
        allocator.addAgent(
            agent("a"), total: res("cpus:2;mem:256"),
            used: [fw("f"): res("cpus:3;mem:128").allocated(to: "*")])
        #expect(allocator.available(onAgent: agent("a")) == res("mem:128"))
        allocator.addFramework(fw("f"), roles: ["*"], used: [:])
        allocator.recoverResources(
            framework: fw("f"), agent: agent("a"), resources: res("cpus:2"), refuseSeconds: nil, now: 0)
        // Held now: cpus:1;mem:128 — available is total minus that.
        #expect(allocator.available(onAgent: agent("a")) == res("cpus:1;mem:128"))
        allocator.recoverResources(
            framework: fw("f"), agent: agent("a"), resources: res("cpus:1;mem:128"), refuseSeconds: nil, now: 0)
        #expect(allocator.available(onAgent: agent("a")) == res("cpus:2;mem:256"))
    }

    /// Random inserts and removals against a sorted array: the order, and the positions
    /// reported, match — across re-centring on either side.
    @Test func sortedKeysStayInOrder() {
        var random = SeededGenerator(seed: 7)
        var keys = SortedKeys<Int>(sorted: [10, 20, 30])
        var model = [10, 20, 30]
        for step in 0..<5_000 {
            let roll = Int.random(in: 0..<10, using: &random)
            if roll < 3, !model.isEmpty {
                let position = Int.random(in: 0..<model.count, using: &random)
                keys.remove(at: position)
                model.remove(at: position)
            } else if roll < 4, !model.isEmpty {
                let position = Int.random(in: 0..<model.count, using: &random)
                let candidate = model[position] + Int.random(in: -3...3, using: &random)
                let fits =
                    (position == 0 || model[position - 1] <= candidate)
                    && (position == model.count - 1 || candidate <= model[position + 1])
                #expect(keys.replace(at: position, with: candidate) == fits)
                if fits { model[position] = candidate }
            } else {
                // Skewed towards the ends, as DRF re-ordering is.
                let key =
                    Int.random(in: 0..<4, using: &random) == 0 ? -step : Int.random(in: 0..<100_000, using: &random)
                let position = keys.insert(key)
                let expected = model.firstIndex { $0 >= key } ?? model.count
                #expect(position == expected)
                model.insert(key, at: expected)
            }
            if Array(keys) != model {
                Issue.record("step \(step): \(Array(keys)) != \(model)")
                return
            }
        }
        #expect(model.count > 1_000)
    }
}
