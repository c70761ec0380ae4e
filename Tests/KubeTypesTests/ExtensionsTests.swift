import Testing

@testable import KubeTypes

@Suite struct ExtensionsTests {
    func resource(_ group: String, _ plural: String) -> ResourceType {
        let all =
            CoordinationV1.resources + DiscoveryV1.resources + EventsV1.resources + RBACV1.resources
            + AuthorizationV1.resources + APIExtensionsV1.resources
        return all.first { $0.group == group && $0.plural == plural }!
    }

    func messages(_ errors: [FieldError]) -> [String] { errors.map(\.description) }

    @Test func everyReferencedDefinitionInMyGroupsExists() {
        let mine =
            CoordinationV1.schemas + DiscoveryV1.schemas + EventsV1.schemas + RBACV1.schemas
            + AuthorizationV1.schemas + APIExtensionsV1.schemas
        let names = Set(mine.map(\.name))
        func refs(_ type: SchemaType) -> [String] {
            switch type {
            case .ref(let name): [name]
            case .array(let element), .map(let element): refs(element)
            default: []
            }
        }
        let external = ["io.k8s.apimachinery.", "io.k8s.api.core.v1."]
        for schema in mine {
            for field in schema.fields {
                for name in refs(field.type) where !external.contains(where: name.hasPrefix) {
                    #expect(names.contains(name), "\(schema.name).\(field.name) refers to missing \(name)")
                }
            }
        }
        #expect(names.contains("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps"))
    }

    @Test func selfSubjectAccessReviewIsCreateOnlyAndClusterScoped() {
        let ssar = resource("authorization.k8s.io", "selfsubjectaccessreviews")
        #expect(ssar.verbs == ["create"])
        #expect(!ssar.namespaced)
        #expect(!ssar.strategy.tracksGeneration)
        #expect(resource("authorization.k8s.io", "localsubjectaccessreviews").namespaced)
        let bad = ssar.strategy.validateCreate(["spec": [:]])
        #expect(messages(bad).first?.contains("exactly one of nonResourceAttributes or resourceAttributes") == true)
        let good: JSON = ["spec": ["resourceAttributes": ["verb": "list", "resource": "pods"]]]
        #expect(ssar.strategy.validateCreate(good).isEmpty)
        let sar = resource("authorization.k8s.io", "subjectaccessreviews")
        #expect(
            messages(sar.strategy.validateCreate(good)) == [
                "spec.user: Invalid value: \"\": at least one of user or group must be specified"
            ])
    }

    @Test func roleRefCannotChange() {
        let bindings = resource("rbac.authorization.k8s.io", "rolebindings")
        var old: JSON = [
            "metadata": ["name": "b", "namespace": "default"],
            "roleRef": ["kind": "ClusterRole", "name": "view"],
            "subjects": [
                ["kind": "User", "name": "alice"], ["kind": "ServiceAccount", "name": "ci", "namespace": "x"],
            ],
        ]
        bindings.strategy.applyDefaults(&old)
        #expect(old[path: ["roleRef", "apiGroup"]] == "rbac.authorization.k8s.io")
        #expect(old[path: ["subjects"]]?.arrayValue?[1]["apiGroup"] == "")
        #expect(bindings.strategy.validateCreate(old).isEmpty)
        var new = old
        new[path: ["roleRef", "name"]] = "edit"
        let errors = bindings.strategy.validateUpdate(new, old)
        #expect(errors.count == 1)
        #expect(errors.first?.field == "roleRef")
        #expect(errors.first?.description.hasSuffix(": cannot change roleRef") == true)
        #expect(bindings.strategy.validateUpdate(old, old).isEmpty)
    }

    @Test func bindingSubjectsAndRoleKinds() {
        let clusterBindings = resource("rbac.authorization.k8s.io", "clusterrolebindings")
        let binding: JSON = [
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"],
            "subjects": [["kind": "ServiceAccount", "name": "ci"], ["kind": "Robot", "name": "x"]],
        ]
        #expect(
            messages(clusterBindings.strategy.validateCreate(binding)) == [
                "roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\"",
                "subjects[0].namespace: Required value",
                "subjects[1].kind: Unsupported value: \"Robot\": supported values: \"ServiceAccount\", \"User\", \"Group\"",
            ])
        let table = clusterBindings.strategy.table
        var row = binding
        row[path: ["roleRef", "kind"]] = "ClusterRole"
        row["subjects"] = [
            ["kind": "User", "name": "alice"], ["kind": "User", "name": "bob"],
            ["kind": "ServiceAccount", "name": "ci", "namespace": "build"],
        ]
        let cells = table.cells(row, 0)
        #expect(table.columns.map(\.name) == ["Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"])
        #expect(cells[1] == "ClusterRole/r")
        #expect(cells[3] == "alice, bob")
        #expect(cells[5] == "build/ci")
    }

    @Test func policyRules() {
        let roles = resource("rbac.authorization.k8s.io", "roles")
        let role: JSON = [
            "rules": [
                ["resources": ["pods"]],
                ["verbs": ["get"], "nonResourceURLs": ["/healthz"]],
            ]
        ]
        #expect(
            messages(roles.strategy.validateCreate(role)) == [
                "rules[0].verbs: Required value: verbs must contain at least one value",
                "rules[0].apiGroups: Required value: resource rules must supply at least one api group",
                "rules[1].nonResourceURLs: Invalid value: [\"/healthz\"]: namespaced rules cannot apply to non-resource URLs",
            ])
        let clusterRoles = resource("rbac.authorization.k8s.io", "clusterroles")
        let clusterRole: JSON = ["rules": [["verbs": ["get"], "nonResourceURLs": ["/healthz"]]]]
        #expect(clusterRoles.strategy.validateCreate(clusterRole).isEmpty)
        let aggregated: JSON = ["aggregationRule": ["clusterRoleSelectors": []]]
        #expect(
            clusterRoles.strategy.validateCreate(aggregated).map(\.field) == ["aggregationRule.clusterRoleSelectors"])
        let created: JSON = ["metadata": ["name": "view", "creationTimestamp": "2026-01-02T03:04:05Z"]]
        #expect(clusterRoles.strategy.table.cells(created, 0) == ["view", "2026-01-02T03:04:05Z"])
    }

    @Test func endpointSliceValidationAndTable() {
        let slices = resource("discovery.k8s.io", "endpointslices")
        var slice: JSON = [
            "addressType": "IPv4",
            "endpoints": [
                ["addresses": ["10.0.0.1", "10.0.0.2"]], ["addresses": ["10.0.0.3", "10.0.0.4", "10.0.0.5"]],
            ],
            "ports": [["name": "http", "port": 80], ["name": "https", "port": 443]],
        ]
        slices.strategy.applyDefaults(&slice)
        #expect(slice["ports"]?.arrayValue?.first?["protocol"] == "TCP")
        #expect(slices.strategy.validateCreate(slice).isEmpty)
        let cells = slices.strategy.table.cells(slice, 0)
        #expect(cells[2] == "80,443")
        #expect(cells[3] == "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...")
        #expect(slices.strategy.table.cells(["addressType": "IPv4"], 0)[2] == "<unset>")

        let bad: JSON = [
            "addressType": "IPX",
            "endpoints": [["addresses": []], ["addresses": ["300.1.1.1"]]],
        ]
        #expect(
            messages(slices.strategy.validateCreate(bad)) == [
                "addressType: Unsupported value: \"IPX\": supported values: \"IPv4\", \"IPv6\", \"FQDN\"",
                "endpoints[0].addresses: Required value: must contain at least 1 address",
            ])
        var v4 = bad
        v4["addressType"] = "IPv4"
        #expect(
            messages(slices.strategy.validateCreate(v4)).last
                == "endpoints[1].addresses[0]: Invalid value: \"300.1.1.1\": must be a valid IPv4 address")
        let many = JSON.array((0..<101).map { .string("10.0.0.\($0 % 250)") })
        let tooMany: JSON = ["addressType": "IPv4", "endpoints": [["addresses": many]]]
        #expect(slices.strategy.validateCreate(tooMany).map(\.kind) == [.tooMany])
        var v6 = slice
        v6["addressType"] = "IPv6"
        #expect(slices.strategy.validateUpdate(v6, slice).contains { $0.field == "addressType" })
        var unnamed = slice
        unnamed["ports"] = [["port": 80], ["port": 443]]
        slices.strategy.applyDefaults(&unnamed)
        #expect(messages(slices.strategy.validateCreate(unnamed)) == ["ports[1].name: Duplicate value: \"\""])
    }

    @Test func ipAddressChecks() {
        #expect(NetworkAddress.isIPv4("192.168.0.1"))
        #expect(!NetworkAddress.isIPv4("192.168.0"))
        #expect(NetworkAddress.isIPv6("fd00::1"))
        #expect(NetworkAddress.isIPv6("::ffff:10.0.0.1"))
        #expect(NetworkAddress.isIPv6("2001:db8:0:0:0:0:0:1"))
        #expect(!NetworkAddress.isIPv6("2001:db8::1::2"))
        #expect(!NetworkAddress.isIPv6("10.0.0.1"))
        #expect(NetworkAddress.fqdnProblem("example.com") == nil)
        #expect(NetworkAddress.fqdnProblem("localhost") != nil)
    }

    @Test func eventsTableAndValidation() {
        let events = resource("events.k8s.io", "events")
        #expect(events.shortNames == ["ev"])
        #expect(!events.strategy.tracksGeneration)
        #expect(
            events.strategy.table.columns.filter { $0.priority == 0 }.map(\.name) == [
                "Last Seen", "Type", "Reason", "Object", "Message",
            ])
        let event: JSON = [
            "metadata": ["name": "web.1"], "eventTime": "2026-01-01T00:00:00.000000Z", "type": "Normal",
            "reason": "Scheduled", "action": "Binding", "reportingController": "default-scheduler",
            "reportingInstance": "sched-1", "note": "assigned", "regarding": ["kind": "Pod", "name": "web"],
            "series": ["count": 3, "lastObservedTime": "2026-01-01T00:05:00.000000Z"],
        ]
        #expect(events.strategy.validateCreate(event).isEmpty)
        let now = Timestamp.parse("2026-01-01T00:10:00Z")!
        let cells = events.strategy.table.cells(event, now)
        #expect(cells[0] == "5m")
        #expect(cells[3] == "pod/web")
        #expect(cells[5] == "default-scheduler, sched-1")
        #expect(cells[7] == "10m")
        #expect(cells[8] == 3)
        #expect(events.strategy.validateCreate(["type": "Odd"]).map(\.field).contains("eventTime"))
        var renamed = event
        renamed["reason"] = "Other"
        #expect(events.strategy.validateUpdate(renamed, event).map(\.field) == ["reason"])
    }

    @Test func leaseTableAndValidation() {
        let leases = resource("coordination.k8s.io", "leases")
        let lease: JSON = [
            "metadata": ["name": "node-1"], "spec": ["holderIdentity": "node-1", "leaseDurationSeconds": 40],
        ]
        #expect(leases.strategy.table.cells(lease, 0)[1] == "node-1")
        #expect(leases.strategy.validateCreate(lease).isEmpty)
        var bad = lease
        bad[path: ["spec", "leaseDurationSeconds"]] = 0
        #expect(
            messages(leases.strategy.validateCreate(bad)) == [
                "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"
            ])
    }
}
