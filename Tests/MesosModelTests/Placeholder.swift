import Testing

@Test func mesosModelCompiles() {}
