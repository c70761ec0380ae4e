import Testing

@testable import KubeTypes

@Suite struct PatchServerSideApplyTests {
    private func json(_ text: String) -> JSON { PatchFixtures.json(text) }

    private func apply(
        _ config: JSON, to live: JSON?, manager: String = "kubectl", force: Bool = false, time: String = "t2"
    ) throws -> JSON {
        try ServerSideApply.apply(
            config: config, to: live, manager: manager, force: force, apiVersion: "apps/v1", subresource: "",
            time: time, type: PatchFixtures.deployment, catalog: PatchFixtures.catalog, hasStatus: true)
    }

    private func update(
        _ old: JSON?, _ new: JSON, manager: String, subresource: String = "", time: String = "t1"
    )
        -> JSON
    {
        ManagedFields.recordUpdate(
            old: old, new: new, manager: manager, subresource: subresource, apiVersion: "apps/v1", time: time,
            type: PatchFixtures.deployment, catalog: PatchFixtures.catalog, hasStatus: true)
    }

    private func entry(_ object: JSON, _ manager: String, _ operation: String) -> ManagedFieldsEntry? {
        ManagedFields.entries(of: object).first { $0.manager == manager && $0.operation == operation }
    }

    private func config(replicas: Int64 = 2, labels: String = #"{"app":"web"}"#, containers: String? = nil) -> JSON {
        let list = containers ?? #"[{"name":"nginx","image":"nginx:1.27","ports":[{"containerPort":80}]}]"#
        return json(
            #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":"# + labels + "},"
                + #""spec":{"replicas":"# + String(replicas) + #","template":{"spec":{"containers":"# + list + "}}}}")
    }

    private func containers(_ object: JSON) -> [JSON] {
        object[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
    }

    @Test func createRecordsTheApplierEntry() throws {
        let created = try apply(config(), to: nil)
        #expect(created[path: ["spec", "replicas"]] == 2)
        let entries = created[path: ["metadata", "managedFields"]]?.arrayValue ?? []
        #expect(entries.count == 1)
        #expect(entries.first?["manager"] == "kubectl")
        #expect(entries.first?["operation"] == "Apply")
        #expect(entries.first?["apiVersion"] == "apps/v1")
        #expect(entries.first?["time"] == "t2")
        #expect(entries.first?["fieldsType"] == "FieldsV1")
        #expect(entries.first?["subresource"] == nil)
        let expected = json(
            #"{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"#
                + #""f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"#
                + #""k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}"#)
        #expect(entries.first?["fieldsV1"] == expected)
    }

    @Test func reapplyWithoutAFieldRemovesIt() throws {
        let created = try apply(config(labels: #"{"app":"web","tier":"front"}"#), to: nil)
        let reapplied = try apply(
            config(labels: #"{"app":"web"}"#, containers: #"[{"name":"nginx","image":"nginx:1.28"}]"#), to: created)
        #expect(reapplied[path: ["metadata", "labels"]] == ["app": "web"])
        let nginx = containers(reapplied)[0]
        #expect(nginx["image"] == "nginx:1.28")
        #expect(nginx["ports"] == nil)
        let owned = entry(reapplied, "kubectl", "Apply")?.fields
        #expect(owned?.contains([.field("metadata"), .field("labels"), .field("tier")]) == false)
    }

    @Test func fieldsAnotherApplierSharesSurviveTheirRemoval() throws {
        let first = try apply(config(), to: nil, manager: "alice")
        let shared = try apply(
            json(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":2}}"#),
            to: first, manager: "bob")
        let bob = entry(shared, "bob", "Apply")?.fields
        let alice = entry(shared, "alice", "Apply")?.fields
        #expect(bob?.contains([.field("spec"), .field("replicas")]) == true)
        #expect(alice?.contains([.field("spec"), .field("replicas")]) == true)
        let withoutReplicas = json(
            #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},"spec":{}}"#)
        let dropped = try apply(withoutReplicas, to: shared, manager: "alice")
        #expect(dropped[path: ["spec", "replicas"]] == 2)
        #expect(containers(dropped).isEmpty)
        #expect(dropped[path: ["spec", "template"]] == nil)
    }

    @Test func changingAFieldAnUpdaterOwnsConflictsUnlessForced() throws {
        let created = update(nil, config(replicas: 1), manager: "kubectl-client-side-apply")
        let conflict = #expect(throws: ApplyConflictError.self) { try apply(config(replicas: 3), to: created) }
        #expect(
            conflict?.message
                == #"Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas"#
        )
        #expect(
            conflict?.causes == [
                .init(
                    reason: "FieldManagerConflict",
                    message: #"conflict with "kubectl-client-side-apply" using apps/v1"#,
                    field: ".spec.replicas")
            ])
        // The same values are no conflict: both managers own them.
        let agreed = try apply(config(replicas: 1), to: created)
        #expect(
            entry(agreed, "kubectl-client-side-apply", "Update")?.fields.contains([.field("spec"), .field("replicas")])
                == true)
        let forced = try apply(config(replicas: 3), to: created, force: true)
        #expect(forced[path: ["spec", "replicas"]] == 3)
        #expect(entry(forced, "kubectl", "Apply")?.fields.contains([.field("spec"), .field("replicas")]) == true)
        #expect(
            entry(forced, "kubectl-client-side-apply", "Update")?.fields.contains([.field("spec"), .field("replicas")])
                == false)
    }

    @Test func scaleThroughTheSubresourceTakesReplicasAway() throws {
        let created = try apply(config(replicas: 2), to: nil)
        var scaled = created
        scaled[path: ["spec", "replicas"]] = 5
        let recorded = update(created, scaled, manager: "kubectl", subresource: "scale", time: "t3")
        let scaler = ManagedFields.entries(of: recorded).first { $0.subresource == "scale" }
        #expect(scaler?.fields.paths == [[.field("spec"), .field("replicas")]])
        #expect(entry(recorded, "kubectl", "Apply")?.fields.contains([.field("spec"), .field("replicas")]) == false)
        let conflict = #expect(throws: ApplyConflictError.self) { try apply(config(replicas: 2), to: recorded) }
        #expect(
            conflict?.conflicts == [
                .init(manager: #""kubectl" with subresource "scale" using apps/v1"#, field: ".spec.replicas")
            ])
    }

    @Test func severalConflictsAreGroupedByManager() throws {
        var live = update(nil, config(replicas: 1, labels: #"{"app":"old"}"#), manager: "zed")
        live = update(
            live,
            {
                var changed = live
                changed[path: ["spec", "template", "spec", "containers"]] = json(
                    #"[{"name":"nginx","image":"custom"}]"#)
                return changed
            }(), manager: "amy")
        let conflict = #expect(throws: ApplyConflictError.self) { try apply(config(replicas: 3), to: live) }
        #expect(
            conflict?.message == #"Apply failed with 3 conflicts: conflicts with "amy" using apps/v1:"# + "\n"
                + #"- .spec.template.spec.containers[name="nginx"].image"# + "\n"
                + #"conflicts with "zed" using apps/v1:"# + "\n- .metadata.labels.app\n- .spec.replicas")
        #expect(conflict?.causes.count == 3)
    }

    @Test func listElementsOthersAddedKeepTheirPlace() throws {
        let created = try apply(config(containers: #"[{"name":"a","image":"x"}]"#), to: nil)
        var injected = created
        injected[path: ["spec", "template", "spec", "containers"]] = json(
            #"[{"name":"a","image":"x"},{"name":"proxy","image":"envoy"}]"#)
        let live = update(created, injected, manager: "injector")
        let result = try apply(config(containers: #"[{"name":"a","image":"x"},{"name":"c","image":"y"}]"#), to: live)
        #expect(containers(result).map { $0["name"] } == ["a", "proxy", "c"])
        // Dropping "c" removes it; "proxy" belongs to the injector and stays.
        let dropped = try apply(config(containers: #"[{"name":"a","image":"x"}]"#), to: result)
        #expect(containers(dropped).map { $0["name"] } == ["a", "proxy"])
    }

    @Test func droppedElementPartlyOwnedElsewhereKeepsItsKeyAndThoseFields() throws {
        let created = try apply(config(containers: #"[{"name":"a","image":"x"},{"name":"b","image":"y"}]"#), to: nil)
        var edited = created
        edited[path: ["spec", "template", "spec", "containers"]] = json(
            #"[{"name":"a","image":"x"},{"name":"b","image":"y","args":["--v"]}]"#)
        let live = update(created, edited, manager: "editor")
        let result = try apply(config(containers: #"[{"name":"a","image":"x"}]"#), to: live)
        #expect(containers(result).last == ["name": "b", "args": ["--v"]])
    }

    @Test func noOpApplyKeepsTheTimeAndInvalidConfigIsRejected() throws {
        let created = try apply(config(), to: nil, time: "t1")
        let again = try apply(config(), to: created, time: "t9")
        #expect(entry(again, "kubectl", "Apply")?.time == "t1")
        #expect(throws: PatchError.self) { try apply([1], to: created) }
    }

    @Test func updatesMoveOwnershipAndDropEmptyEntries() {
        let created = update(nil, config(replicas: 1), manager: "creator")
        let creator = entry(created, "creator", "Update")
        #expect(creator?.time == "t1")
        #expect(creator?.fields.contains([.field("spec"), .field("replicas")]) == true)
        #expect(creator?.fields.contains([.field("metadata"), .field("name")]) == false)
        #expect(creator?.fields.contains([.field("apiVersion")]) == false)
        // Changing every field the creator owned leaves it nothing.
        var changed = created
        changed[path: ["spec", "replicas"]] = 4
        changed[path: ["metadata", "labels"]] = nil
        changed[path: ["spec", "template"]] = nil
        changed[path: ["status"]] = ["replicas": 4]
        let result = update(created, changed, manager: "other", time: "t2")
        #expect(entry(result, "creator", "Update") == nil)
        #expect(entry(result, "other", "Update")?.fields.paths == [[.field("spec"), .field("replicas")]])
        // An unchanged write records nothing new.
        #expect(update(result, result, manager: "idle", time: "t3") == result)
    }

    @Test func sentManagedFieldsCanResetOwnership() {
        let created = update(nil, config(), manager: "creator")
        var reset = created
        reset[path: ["metadata", "managedFields"]] = [.emptyObject]
        let result = update(created, reset, manager: "resetter")
        #expect(result[path: ["metadata", "managedFields"]] == nil)
    }
}
