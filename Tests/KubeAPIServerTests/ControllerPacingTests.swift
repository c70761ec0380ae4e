import Testing

@testable import KubeAPIServer

/// The in-server controllers' passes read every stored object; on a large cluster they are spaced
/// by their own cost.
@Suite struct ControllerPacingTests {
    @Test func cheapPassesRunEveryHalfSecond() {
        #expect(KubeAPIServer.controllerPause(after: .zero) == .milliseconds(500))
        #expect(KubeAPIServer.controllerPause(after: .milliseconds(40)) == .milliseconds(500))
    }

    @Test func costlyPassesTakeAtMostATenthOfTheTime() {
        let cost = Duration.milliseconds(200)
        let pause = KubeAPIServer.controllerPause(after: cost)
        #expect(pause == .milliseconds(1800))
        #expect(cost / (cost + pause) <= 0.1 + 1e-9)
    }
}
