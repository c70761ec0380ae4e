import Testing

@Test func agentCoreCompiles() {}
