import Testing

@testable import KubeTypes

/// A Deployment as `kubectl create deployment web --image=nginx` would send it, before defaults.
func workloadSampleDeployment(replicas: JSON = 3) -> JSON {
    [
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": ["name": "web", "namespace": "default", "creationTimestamp": "2026-11-21T09:00:00Z"],
        "spec": [
            "replicas": replicas,
            "selector": ["matchLabels": ["app": "web"]],
            "template": [
                "metadata": ["labels": ["app": "web"]],
                "spec": ["restartPolicy": "Always", "containers": [["name": "nginx", "image": "nginx:1.27"]]],
            ],
        ],
    ]
}

func workloadResource(_ kind: String, in resources: [ResourceType]) -> ResourceType {
    resources.first { $0.kind == kind }!
}

func workloadErrorFields(_ errors: [FieldError]) -> [String] { errors.map(\.field) }

@Suite struct AppsTests {
    let deployments = workloadResource("Deployment", in: AppsV1.resources)

    @Test func deploymentDefaultsFillStrategyAndLimits() {
        var object = workloadSampleDeployment(replicas: nil)
        object[path: ["spec", "replicas"]] = nil
        deployments.strategy.applyDefaults(&object)
        let spec = object["spec"]!
        #expect(spec["replicas"] == 1)
        #expect(spec[path: ["strategy", "type"]] == "RollingUpdate")
        #expect(spec[path: ["strategy", "rollingUpdate", "maxUnavailable"]] == "25%")
        #expect(spec[path: ["strategy", "rollingUpdate", "maxSurge"]] == "25%")
        #expect(spec["revisionHistoryLimit"] == 10)
        #expect(spec["progressDeadlineSeconds"] == 600)
        #expect(deployments.strategy.validateCreate(object).isEmpty)
    }

    @Test func recreateStrategyGetsNoRollingUpdateDefaults() {
        var object = workloadSampleDeployment()
        object[path: ["spec", "strategy"]] = ["type": "Recreate"]
        deployments.strategy.applyDefaults(&object)
        #expect(object[path: ["spec", "strategy", "rollingUpdate"]] == nil)
        object[path: ["spec", "strategy", "rollingUpdate"]] = ["maxSurge": 1]
        let errors = deployments.strategy.validateCreate(object)
        #expect(workloadErrorFields(errors) == ["spec.strategy.rollingUpdate"])
    }

    @Test func selectorMustMatchTemplateLabels() {
        var object = workloadSampleDeployment()
        object[path: ["spec", "template", "metadata", "labels"]] = ["app": "other", "tier": "front"]
        deployments.strategy.applyDefaults(&object)
        let errors = deployments.strategy.validateCreate(object)
        #expect(errors.count == 1)
        #expect(
            errors.first?.description
                == "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"other\", \"tier\":\"front\"}: `selector` does not match template `labels`"
        )
    }

    @Test func missingSelectorIsRequired() {
        var object = workloadSampleDeployment()
        object[path: ["spec", "selector"]] = nil
        deployments.strategy.applyDefaults(&object)
        let errors = deployments.strategy.validateCreate(object)
        #expect(errors.map(\.description) == ["spec.selector: Required value"])
    }

    @Test func negativeReplicasAreRejected() {
        var object = workloadSampleDeployment(replicas: -1)
        deployments.strategy.applyDefaults(&object)
        let errors = deployments.strategy.validateCreate(object)
        #expect(errors.map(\.description) == ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"])
    }

    @Test func surgeAndUnavailableMayNotBothBeZero() {
        var object = workloadSampleDeployment()
        object[path: ["spec", "strategy"]] = ["rollingUpdate": ["maxSurge": 0, "maxUnavailable": "0%"]]
        deployments.strategy.applyDefaults(&object)
        let errors = deployments.strategy.validateCreate(object)
        #expect(workloadErrorFields(errors) == ["spec.strategy.rollingUpdate.maxUnavailable"])
        #expect(errors.first?.message.hasSuffix("may not be 0 when `maxSurge` is 0") == true)
    }

    @Test func badPercentAndOver100PercentAreRejected() {
        var object = workloadSampleDeployment()
        object[path: ["spec", "strategy"]] = ["rollingUpdate": ["maxSurge": "abc", "maxUnavailable": "150%"]]
        deployments.strategy.applyDefaults(&object)
        let errors = deployments.strategy.validateCreate(object)
        #expect(
            Set(workloadErrorFields(errors)) == [
                "spec.strategy.rollingUpdate.maxSurge", "spec.strategy.rollingUpdate.maxUnavailable",
            ])
        #expect(errors.contains { $0.message.hasSuffix("must not be greater than 100%") })
    }

    @Test func unknownStrategyTypeIsUnsupported() {
        var object = workloadSampleDeployment()
        object[path: ["spec", "strategy"]] = ["type": "BlueGreen"]
        deployments.strategy.applyDefaults(&object)
        let errors = deployments.strategy.validateCreate(object)
        #expect(
            errors.map(\.description)
                == [
                    "spec.strategy.type: Unsupported value: \"BlueGreen\": supported values: \"Recreate\", \"RollingUpdate\""
                ])
    }

    @Test func templateMustRestartAlways() {
        var object = workloadSampleDeployment()
        object[path: ["spec", "template", "spec", "restartPolicy"]] = "Never"
        deployments.strategy.applyDefaults(&object)
        let errors = deployments.strategy.validateCreate(object)
        #expect(
            errors.map(\.description)
                == ["spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""])
    }

    @Test func progressDeadlineMustExceedMinReady() {
        var object = workloadSampleDeployment()
        object[path: ["spec", "minReadySeconds"]] = 700
        deployments.strategy.applyDefaults(&object)
        let errors = deployments.strategy.validateCreate(object)
        #expect(
            errors.map(\.description) == [
                "spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds"
            ])
    }

    @Test func selectorIsImmutable() {
        var old = workloadSampleDeployment()
        deployments.strategy.applyDefaults(&old)
        var new = old
        new[path: ["spec", "selector", "matchLabels"]] = ["app": "web2"]
        new[path: ["spec", "template", "metadata", "labels"]] = ["app": "web2"]
        let errors = deployments.strategy.validateUpdate(new, old)
        #expect(
            errors.map(\.description) == [
                "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web2\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"
            ])
        #expect(deployments.strategy.validateUpdate(old, old).isEmpty)
    }

    @Test func deploymentTableCells() {
        var object = workloadSampleDeployment()
        object["status"] = ["readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2]
        let table = deployments.strategy.table
        #expect(
            table.columns.map(\.name) == [
                "Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector",
            ])
        #expect(table.columns.map(\.priority) == [0, 0, 0, 0, 0, 1, 1, 1])
        let now = Timestamp.parse("2026-11-21T09:05:00Z")!
        let cells = table.cells(object, now)
        #expect(cells.count == table.columns.count)
        #expect(Array(cells.prefix(5)) == ["web", "2/3", 3, 2, "5m"])
        #expect(cells[7] == "app=web")
    }

    @Test func discoveryFacts() {
        let byPlural = Dictionary(uniqueKeysWithValues: AppsV1.resources.map { ($0.plural, $0) })
        #expect(byPlural["deployments"]?.shortNames == ["deploy"])
        #expect(byPlural["deployments"]?.allSubresources.map(\.name) == ["status", "scale"])
        #expect(byPlural["daemonsets"]?.allSubresources.map(\.name) == ["status"])
        #expect(byPlural["statefulsets"]?.strategy.scale != nil)
        #expect(byPlural["controllerrevisions"]?.categories == [])
        for plural in ["deployments", "replicasets", "daemonsets", "statefulsets"] {
            #expect(byPlural[plural]?.categories == ["all"])
        }
        #expect(AutoscalingAPI.resources.map(\.plural) == ["horizontalpodautoscalers"])
        #expect(PolicyV1.resources.first?.shortNames == ["pdb"])
    }

    @Test func schemasReferToKnownDefinitionsAndCarryKinds() {
        let all = AppsV1.schemas + BatchV1.schemas + AutoscalingAPI.schemas + PolicyV1.schemas
        let names = Set(all.map(\.name))
        #expect(names.count == all.count)
        let external = [
            "io.k8s.apimachinery.pkg.apis.meta.v1.", "io.k8s.api.core.v1.",
        ]
        for schema in all {
            for field in schema.fields {
                guard let target = AppsCatalogTests.referencedName(field.type) else { continue }
                #expect(
                    names.contains(target) || external.contains { target.hasPrefix($0) },
                    "\(schema.name).\(field.name) refers to \(target)")
            }
        }
        for resource in AppsV1.resources + BatchV1.resources + AutoscalingAPI.resources + PolicyV1.resources {
            let schema = all.first { $0.name == resource.schemaName }
            #expect(schema?.groupVersionKinds == [resource.groupVersionKind])
        }
        let catalog = SchemaCatalog(all)
        let conditions = catalog.field(at: ["status", "conditions"], from: "io.k8s.api.apps.v1.Deployment")
        #expect(conditions?.patchMergeKey == "type")
        #expect(conditions?.listMapKeys == ["type"])
        #expect(catalog["io.k8s.api.autoscaling.v1.ScaleStatus"]?.field("selector")?.type == .string)
    }
}
