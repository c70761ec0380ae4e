import Simulation

/// Core bugs the simulation finds that the cores' owner has not fixed yet. A seed whose
/// every violation is explained here is reported as a known issue, so the sweep stays green
/// while still failing on anything new. Each bug also has a focused unit test (see the
/// `MasterCoreTests`/`AgentCoreTests` suites) that reproduces it without the simulator.
struct KnownCoreBug: Sendable {
    var name: String
    var explains: @Sendable (Violation, SimulationReport) -> Bool

    /// Empty: SIM-1 … SIM-7 were fixed in the cores; their regression tests live in the
    /// MasterCoreTests and AgentCoreTests suites (tagged `.bug(id: "SIM-n")`).
    static let all: [KnownCoreBug] = []

    /// The known bugs explaining every violation of `report`, or nil if one is unexplained.
    static func explanation(of report: SimulationReport) -> [String]? {
        var names: Set<String> = []
        for violation in report.violations {
            guard let bug = all.first(where: { $0.explains(violation, report) }) else { return nil }
            names.insert(bug.name)
        }
        return names.sorted()
    }
}
