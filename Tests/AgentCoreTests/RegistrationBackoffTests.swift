import AgentCore
import Testing

@Suite struct RegistrationBackoffTests {
    @Test("Five brisk attempts after a lost master, then 2, 4, 8 and at most 10 s; several masters stay brisk")
    func ceilings() {
        let single = (1...10).map { AgentCore.registrationBackoffCeiling(failures: $0, severalMasters: false) }
        #expect(single == [0.5, 0.5, 0.5, 0.5, 0.5, 2, 4, 8, 10, 10])
        #expect(AgentCore.registrationBackoffCeiling(failures: 1_000, severalMasters: false) == 10)
        #expect(AgentCore.registrationBackoffCeiling(failures: 50, severalMasters: true) == 0.5)
    }
}
