import Testing

@testable import KubeTypes

@Suite struct PatchStrategicMergeTests {
    private func json(_ text: String) -> JSON { PatchFixtures.json(text) }

    private func apply(_ patch: String, to document: JSON, type: String? = PatchFixtures.deployment) throws -> JSON {
        try StrategicMergePatch.apply(json(patch), to: document, type: type, catalog: PatchFixtures.catalog)
    }

    private func failure(_ patch: String, to document: JSON) -> PatchError? {
        #expect(throws: PatchError.self) { try apply(patch, to: document) }
    }

    /// A deployment whose pod template holds `containers` (JSON text of the list).
    private func deployment(containers: String, extra: String = "") -> JSON {
        json(
            #"{"metadata":{"name":"web","labels":{"app":"web","tier":"front"},"finalizers":["a","b"]},"#
                + #""spec":{"replicas":1,"template":{"spec":{"containers":"# + containers + extra + "}}}}")
    }

    private func containers(_ object: JSON) -> [JSON] {
        object[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
    }

    private let twoContainers =
        #"[{"name":"nginx","image":"nginx:1.27","ports":[{"containerPort":80,"protocol":"TCP"}],"#
        + #""env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]},{"name":"sidecar","image":"busybox"}]"#

    @Test func kubectlApplyPatchMergesContainersByNameInTheGivenOrder() throws {
        let patch =
            #"{"spec":{"replicas":3,"template":{"spec":{"$setElementOrder/containers":[{"name":"sidecar"},"#
            + #"{"name":"nginx"}],"containers":[{"name":"nginx","image":"nginx:1.28"}]}}}}"#
        let result = try apply(patch, to: deployment(containers: twoContainers))
        #expect(result[path: ["spec", "replicas"]] == 3)
        #expect(containers(result).map { $0["name"] } == ["sidecar", "nginx"])
        let nginx = containers(result)[1]
        #expect(nginx["image"] == "nginx:1.28")
        #expect(nginx["ports"] == [["containerPort": 80, "protocol": "TCP"]])
        #expect(nginx["env"]?.arrayValue?.count == 2)
        #expect(result.serialized().contains("$") == false)
    }

    @Test func newElementsFollowTheOrderDirectiveOrComeFirstWithout() throws {
        let ordered =
            #"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"},"#
            + #"{"name":"sidecar"},{"name":"log"}],"containers":[{"name":"log","image":"fluent"}]}}}}"#
        let withOrder = try apply(ordered, to: deployment(containers: twoContainers))
        #expect(containers(withOrder).map { $0["name"] } == ["nginx", "sidecar", "log"])
        // Without an order upstream puts patch elements unknown to the live list first.
        let bare = #"{"spec":{"template":{"spec":{"containers":[{"name":"log","image":"fluent"}]}}}}"#
        let withoutOrder = try apply(bare, to: deployment(containers: twoContainers))
        #expect(containers(withoutOrder).map { $0["name"] } == ["log", "nginx", "sidecar"])
    }

    @Test func unmentionedElementsKeepTheirLivePlace() throws {
        let live = deployment(containers: #"[{"name":"a"},{"name":"b"},{"name":"c"}]"#)
        let patch = #"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"c"},{"name":"a"}]}}}}"#
        #expect(containers(try apply(patch, to: live)).map { $0["name"] } == ["b", "c", "a"])
        let tail = #"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}]}}}}"#
        #expect(containers(try apply(tail, to: live)).map { $0["name"] } == ["b", "a", "c"])
    }

    @Test func envAndPortsMergeByTheirKeys() throws {
        let patch =
            #"{"spec":{"template":{"spec":{"containers":[{"name":"nginx","#
            + #""env":[{"name":"B","value":"two"},{"name":"C","value":"3"},{"name":"A","$patch":"delete"}],"#
            + #""ports":[{"containerPort":443,"protocol":"TCP"}]}]}}}}"#
        let nginx = containers(try apply(patch, to: deployment(containers: twoContainers)))[0]
        #expect(nginx["env"] == json(#"[{"name":"B","value":"two"},{"name":"C","value":"3"}]"#))
        #expect(nginx["ports"]?.arrayValue?.compactMap { $0["containerPort"] } == [443, 80])
    }

    @Test func deleteDirectiveRemovesAContainer() throws {
        let patch = #"{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}"#
        let result = try apply(patch, to: deployment(containers: twoContainers))
        #expect(containers(result).map { $0["name"] } == ["nginx"])
    }

    @Test func replaceDirectiveReplacesAListOrAMap() throws {
        let list = #"{"spec":{"template":{"spec":{"containers":[{"$patch":"replace"},{"name":"only","image":"x"}]}}}}"#
        #expect(
            containers(try apply(list, to: deployment(containers: twoContainers))) == [["name": "only", "image": "x"]])
        let map = #"{"metadata":{"labels":{"$patch":"replace","fresh":"yes"}}}"#
        let result = try apply(map, to: deployment(containers: twoContainers))
        #expect(result[path: ["metadata", "labels"]] == ["fresh": "yes"])
        #expect(result[path: ["metadata", "name"]] == "web")
        let emptied = try apply(#"{"metadata":{"labels":{"$patch":"delete"}}}"#, to: deployment(containers: "[]"))
        #expect(emptied[path: ["metadata", "labels"]] == .emptyObject)
    }

    @Test func primitiveMergeListsAreUnionedAndTrimmedByTheDeletionList() throws {
        let live = deployment(containers: "[]")
        let added = try apply(#"{"metadata":{"finalizers":["c","a"]}}"#, to: live)
        #expect(added[path: ["metadata", "finalizers"]] == ["c", "a", "b"])
        let trimmed = try apply(#"{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}}"#, to: live)
        #expect(trimmed[path: ["metadata", "finalizers"]] == ["b"])
        let both = try apply(
            #"{"metadata":{"$setElementOrder/finalizers":["b","x"],"finalizers":["x"],"#
                + #""$deleteFromPrimitiveList/finalizers":["a"]}}"#, to: live)
        #expect(both[path: ["metadata", "finalizers"]] == ["b", "x"])
    }

    @Test func retainKeysDropsUnlistedMembers() throws {
        let live = json(#"{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}"#)
        let result = try apply(#"{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}"#, to: live)
        #expect(result == json(#"{"spec":{"strategy":{"type":"Recreate"}}}"#))
        let mismatch = failure(#"{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{}}}}"#, to: live)
        #expect(mismatch?.message == "patch content doesn't match retainKeys list")
        #expect(failure(#"{"spec":{"strategy":{"$retainKeys":"type"}}}"#, to: live)?.kind == .malformed)
    }

    @Test func listsWithoutAMergeStrategyAreReplaced() throws {
        let live = deployment(containers: "[]", extra: #","tolerations":[{"key":"a"},{"key":"b"}]"#)
        let result = try apply(#"{"spec":{"template":{"spec":{"tolerations":[{"key":"c"}]}}}}"#, to: live)
        #expect(result[path: ["spec", "template", "spec", "tolerations"]] == [["key": "c"]])
        let args = deployment(containers: #"[{"name":"a","args":["x","y"]}]"#)
        let merged = try apply(#"{"spec":{"template":{"spec":{"containers":[{"name":"a","args":["z"]}]}}}}"#, to: args)
        #expect(containers(merged)[0]["args"] == ["z"])
    }

    @Test func nullsDeleteAndNeverAppear() throws {
        let live = deployment(containers: twoContainers)
        let result = try apply(
            #"{"metadata":{"labels":{"tier":null,"new":{"x":null}}},"spec":{"replicas":null}}"#, to: live)
        #expect(result[path: ["metadata", "labels"]] == json(#"{"app":"web","new":{}}"#))
        #expect(result[path: ["spec", "replicas"]] == nil)
    }

    @Test func schemalessDataMergesMapsAndReplacesLists() throws {
        let live = json(#"{"spec":{"items":[1,2],"nested":{"a":1,"b":2}}}"#)
        let patch = #"{"spec":{"items":[3],"nested":{"b":null,"c":3}}}"#
        let expected = json(#"{"spec":{"items":[3],"nested":{"a":1,"c":3}}}"#)
        #expect(try apply(patch, to: live, type: nil) == expected)
        #expect(try apply(patch, to: live, type: "example.com/v1.Unknown") == expected)
        let opaque = deployment(containers: "[]", extra: #","extra":{"list":[1,2]}"#)
        let merged = try apply(#"{"spec":{"template":{"spec":{"extra":{"list":[3]}}}}}"#, to: opaque)
        #expect(merged[path: ["spec", "template", "spec", "extra"]] == ["list": [3]])
    }

    @Test func invalidDirectivesAreErrors() {
        let live = deployment(containers: twoContainers)
        #expect(
            failure(#"{"metadata":{"labels":{"$patch":"explode"}}}"#, to: live)?.message.hasPrefix(
                "unknown patch type: explode") == true)
        let noKey = failure(#"{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}"#, to: live)
        #expect(noKey?.message == "map: map[image:x] does not contain declared merge key: name")
        #expect(failure(#"{"spec":{"template":{"spec":{"containers":[{"$patch":"delete"}]}}}}"#, to: live) != nil)
        #expect(
            failure(#"{"spec":{"template":{"spec":{"$setElementOrder/containers":{}}}}}"#, to: live)?.kind == .malformed
        )
        #expect(failure(#"{"metadata":{"$deleteFromPrimitiveList/finalizers":"a"}}"#, to: live)?.kind == .malformed)
        let outOfOrder =
            #"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"}],"#
            + #""containers":[{"name":"sidecar","image":"x"}]}}}}"#
        #expect(failure(outOfOrder, to: live)?.message.hasPrefix("The order in patch list:") == true)
        #expect(failure(#"[{"op":"add"}]"#, to: live)?.message == "invalid JSON document")
    }

    @Test func mergeDirectiveIsTheDefault() throws {
        let live = deployment(containers: twoContainers)
        let result = try apply(#"{"metadata":{"labels":{"$patch":"merge","x":"y"}}}"#, to: live)
        #expect(result[path: ["metadata", "labels"]] == ["app": "web", "tier": "front", "x": "y"])
    }
}
