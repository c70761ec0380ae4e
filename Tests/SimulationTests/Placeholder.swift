import Testing

@Test func simulationCompiles() {}
