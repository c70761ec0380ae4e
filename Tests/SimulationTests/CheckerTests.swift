import Simulation
import Testing

/// The invariant checks must be able to fail: break the world on purpose and expect them to notice.
@Suite("Simulation invariant checkers")
struct CheckerTests {
    @Test("Unacknowledged updates are reported at the end of the run")
    func missingAcknowledgementsAreCaught() {
        var config = SimulationConfig(seed: 5)
        config.faults = .none
        config.sabotage = .frameworksNeverAcknowledge
        let report = Simulator.run(config)
        #expect(report.violations.contains { $0.invariant == "update-unacknowledged" })
        #expect(report.violations.contains { $0.invariant == "update-lost" })
    }

    @Test("A task started twice is reported at once")
    func duplicateContainersAreCaught() {
        var config = SimulationConfig(seed: 5)
        config.faults = .none
        config.sabotage = .containersStartTwice
        let report = Simulator.run(config)
        #expect(report.violations.first?.invariant == "task-runs-twice")
        #expect(report.traceTail.contains { $0.contains("VIOLATION") })
    }
}
