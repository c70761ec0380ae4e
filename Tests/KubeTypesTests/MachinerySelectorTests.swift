import Testing

@testable import KubeTypes

@Suite struct MachineryLabelSelectorTests {
    let web: [String: String] = ["app": "web", "tier": "front", "version": "3"]

    @Test func parsesEveryOperatorAndMatches() throws {
        let cases: [(String, Bool)] = [
            ("", true),
            ("app=web", true),
            ("app==web", true),
            ("app = web", true),
            ("app!=web", false),
            ("app!=db", true),
            ("missing!=x", true),
            ("tier in (front, back)", true),
            ("tier in (back)", false),
            ("tier notin (back)", true),
            ("missing notin (x)", true),
            ("missing in (x)", false),
            ("app", true),
            ("!app", false),
            ("!missing", true),
            ("app=web,tier=front", true),
            ("app=web,tier=back", false),
            ("app=web, !legacy ,tier", true),
            ("version>2", true),
            ("version<2", false),
            ("in=x", false),
            ("app in (in,web)", true),
        ]
        for (text, expected) in cases {
            let selector = try LabelSelector(parsing: text)
            #expect(selector.matches(web) == expected, "\(text)")
        }
    }

    @Test func canonicalTextIsSortedByKey() throws {
        #expect(try LabelSelector(parsing: "tier in (b, a),app=web").text == "app=web,tier in (a,b)")
        #expect(try LabelSelector(parsing: "  !legacy , app==web").text == "app==web,!legacy")
        #expect(try LabelSelector(parsing: "z notin (x),a").text == "a,z notin (x)")
        #expect(try LabelSelector(parsing: "a=").text == "a=")
        #expect(try LabelSelector(parsing: "").isEmpty)
        #expect(try !LabelSelector(parsing: "a").isEmpty)
    }

    @Test func emptyValueListsMeanTheEmptyValue() throws {
        let selector = try LabelSelector(parsing: "a in (,x)")
        #expect(selector.requirements[0].values == ["", "x"])
        #expect(selector.matches(["a": ""]))
        #expect(try LabelSelector(parsing: "a in ()").requirements[0].values == [""])
    }

    @Test func reportsSyntaxErrorsLikeUpstream() {
        let cases: [(String, String)] = [
            ("app=web,", "found '', expected: identifier after ','"),
            ("app web", "unable to parse requirement: found 'web', expected: in, notin, =, ==, !=, gt, lt"),
            ("app=web x", "found 'x', expected: ',' or 'end of string'"),
            ("=web", "found '=', expected: !, identifier, or 'end of string'"),
            ("app in web", "unable to parse requirement: found 'web' expected: '('"),
            ("app in (a", "unable to parse requirement: found '', expected: ',' or ')'"),
            ("app (a)", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"),
            ("app=(", "unable to parse requirement: found '(', expected: identifier"),
            ("!", "unable to parse requirement: found '', expected: identifier"),
            (
                "version>x",
                "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, "
                    + "the value must be an integer"
            ),
        ]
        for (text, message) in cases {
            #expect(throws: SelectorError(message), "\(text)") { try LabelSelector(parsing: text) }
        }
    }

    @Test func rejectsBadKeysAndValues() throws {
        let badValue = #expect(throws: SelectorError.self) { try LabelSelector(parsing: "app=web!x") }
        // `!` is a symbol, so this is a syntax error after the value.
        #expect(badValue?.message == "found '!', expected: ',' or 'end of string'")
        let longValue = String(repeating: "v", count: 64)
        let tooLong = #expect(throws: SelectorError.self) { try LabelSelector(parsing: "app=\(longValue)") }
        #expect(tooLong?.message.hasPrefix("unable to parse requirement: values[0][app]: Invalid value: ") == true)
        let badKey = #expect(throws: SelectorError.self) { try LabelSelector(parsing: "a@b=c") }
        #expect(
            badKey?.message.hasPrefix("unable to parse requirement: <nil>: Invalid value: \"a@b\": name part") == true)
    }

    @Test func buildsFromTheObjectForm() throws {
        let object: JSON = [
            "matchLabels": ["app": "web"],
            "matchExpressions": [
                ["key": "tier", "operator": "In", "values": ["front", "back"]],
                ["key": "legacy", "operator": "DoesNotExist"],
            ],
        ]
        let selector = try LabelSelector(object: object)
        #expect(selector.text == "app=web,!legacy,tier in (back,front)")
        #expect(selector.matches(web))
        #expect(!selector.matches(["app": "web", "tier": "front", "legacy": "1"]))
        #expect(try LabelSelector(object: [:]).isEmpty)
        #expect(try LabelSelector(object: [:]).matches(web))
        #expect(try !LabelSelector(object: .null).matches(web))
        #expect(throws: SelectorError("\"Has\" is not a valid label selector operator")) {
            try LabelSelector(object: ["matchExpressions": [["key": "a", "operator": "Has"]]])
        }
        #expect(throws: SelectorError.self) {
            try LabelSelector(object: ["matchExpressions": [["key": "a", "operator": "In"]]])
        }
    }

    @Test func validatesTheObjectFormWithUpstreamPaths() {
        let object: JSON = [
            "matchLabels": ["app": "web!"],
            "matchExpressions": [
                ["key": "tier", "operator": "In"],
                ["key": "x", "operator": "Exists", "values": ["a"]],
                ["key": "y", "operator": "Has"],
            ],
        ]
        let errors = LabelSelector.validate(object, at: FieldPath("spec.selector"))
        let texts = errors.map(\.description)
        #expect(texts.count == 4)
        #expect(texts.contains { $0.hasPrefix("spec.selector.matchLabels: Invalid value: \"web!\"") })
        #expect(
            texts.contains(
                "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"
            ))
        #expect(
            texts.contains(
                "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
            ))
        #expect(
            texts.contains(
                "spec.selector.matchExpressions[2].operator: Invalid value: \"Has\": not a valid selector operator"))
        #expect(LabelSelector.validate(["matchLabels": ["app": "web"]], at: FieldPath("spec.selector")).isEmpty)
    }
}

@Suite struct MachineryFieldSelectorTests {
    @Test func parsesAndMatches() throws {
        let selector = try FieldSelector(parsing: "metadata.name=web,status.phase!=Running")
        #expect(selector.requirements.count == 2)
        #expect(
            selector.requirements[0] == FieldSelector.Requirement(field: "metadata.name", op: .equals, value: "web"))
        #expect(selector.requirements[1].op == .notEquals)
        let fields = ["metadata.name": "web", "status.phase": "Pending"]
        #expect(selector.matches { fields[$0] })
        #expect(!selector.matches { ["metadata.name": "web", "status.phase": "Running"][$0] })
        #expect(try FieldSelector(parsing: "spec.nodeName==").matches { _ in nil })
        #expect(try FieldSelector(parsing: "").isEmpty)
        #expect(try FieldSelector(parsing: "a=b,,").requirements.count == 1)
    }

    @Test func honoursEscapes() throws {
        let selector = try FieldSelector(parsing: #"metadata.name=a\,b\=c\\d,x!=y"#)
        #expect(selector.requirements[0].value == #"a,b=c\d"#)
        #expect(selector.text == #"metadata.name=a\,b\=c\\d,x!=y"#)
        #expect(selector.matches { $0 == "metadata.name" ? #"a,b=c\d"# : nil })
        #expect(selector.exactMatch(for: "metadata.name") == #"a,b=c\d"#)
        #expect(selector.exactMatch(for: "x") == nil)
    }

    @Test func reportsBadInput() {
        #expect(throws: SelectorError("invalid selector: 'name'; can't understand 'name'")) {
            try FieldSelector(parsing: "name")
        }
        #expect(throws: SelectorError("invalid field selector: invalid escape sequence: \\n")) {
            try FieldSelector(parsing: #"a=b\n"#)
        }
        #expect(throws: SelectorError("invalid field selector: unescaped character in value: =")) {
            try FieldSelector(parsing: "a=b=c")
        }
    }

    @Test func listsUnsupportedFields() throws {
        let selector = try FieldSelector(parsing: "metadata.name=a,spec.foo=b")
        #expect(
            throws: SelectorError("field label not supported: spec.foo"),
            performing: { try selector.checkSupported(["metadata.name", "metadata.namespace"]) })
        try selector.checkSupported(["metadata.name", "spec.foo"])
    }
}
