import AgentCore
import Testing

@Suite struct RegistrationBackoffTests {
    @Test(
        "Five brisk attempts after a lost master, then 2, 4, 8 and at most 10 s; with several masters ten, then 2 and at most 4 s"
    )
    func ceilings() {
        let single = (1...10).map { AgentCore.registrationBackoffCeiling(failures: $0, severalMasters: false) }
        #expect(single == [0.5, 0.5, 0.5, 0.5, 0.5, 2, 4, 8, 10, 10])
        #expect(AgentCore.registrationBackoffCeiling(failures: 1_000, severalMasters: false) == 10)
        let several = (1...14).map { AgentCore.registrationBackoffCeiling(failures: $0, severalMasters: true) }
        #expect(several == Array(repeating: 0.5, count: 10) + [2, 4, 4, 4])
        #expect(AgentCore.registrationBackoffCeiling(failures: 1_000, severalMasters: true) == 4)
    }
}
