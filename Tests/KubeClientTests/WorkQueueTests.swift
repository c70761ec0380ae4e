import KubeClient
import Synchronization
import Testing

@Suite struct WorkQueueStateTests {
    @Test func anItemIsQueuedOnceAndNotHandedOutTwiceWhileProcessing() {
        var state = WorkQueueState<String>()
        var results: [Bool] = []
        results.append(state.add("a"))
        results.append(state.add("a"))
        state.add("b")
        #expect(state.count == 2)
        var handedOut: [String?] = []
        handedOut.append(state.next())
        // Added again while processing: held back until done, then queued once.
        results.append(state.add("a"))
        handedOut.append(state.next())
        handedOut.append(state.next())
        results.append(state.done("a"))
        handedOut.append(state.next())
        results.append(state.done("a"))
        results.append(state.done("b"))
        #expect(results == [true, false, false, true, false, false])
        #expect(handedOut == ["a", "b", nil, "a"])
        #expect(state.count == 0)
    }

    @Test func failuresBackOffExponentiallyUntilForgotten() {
        var state = WorkQueueState<String>(baseDelay: .milliseconds(5), maxDelay: .seconds(1))
        let delays = (0..<10).map { _ in state.failureDelay("x") }
        #expect(delays.prefix(4) == [.milliseconds(5), .milliseconds(10), .milliseconds(20), .milliseconds(40)])
        #expect(delays.last == .seconds(1))
        #expect(state.failureCount("x") == 10)
        state.forget("x")
        let restarted = state.failureDelay("x")
        #expect(restarted == .milliseconds(5))
    }
}

@Suite struct WorkQueueTests {
    @Test func workersReceiveItemsAndShutdownEndsThem() async {
        let queue = WorkQueue<String>()
        let worker = Task { () -> [String] in
            var seen: [String] = []
            while let item = await queue.next() {
                seen.append(item)
                queue.done(item)
            }
            return seen
        }
        queue.add("a")
        queue.add("b")
        queue.add("c", after: .milliseconds(30))
        while queue.count > 0 { await Task.yield() }
        try? await Task.sleep(for: .milliseconds(200))
        queue.shutdown()
        #expect(await worker.value == ["a", "b", "c"])
        #expect(await queue.next() == nil)
    }

    @Test func retriedItemsComeBackAfterTheirBackoff() async {
        let queue = WorkQueue<String>(baseDelay: .milliseconds(10))
        queue.add("x")
        let first = await queue.next()
        #expect(first == "x")
        queue.retry("x")
        queue.done("x")
        #expect(queue.failureCount("x") == 1)
        let again = await queue.next()
        #expect(again == "x")
        queue.forget("x")
        #expect(queue.failureCount("x") == 0)
        queue.shutdown()
    }

    @Test func aDelayedItemWaitsOnceAtItsEarliestDeadline() {
        var state = WorkQueueState<String>()
        var verdicts: [Bool] = []
        verdicts.append(state.delay("pass", until: .seconds(5)))
        verdicts.append(state.delay("pass", until: .seconds(9)))
        verdicts.append(state.delay("pass", until: .seconds(5)))
        verdicts.append(state.delay("pass", until: .seconds(2)))
        #expect(verdicts == [true, false, false, true])
        let stale = state.delayElapsed("pass", deadline: .seconds(5))
        let current = state.delayElapsed("pass", deadline: .seconds(2))
        #expect(!stale && current)
        #expect(state.delayed.isEmpty)
        let again = state.delay("pass", until: .seconds(9))
        #expect(again)
    }

    /// A controller that re-arms its periodic pass on every run must not gain a timer per run:
    /// three delayed adds of one item are one add, at the earliest deadline.
    @Test func delayedAddsOfOneItemComeBackOnce() async {
        let queue = WorkQueue<String>()
        let seen = Mutex(0)
        let worker = Task {
            while let item = await queue.next() {
                seen.withLock { $0 += 1 }
                queue.done(item)
            }
        }
        queue.add("pass", after: .seconds(30))
        queue.add("pass", after: .milliseconds(20))
        queue.add("pass", after: .milliseconds(60))
        queue.add("pass", after: .milliseconds(100))
        try? await Task.sleep(for: .milliseconds(400))
        queue.shutdown()
        await worker.value
        #expect(seen.withLock { $0 } == 1)
    }
}
