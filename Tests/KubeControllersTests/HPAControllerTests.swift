import Testing

@testable import KubeControllers

@Suite struct HPAControllerTests {
    @Test func metricsWindowsAreReadAsGoDurations() {
        #expect(HPAController.seconds("10s") == 10)
        #expect(HPAController.seconds("1m0s") == 60)
        #expect(HPAController.seconds("1h2m3s") == 3723)
        #expect(HPAController.seconds("1500ms") == 2)
        #expect(HPAController.seconds("soon") == 0)
        #expect(HPAController.seconds("10") == 0)
        #expect(HPAController.seconds(nil) == 0)
    }
}
