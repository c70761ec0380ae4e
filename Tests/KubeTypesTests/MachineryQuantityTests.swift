import Testing

@testable import KubeTypes

@Suite struct MachineryQuantityTests {
    @Test(arguments: [
        ("0", "0"), ("0.0", "0"), ("-0", "0"), ("00", "0"),
        ("1", "1"), ("+1", "1"), ("-1", "-1"), ("0.5", "500m"), (".5", "500m"), ("1.", "1"),
        ("1000m", "1"), ("1500m", "1500m"), ("1.5", "1500m"), ("100m", "100m"), ("0.1", "100m"),
        ("100M", "100M"), ("1000k", "1M"), ("1.5k", "1500"), ("12345", "12345"), ("1000", "1k"),
        ("1n", "1n"), ("1u", "1u"), ("0.1n", "1n"), ("-0.1n", "-1n"), ("1.0000000001", "1000000001n"),
        ("1k", "1k"), ("1M", "1M"), ("1G", "1G"), ("1T", "1T"), ("1P", "1P"), ("1E", "1E"), ("10E", "10E"),
        ("1Ki", "1Ki"), ("1024Mi", "1Gi"), ("1.5Gi", "1536Mi"), ("1536Mi", "1536Mi"), ("2048Ki", "2Mi"),
        ("0.5Gi", "512Mi"), ("1Ei", "1Ei"), ("0.5Ki", "512"), ("1023", "1023"), ("0.1Ki", "102400m"),
        ("-1Gi", "-1Gi"), ("1.0Ki", "1Ki"),
        ("1e3", "1e3"), ("1E3", "1e3"), ("1e0", "1"), ("1e1", "10"), ("1.1e3", "1100"), ("1e-3", "1e-3"),
        ("1e+3", "1e3"), ("5e-9", "5e-9"), ("1000e3", "1e6"),
        ("9223372036854775807", "9223372036854775807"), ("100Ei", "9223372036854775807"),
    ])
    func canonicalForms(input: String, expected: String) throws {
        #expect(try Quantity(parsing: input).canonical == expected)
    }

    @Test(arguments: [
        "", " ", "1 ", " 1", "abc", "1.1.1", "1..", "Ki", "-", "+", "1+", "1e", "1i", "1Kib", "1ki", "1.5.Gi", "1%",
        "1e3.5", "1Gi5", "--1", ".5i", "0.1mi", "1 Gi",
    ])
    func rejectsMalformedInput(input: String) {
        #expect(throws: QuantityError.self) { try Quantity(parsing: input) }
    }

    @Test func errorMessagesAreUpstreams() {
        #expect(throws: QuantityError.formatWrong) { try Quantity(parsing: "abc") }
        #expect(throws: QuantityError.suffix) { try Quantity(parsing: "1e") }
        #expect(throws: QuantityError.suffix) { try Quantity(parsing: "1ki") }
        #expect(
            QuantityError.formatWrong.message
                == "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    }

    @Test func valuesRoundAwayFromZero() throws {
        #expect(try Quantity(parsing: "500m").milliValue == 500)
        #expect(try Quantity(parsing: "1").milliValue == 1000)
        #expect(try Quantity(parsing: "1.5").value == 2)
        #expect(try Quantity(parsing: "-1.5").value == -2)
        #expect(try Quantity(parsing: "100m").value == 1)
        #expect(try Quantity(parsing: "1n").milliValue == 1)
        #expect(try Quantity(parsing: "1Gi").value == 1_073_741_824)
        #expect(try Quantity(parsing: "1Gi").milliValue == 1_073_741_824_000)
        #expect(try Quantity(parsing: "100E").value == Int64.max)
        #expect(try Quantity(parsing: "-100E").milliValue == Int64.min)
        #expect(try Quantity(parsing: "1e-20").value == 1)
    }

    @Test func comparesByValue() throws {
        let q = { (text: String) in try Quantity(parsing: text) }
        #expect(try q("1Gi") == q("1073741824"))
        #expect(try q("1000m") == q("1"))
        #expect(try q("1k") == q("1e3"))
        #expect(try q("500m") < q("1"))
        #expect(try q("999Mi") < q("1Gi"))
        #expect(try q("1G") < q("1Gi"))
        #expect(try q("-1") < q("0"))
        #expect(try q("-2") < q("-1"))
        #expect(try q("1E") > q("999P"))
        #expect(try q("1n") > q("0"))
        #expect(try Set([q("1Gi"), q("1024Mi"), q("1073741824")]).count == 1)
        #expect(try [q("2"), q("100m"), q("1Ki")].max() == q("1Ki"))
    }

    @Test func addsAndSubtractsExactly() throws {
        let q = { (text: String) in try Quantity(parsing: text) }
        #expect(try (q("100m") + q("200m")).canonical == "300m")
        #expect(try (q("1") + q("500m")).canonical == "1500m")
        #expect(try (q("1Gi") + q("1Gi")).canonical == "2Gi")
        #expect(try (q("1Gi") - q("512Mi")).canonical == "512Mi")
        #expect(try (q("1") - q("1")).canonical == "0")
        #expect(try (q("100m") - q("1")).canonical == "-900m")
        #expect(try (Quantity.zero + q("1Ki")).format == .binarySI)
        #expect(try (q("0.1") + q("0.2")) == q("300m"))
        var total = Quantity.zero
        for _ in 0..<10 { total += Quantity(milli: 100) }
        #expect(total == Quantity(1))
    }

    @Test func convertsFromJSON() throws {
        #expect(try Quantity(json: "250m").milliValue == 250)
        #expect(try Quantity(json: 2).canonical == "2")
        #expect(try Quantity(json: 0.5).canonical == "500m")
        #expect(throws: QuantityError.self) { try Quantity(json: true) }
        #expect(try Quantity(parsing: "0.5").json == "500m")
    }
}
