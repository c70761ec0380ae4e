import Testing

@testable import KubeTypes

@Suite struct PatchMergePatchTests {
    /// RFC 7386 appendix A: original, patch, result.
    static let rfcCases: [(String, String, String)] = [
        (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
        (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
        (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
        (#"{"a":"foo"}"#, "null", "null"),
        (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
        (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
        (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
        (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ]

    @Test(arguments: 0..<rfcCases.count) func rfcAppendixExamples(_ index: Int) {
        let (original, patch, expected) = Self.rfcCases[index]
        let result = MergePatch.apply(PatchFixtures.json(patch), to: PatchFixtures.json(original))
        #expect(result == PatchFixtures.json(expected))
    }

    @Test func kubectlScalePatchSetsReplicasOnly() {
        let deployment = PatchFixtures.json(#"{"spec":{"replicas":1,"template":{"spec":{"containers":[]}}}}"#)
        let result = MergePatch.apply(["spec": ["replicas": 5]], to: deployment)
        #expect(result == PatchFixtures.json(#"{"spec":{"replicas":5,"template":{"spec":{"containers":[]}}}}"#))
    }

    @Test func diffProducesAPatchThatRecreatesTheTarget() {
        let original = PatchFixtures.json(
            #"{"metadata":{"labels":{"a":"1","b":"2"}},"spec":{"replicas":1,"list":[1,2],"gone":true}}"#)
        let modified = PatchFixtures.json(
            #"{"metadata":{"labels":{"a":"1","c":"3"}},"spec":{"replicas":2,"list":[1],"new":{"x":1}}}"#)
        let patch = MergePatch.diff(from: original, to: modified)
        #expect(
            patch
                == PatchFixtures.json(
                    #"{"metadata":{"labels":{"b":null,"c":"3"}},"spec":{"replicas":2,"list":[1],"gone":null,"new":{"x":1}}}"#
                ))
        #expect(MergePatch.apply(patch, to: original) == modified)
        #expect(MergePatch.diff(from: original, to: original) == .emptyObject)
        #expect(MergePatch.diff(from: ["n": 1], to: ["n": 1.0]) == .emptyObject)
        #expect(MergePatch.diff(from: [1], to: ["a": 1]) == ["a": 1])
    }
}
