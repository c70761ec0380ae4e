import DiscoveryCore
import Testing

/// The DNS table's rebuild pacing: cheap rebuilds at once, costly ones at most a share of the time.
@Suite struct RebuildPacingTests {
    @Test("Cheap rebuilds are never delayed")
    func cheapAtOnce() {
        var pacing = RebuildPacing(threshold: 0.005, share: 0.1)
        #expect(pacing.delay(now: 0) == 0)
        pacing.built(start: 10, end: 10.004)
        #expect(pacing.delay(now: 10.004) == 0)
    }

    @Test("A costly rebuild makes the next wait until nine times its duration has passed")
    func costlyWaits() {
        var pacing = RebuildPacing(threshold: 0.005, share: 0.1)
        pacing.built(start: 10, end: 10.1)
        #expect(abs(pacing.delay(now: 10.1) - 0.9) < 1e-9)
        #expect(abs(pacing.delay(now: 10.5) - 0.5) < 1e-9)
        #expect(pacing.delay(now: 11.0) == 0)
        #expect(pacing.delay(now: 20) == 0)
    }

    @Test("A half share waits as long as the rebuild took")
    func halfShare() {
        var pacing = RebuildPacing(threshold: 0, share: 0.5)
        pacing.built(start: 0, end: 2)
        #expect(pacing.delay(now: 2) == 2)
    }
}
