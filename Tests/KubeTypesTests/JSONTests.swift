import Testing

@testable import KubeTypes

@Suite struct JSONTests {
    @Test func roundTripsIntegersAndDoubles() throws {
        let value = try JSONReader.parse(#"{"b":[1,2.5,-3e2,true,null],"a":"x\u00e9\n"}"#)
        #expect(value["b"] == [1, 2.5, -300.0, true, nil])
        #expect(value["a"] == "xé\n")
        #expect(value.serialized() == #"{"a":"xé\n","b":[1,2.5,-300,true,null]}"#)
    }

    @Test func escapesLikeGosEncoder() throws {
        let text = "q\"b\\t\tc\u{01}<a & b>日本\u{0C}\u{08}\r"
        let written = JSON.string(text).serialized()
        #expect(written == #""q\"b\\t\tc\u0001\u003ca \u0026 b\u003e日本\f\b\r""#)
        #expect(try JSONReader.parse(written) == .string(text))
        // Strings without anything to escape are copied as they are.
        #expect(JSON.string("plain-ascii_é").serialized() == "\"plain-ascii_é\"")
    }

    @Test func reportsDuplicatesAndSyntaxErrors() throws {
        var reader = JSONReader(bytes: Array(#"{"spec":{"replicas":1,"replicas":2}}"#.utf8))
        let value = try reader.readDocument()
        #expect(value[path: ["spec", "replicas"]] == 2)
        #expect(reader.duplicateFields == ["spec.replicas"])
        #expect(throws: JSONSyntaxError.self) { try JSONReader.parse("{\"a\":}") }
        #expect(throws: JSONSyntaxError.self) { try JSONReader.parse("[1,2] x") }
        #expect(throws: JSONSyntaxError.self) { try JSONReader.parse(String(repeating: "[", count: 600)) }
    }

    @Test func timestampsRoundTrip() {
        #expect(Timestamp.format(0) == "1970-01-01T00:00:00Z")
        #expect(Timestamp.parse("2026-11-21T09:30:05Z") == 1_795_253_405)
        #expect(Timestamp.format(1_795_253_405) == "2026-11-21T09:30:05Z")
        #expect(Timestamp.parse("2026-11-21T10:30:05+01:00") == 1_795_253_405)
        #expect(Timestamp.parse("2026-11-21T09:30:05.123Z") == 1_795_253_405)
        #expect(Timestamp.parse("yesterday") == nil)
        #expect(Age.human(seconds: 45) == "45s")
        #expect(Age.human(seconds: 310) == "5m10s")
        #expect(Age.human(seconds: 3 * 3600) == "3h")
        #expect(Age.human(seconds: 52 * 3600) == "2d4h")
    }
}
