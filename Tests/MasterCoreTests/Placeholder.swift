import Testing

@Test func masterCoreCompiles() {}
