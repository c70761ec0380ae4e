import Testing

@testable import KubeTypes

@Suite struct CustomResourceTests {
    static let cronTabSchema: JSON = [
        "type": "object",
        "description": "A scheduled job.",
        "properties": [
            "spec": [
                "type": "object",
                "description": "Desired schedule.",
                "required": ["size"],
                "properties": [
                    "cronSpec": ["type": "string", "pattern": "^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$"],
                    "image": ["type": "string", "minLength": 3, "maxLength": 20],
                    "replicas": ["type": "integer", "minimum": 1, "maximum": 10],
                    "size": ["type": "string", "enum": ["small", "large"]],
                    "port": ["x-kubernetes-int-or-string": true],
                    "tags": [
                        "type": "array", "items": ["type": "string"], "maxItems": 2, "x-kubernetes-list-type": "set",
                    ],
                    "containers": [
                        "type": "array",
                        "items": [
                            "type": "object", "required": ["name"],
                            "properties": ["name": ["type": "string"], "weight": ["type": "number", "default": 1]],
                        ],
                    ],
                    "labels": ["type": "object", "additionalProperties": ["type": "string"]],
                    "extra": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                    "mode": ["type": "string", "default": "auto"],
                ],
            ],
            "status": [
                "type": "object",
                "properties": [
                    "replicas": ["type": "integer"],
                    "selector": ["type": "string"],
                    "conditions": [
                        "type": "array",
                        "items": [
                            "type": "object",
                            "properties": ["type": ["type": "string"], "status": ["type": "string"]],
                        ],
                    ],
                ],
            ],
        ],
    ]

    static func crd(
        name: String = "crontabs.stable.example.com", versions: [JSON]? = nil, scope: String = "Namespaced"
    ) -> JSON {
        [
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": ["name": .string(name)],
            "spec": [
                "group": "stable.example.com", "scope": .string(scope),
                "names": ["plural": "crontabs", "singular": "crontab", "kind": "CronTab", "shortNames": ["ct"]],
                "versions": .array(
                    versions ?? [
                        [
                            "name": "v1", "served": true, "storage": true,
                            "schema": ["openAPIV3Schema": cronTabSchema],
                            "subresources": [
                                "status": [:],
                                "scale": [
                                    "specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas",
                                    "labelSelectorPath": ".status.selector",
                                ],
                            ],
                            "additionalPrinterColumns": [
                                ["name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"],
                                [
                                    "name": "Ready", "type": "string",
                                    "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status",
                                ],
                                ["name": "Image", "type": "string", "jsonPath": ".spec.image", "priority": 1],
                                ["name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"],
                            ],
                        ]
                    ]),
            ],
        ]
    }

    var strategy: ResourceStrategy { APIExtensionsV1.resources[0].strategy }

    func validCRD() -> JSON {
        var object = Self.crd()
        strategy.applyDefaults(&object)
        return object
    }

    func messages(_ errors: [FieldError]) -> [String] { errors.map(\.description) }

    @Test func crdDefaultsAndPrepareForCreate() {
        var object = validCRD()
        #expect(object[path: ["spec", "names", "listKind"]] == "CronTabList")
        #expect(object[path: ["spec", "conversion", "strategy"]] == "None")
        #expect(strategy.validateCreate(object).isEmpty)
        strategy.prepareForCreate(&object)
        #expect(object[path: ["status", "acceptedNames", "kind"]] == "CronTab")
        #expect(object[path: ["status", "storedVersions"]] == ["v1"])
        let conditions = object[path: ["status", "conditions"]]?.arrayValue ?? []
        #expect(conditions.map { $0["type"] } == ["NamesAccepted", "Established"])
        #expect(conditions.map { $0["reason"] } == ["NoConflicts", "InitialNamesAccepted"])
        let resource = APIExtensionsV1.resources[0]
        #expect(resource.shortNames == ["crd", "crds"] && !resource.namespaced && resource.strategy.hasStatus)
    }

    @Test func crdNameMustMatchPluralAndGroup() {
        var object = Self.crd(name: "crontab.example.com")
        strategy.applyDefaults(&object)
        #expect(
            messages(strategy.validateCreate(object)) == [
                "metadata.name: Invalid value: \"crontab.example.com\": must be spec.names.plural+\".\"+spec.group"
            ])
        object[path: ["spec", "group"]] = "example"
        object[path: ["metadata", "name"]] = "crontabs.example"
        #expect(
            messages(strategy.validateCreate(object)) == [
                "spec.group: Invalid value: \"example\": should be a domain with at least one dot"
            ])
    }

    @Test func crdVersionRules() {
        let schema: JSON = ["openAPIV3Schema": ["type": "object"]]
        var object = Self.crd(versions: [
            ["name": "v1", "served": true, "storage": true, "schema": schema],
            ["name": "v2", "served": true, "storage": true, "schema": schema],
        ])
        strategy.applyDefaults(&object)
        let errors = strategy.validateCreate(object)
        #expect(errors.map(\.field) == ["spec.versions"])
        #expect(errors.first?.detail == "must have exactly one version marked as storage version")

        object = Self.crd(versions: [["name": "v1", "served": true, "storage": true]])
        strategy.applyDefaults(&object)
        #expect(
            messages(strategy.validateCreate(object)) == [
                "spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required"
            ])

        object = Self.crd(versions: [
            [
                "name": "V1", "served": true, "storage": true,
                "schema": ["openAPIV3Schema": ["type": "string", "properties": ["a": [:]]]],
            ]
        ])
        strategy.applyDefaults(&object)
        #expect(
            strategy.validateCreate(object).map(\.field) == [
                "spec.versions[0].name",
                "spec.versions[0].schema.openAPIV3Schema.type",
                "spec.versions[0].schema.openAPIV3Schema.properties[a].type",
            ])
    }

    @Test func crdUpdateKeepsGroupAndEstablishedScope() {
        var old = validCRD()
        strategy.prepareForCreate(&old)
        var new = old
        new[path: ["spec", "group"]] = "other.example.com"
        new[path: ["spec", "scope"]] = "Cluster"
        let fields = strategy.validateUpdate(new, old).map(\.field)
        #expect(fields.contains("spec.group"))
        #expect(fields.contains("spec.scope"))
        var dropped = old
        dropped[path: ["spec", "versions"]] = [
            ["name": "v2", "served": true, "storage": true, "schema": ["openAPIV3Schema": ["type": "object"]]]
        ]
        #expect(strategy.validateUpdate(dropped, old).map(\.field) == ["status.storedVersions[0]"])
    }

    @Test func resourceTypeFromCRD() throws {
        let resource = try #require(CustomResources.resourceType(for: validCRD(), version: "v1"))
        #expect(resource.group == "stable.example.com" && resource.kind == "CronTab")
        #expect(resource.plural == "crontabs" && resource.singular == "crontab" && resource.shortNames == ["ct"])
        #expect(resource.namespaced)
        #expect(resource.schemaName == "com.example.stable.v1.CronTab")
        #expect(resource.strategy.hasStatus)
        #expect(resource.strategy.scale?.specReplicasPath == ["spec", "replicas"])
        #expect(resource.strategy.scale?.statusReplicasPath == ["status", "replicas"])
        #expect(resource.strategy.scale?.selectorPath == ["status", "selector"])
        #expect(resource.allSubresources.map(\.name) == ["status", "scale"])
        #expect(CustomResources.resourceType(for: validCRD(), version: "v9") == nil)
        let cluster = try #require(CustomResources.resourceType(for: Self.crd(scope: "Cluster"), version: "v1"))
        #expect(!cluster.namespaced)
    }

    @Test func printerColumnsWithJSONPath() throws {
        let resource = try #require(CustomResources.resourceType(for: validCRD(), version: "v1"))
        let table = resource.strategy.table
        #expect(table.columns.map(\.name) == ["Name", "Replicas", "Ready", "Image", "Age"])
        #expect(table.columns.map(\.priority) == [0, 0, 0, 1, 0])
        let object: JSON = [
            "metadata": ["name": "nightly", "creationTimestamp": "2026-01-01T00:00:00Z"],
            "spec": ["replicas": 3, "image": "busybox"],
            "status": ["conditions": [["type": "Synced", "status": "False"], ["type": "Ready", "status": "True"]]],
        ]
        let now = Timestamp.parse("2026-01-01T03:00:00Z")!
        #expect(table.cells(object, now) == ["nightly", 3, "True", "busybox", "3h"])
        #expect(table.cells(["metadata": ["name": "bare"]], now) == ["bare", nil, nil, nil, nil])

        let plain = PrinterColumns.table([])
        #expect(plain.columns.map(\.name) == ["Name", "Age"])
        #expect(plain.cells(object, now) == ["nightly", "3h"])
    }

    @Test func jsonPathSubset() throws {
        let document: JSON = [
            "items": [["name": "a", "port": 80], ["name": "b", "port": 443]],
            "meta": ["dotted.key": "x"],
        ]
        #expect(try JSONPathExpression(parsing: "{.items[*].name}").evaluate(document) == ["a", "b"])
        #expect(try JSONPathExpression(parsing: ".items[-1].port").evaluate(document) == [443])
        #expect(try JSONPathExpression(parsing: ".items[?(@.port > 100)].name").evaluate(document) == ["b"])
        #expect(try JSONPathExpression(parsing: ".meta['dotted.key']").evaluate(document) == ["x"])
        #expect(try JSONPathExpression(parsing: "$..port").evaluate(document) == [80, 443])
        #expect(JSONPathExpression.problem(".items[") != nil)
        #expect(JSONPathExpression.simpleFieldPath(".spec.replicas") == ["spec", "replicas"])
        #expect(JSONPathExpression.simpleFieldPath(".spec.items[0]") == nil)
    }

    func validate(_ spec: JSON) throws -> [String] {
        let resource = try #require(CustomResources.resourceType(for: validCRD(), version: "v1"))
        let object: JSON = [
            "apiVersion": "stable.example.com/v1", "kind": "CronTab", "metadata": ["name": "x"], "spec": spec,
        ]
        return messages(resource.strategy.validateCreate(object))
    }

    @Test func customObjectSchemaValidation() throws {
        #expect(try validate(["size": "small", "replicas": 2, "cronSpec": "*/5 * * * *", "port": "http"]).isEmpty)
        #expect(
            try validate(["size": "small", "replicas": "two"]) == [
                "spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\""
            ])
        #expect(try validate(["replicas": 2]) == ["spec.size: Required value"])
        #expect(
            try validate(["size": "medium"]) == [
                "spec.size: Unsupported value: \"medium\": supported values: \"small\", \"large\""
            ])
        #expect(
            try validate(["size": "small", "replicas": 0]) == [
                "spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1"
            ])
        #expect(
            try validate(["size": "small", "image": "ab"]) == [
                "spec.image: Invalid value: \"ab\": spec.image in body should be at least 3 chars long"
            ])
        #expect(
            try validate(["size": "small", "cronSpec": "every minute"]).first?.hasPrefix(
                "spec.cronSpec: Invalid value: \"every minute\": spec.cronSpec in body should match") == true)
        #expect(
            try validate(["size": "small", "containers": [["weight": 2], ["name": 3]]]) == [
                "spec.containers[0].name: Required value",
                "spec.containers[1].name: Invalid value: \"integer\": spec.containers[1].name in body must be of type string: \"integer\"",
            ])
        #expect(try validate(["size": "small", "tags": ["a", "a"]]) == ["spec.tags[1]: Duplicate value: \"a\""])
        #expect(
            try validate(["size": "small", "tags": ["a", "b", "c"]]) == [
                "spec.tags: Too many: 3: must have at most 2 items"
            ])
        #expect(
            try validate(["size": "small", "labels": ["a": 1]]).first?.hasPrefix("spec.labels.a: Invalid value") == true
        )
        #expect(try validate(["size": "small", "port": true]).count == 1)
    }

    @Test func defaultsFromSchema() throws {
        let resource = try #require(CustomResources.resourceType(for: validCRD(), version: "v1"))
        var object: JSON = ["spec": ["size": "small", "containers": [["name": "a"]]]]
        resource.strategy.applyDefaults(&object)
        #expect(object[path: ["spec", "mode"]] == "auto")
        #expect(object[path: ["spec", "containers"]]?.arrayValue?.first?["weight"] == 1)
    }

    @Test func pruningUnknownFields() {
        var object: JSON = [
            "apiVersion": "stable.example.com/v1", "kind": "CronTab",
            "metadata": ["name": "x", "labels": ["a": "b"]],
            "spec": [
                "size": "small", "foo": 1, "containers": [["name": "a", "bogus": true]],
                "extra": ["anything": ["goes": 1]], "labels": ["free": "form"],
            ],
            "junk": "x",
        ]
        let crd = validCRD()
        #expect(
            CustomResources.unknownFields(in: object, crd: crd, version: "v1") == [
                "junk", "spec.containers[0].bogus", "spec.foo",
            ])
        CustomResources.prune(&object, crd: crd, version: "v1")
        #expect(object["junk"] == nil)
        #expect(object[path: ["spec", "foo"]] == nil)
        #expect(object[path: ["spec", "containers"]] == [["name": "a"]])
        #expect(object[path: ["spec", "extra", "anything", "goes"]] == 1)
        #expect(object[path: ["spec", "labels", "free"]] == "form")
        #expect(object[path: ["metadata", "labels", "a"]] == "b")
        #expect(CustomResources.unknownFields(in: object, crd: crd, version: "v1").isEmpty)
    }

    @Test func schemasForExplain() throws {
        let schemas = CustomResources.schemas(for: validCRD(), version: "v1")
        let catalog = SchemaCatalog(schemas)
        let root = try #require(catalog["com.example.stable.v1.CronTab"])
        #expect(root.groupVersionKinds == [GroupVersionKind("stable.example.com", "v1", "CronTab")])
        #expect(root.description == "A scheduled job.")
        #expect(root.field("spec")?.type == .ref("com.example.stable.v1.CronTab.spec"))
        #expect(catalog["com.example.stable.v1.CronTab.spec"]?.description == "Desired schedule.")
        #expect(catalog["com.example.stable.v1.CronTabList"] != nil)
        let spec = ["spec"]
        #expect(catalog.field(at: spec + ["size"], from: root.name)?.required == true)
        #expect(catalog.field(at: spec + ["size"], from: root.name)?.enumValues == ["small", "large"])
        #expect(catalog.field(at: spec + ["port"], from: root.name)?.type == .intOrString)
        #expect(catalog.field(at: spec + ["extra"], from: root.name)?.type == .any)
        #expect(catalog.field(at: spec + ["labels"], from: root.name)?.type == .map(.string))
        #expect(catalog.field(at: spec + ["tags"], from: root.name)?.listType == "set")
        #expect(catalog.field(at: spec + ["containers", "name"], from: root.name)?.type == .string)
    }

    @Test func simpleRegex() throws {
        #expect(try SimpleRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$").matches("my-name"))
        #expect(try !SimpleRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$").matches("my-name-"))
        #expect(try SimpleRegex("\\d{2,3}").matches("a123"))
        #expect(try !SimpleRegex("^\\d{2,3}$").matches("1234"))
        #expect(try SimpleRegex("^(foo|bar)+$").matches("foobarfoo"))
        #expect(try SimpleRegex("^[^/]+$").matches("abc"))
        #expect(try !SimpleRegex("^[^/]+$").matches("a/c"))
        #expect((try? SimpleRegex("(?=x)")) == nil)
    }
}
