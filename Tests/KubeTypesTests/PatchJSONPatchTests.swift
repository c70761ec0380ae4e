import Testing

@testable import KubeTypes

@Suite struct PatchJSONPatchTests {
    private func json(_ text: String) -> JSON { PatchFixtures.json(text) }

    private func apply(_ patch: String, _ document: String) throws -> JSON {
        try JSONPatch.apply(json(patch), to: json(document))
    }

    private func failure(_ patch: String, _ document: String) -> PatchError? {
        #expect(throws: PatchError.self) { try apply(patch, document) }
    }

    // RFC 6902 appendix A.

    @Test func addsObjectMembersAndArrayElements() throws {
        #expect(
            try apply(#"[{"op":"add","path":"/baz","value":"qux"}]"#, #"{"foo":"bar"}"#) == [
                "foo": "bar", "baz": "qux",
            ])
        #expect(
            try apply(#"[{"op":"add","path":"/foo/1","value":"qux"}]"#, #"{"foo":["bar","baz"]}"#)
                == ["foo": ["bar", "qux", "baz"]])
        #expect(
            try apply(#"[{"op":"add","path":"/child","value":{"grandchild":{}}}]"#, #"{"foo":"bar"}"#)
                == json(#"{"foo":"bar","child":{"grandchild":{}}}"#))
        #expect(
            try apply(#"[{"op":"add","path":"/foo/-","value":["abc","def"]}]"#, #"{"foo":["bar"]}"#)
                == json(#"{"foo":["bar",["abc","def"]]}"#))
    }

    @Test func removesAndReplaces() throws {
        #expect(try apply(#"[{"op":"remove","path":"/baz"}]"#, #"{"baz":"qux","foo":"bar"}"#) == ["foo": "bar"])
        #expect(
            try apply(#"[{"op":"remove","path":"/foo/1"}]"#, #"{"foo":["bar","qux","baz"]}"#) == [
                "foo": ["bar", "baz"]
            ])
        #expect(
            try apply(#"[{"op":"replace","path":"/baz","value":"boo"}]"#, #"{"baz":"qux","foo":"bar"}"#)
                == ["baz": "boo", "foo": "bar"])
        #expect(try apply(#"[{"op":"replace","path":"","value":[1]}]"#, #"{"a":1}"#) == [1])
    }

    @Test func movesAndCopies() throws {
        #expect(
            try apply(
                #"[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]"#,
                #"{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}"#)
                == json(#"{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}"#))
        #expect(
            try apply(#"[{"op":"move","from":"/foo/1","path":"/foo/3"}]"#, #"{"foo":["all","grass","cows","eat"]}"#)
                == ["foo": ["all", "cows", "eat", "grass"]])
        #expect(
            try apply(#"[{"op":"copy","from":"/a","path":"/b/c"}]"#, #"{"a":{"x":1},"b":{}}"#)
                == json(#"{"a":{"x":1},"b":{"c":{"x":1}}}"#))
    }

    @Test func testOperationComparesJSONValues() throws {
        let document = #"{"baz":"qux","foo":["a",2,"c"]}"#
        #expect(
            try apply(#"[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]"#, document)
                == json(document))
        // Numbers compare by value; ~01 unescapes to "~1", not "/".
        #expect(throws: Never.self) { try apply(#"[{"op":"test","path":"/n","value":1.0}]"#, #"{"n":1}"#) }
        #expect(throws: Never.self) { try apply(#"[{"op":"test","path":"/~01","value":10}]"#, #"{"/":9,"~1":10}"#) }
        #expect(
            failure(#"[{"op":"test","path":"/~01","value":"10"}]"#, #"{"/":9,"~1":10}"#)?.message
                == "testing value /~01 failed: test failed")
        #expect(
            failure(#"[{"op":"test","path":"/baz","value":"bar"}]"#, #"{"baz":"qux"}"#)?.message
                == "testing value /baz failed: test failed")
    }

    @Test func ignoresUnknownOperationMembers() throws {
        #expect(
            try apply(#"[{"op":"add","path":"/baz","value":"qux","xyz":123}]"#, #"{"foo":"bar"}"#)
                == ["foo": "bar", "baz": "qux"])
    }

    @Test func reportsMissingTargetsLikeUpstream() {
        let add = failure(#"[{"op":"add","path":"/baz/bat","value":"qux"}]"#, #"{"foo":"bar"}"#)
        #expect(add?.message == #"add operation does not apply: doc is missing path: "/baz/bat": missing value"#)
        #expect(add?.kind == .unprocessable)
        #expect(add?.statusMessage == "the server rejected our request due to an error in our request")
        #expect(
            failure(#"[{"op":"remove","path":"/spec/foo"}]"#, #"{"spec":{}}"#)?.message
                == "error in remove for path: '/spec/foo': unable to remove nonexistent key: foo: missing value")
        #expect(
            failure(#"[{"op":"remove","path":"/spec/foo"}]"#, #"{}"#)?.message
                == #"remove operation does not apply: doc is missing path: "/spec/foo": missing value"#)
        #expect(
            failure(#"[{"op":"replace","path":"/spec/replicas","value":3}]"#, #"{"spec":{}}"#)?.message
                == "replace operation does not apply: doc is missing key: /spec/replicas: missing value")
        #expect(
            failure(#"[{"op":"move","from":"/a","path":"/b"}]"#, #"{}"#)?.message
                == "move operation does not apply: doc is missing from path: /a: missing value")
    }

    @Test func enforcesArrayIndexRules() {
        #expect(
            failure(#"[{"op":"add","path":"/a/3","value":1}]"#, #"{"a":[0,1]}"#)?.message
                == "error in add for path: '/a/3': Unable to access invalid index: 3: invalid index referenced")
        #expect(failure(#"[{"op":"remove","path":"/a/01"}]"#, #"{"a":[0,1]}"#) != nil)
        #expect(failure(#"[{"op":"remove","path":"/a/-"}]"#, #"{"a":[0,1]}"#) != nil)
        #expect(failure(#"[{"op":"replace","path":"/a/2","value":1}]"#, #"{"a":[0,1]}"#) != nil)
        #expect(failure(#"[{"op":"move","from":"/a","path":"/a/b"}]"#, #"{"a":{}}"#) != nil)
    }

    @Test func rejectsMalformedPatches() {
        let notArray = failure(#"{"op":"add"}"#, "{}")
        #expect(notArray?.kind == .malformed)
        #expect(notArray?.message == "json: cannot unmarshal object into Go value of type jsonpatch.Patch")
        #expect(failure(#"[{"op":"frobnicate","path":"/a"}]"#, "{}")?.message == "Unexpected kind: frobnicate")
        #expect(failure(#"[{"op":"add","path":"/a"}]"#, "{}") != nil)
        #expect(failure(#"[{"op":"add","path":"a","value":1}]"#, "{}") != nil)
    }

    @Test func failedPatchLeavesNoPartialChanges() throws {
        let document = json(#"{"a":1}"#)
        let patch = json(#"[{"op":"add","path":"/b","value":2},{"op":"test","path":"/a","value":5}]"#)
        #expect(throws: PatchError.self) { try JSONPatch.apply(patch, to: document) }
        #expect(document == ["a": 1])
    }

    @Test func rolloutUndoReplacesTemplateAndAnnotations() throws {
        let deployment = json(
            #"{"metadata":{"annotations":{"deployment.kubernetes.io/revision":"2"}},"spec":{"template":{"spec":{"containers":[{"name":"a","image":"b:2"}]}}}}"#
        )
        let patch = json(
            #"[{"op":"replace","path":"/spec/template","value":{"spec":{"containers":[{"name":"a","image":"b:1"}]}}},{"op":"replace","path":"/metadata/annotations","value":{"x":"y"}}]"#
        )
        let result = try JSONPatch.apply(patch, to: deployment)
        #expect(result[path: ["spec", "template", "spec", "containers"]] == [["name": "a", "image": "b:1"]])
        #expect(result[path: ["metadata", "annotations"]] == ["x": "y"])
    }

    @Test func pointersEscapeAndResolve() throws {
        let pointer = try JSONPointer("/metadata/labels/app.kubernetes.io~1name")
        #expect(pointer.tokens == ["metadata", "labels", "app.kubernetes.io/name"])
        #expect(pointer.resolve(in: ["metadata": ["labels": ["app.kubernetes.io/name": "web"]]]) == "web")
        #expect(try JSONPointer("").resolve(in: [1]) == [1])
        #expect(try JSONPointer("/a/~0b").tokens == ["a", "~b"])
    }
}
