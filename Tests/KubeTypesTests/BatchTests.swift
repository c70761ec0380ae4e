import Testing

@testable import KubeTypes

func workloadSampleJob() -> JSON {
    [
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": [
            "name": "pi", "namespace": "default", "uid": "1111-2222", "creationTimestamp": "2026-11-21T09:00:00Z",
        ],
        "spec": [
            "template": [
                "spec": [
                    "restartPolicy": "Never", "containers": [["name": "pi", "image": "perl:5.34"]],
                ]
            ]
        ],
    ]
}

@Suite struct BatchTests {
    let jobs = workloadResource("Job", in: BatchV1.resources)
    let cronJobs = workloadResource("CronJob", in: BatchV1.resources)

    /// Runs defaulting and create preparation the way the server does before validation.
    func created(_ object: JSON, _ type: ResourceType) -> JSON {
        var object = object
        type.strategy.applyDefaults(&object)
        type.strategy.prepareForCreate(&object)
        return object
    }

    @Test func jobDefaults() {
        let job = created(workloadSampleJob(), jobs)
        let spec = job["spec"]!
        #expect(spec["parallelism"] == 1)
        #expect(spec["completions"] == 1)
        #expect(spec["backoffLimit"] == 6)
        #expect(spec["completionMode"] == "NonIndexed")
        #expect(spec["suspend"] == false)
        #expect(spec["podReplacementPolicy"] == "TerminatingOrFailed")
        #expect(spec["manualSelector"] == nil)
        #expect(job["status"] == .emptyObject)
    }

    @Test func parallelismAloneLeavesCompletionsUnset() {
        var job = workloadSampleJob()
        job[path: ["spec", "parallelism"]] = 4
        job = created(job, jobs)
        #expect(job[path: ["spec", "completions"]] == nil)
        #expect(job[path: ["spec", "parallelism"]] == 4)
    }

    @Test func selectorIsGeneratedFromUID() {
        let job = created(workloadSampleJob(), jobs)
        #expect(
            job[path: ["spec", "selector"]] == ["matchLabels": ["batch.kubernetes.io/controller-uid": "1111-2222"]])
        #expect(
            job[path: ["spec", "template", "metadata", "labels"]] == [
                "batch.kubernetes.io/controller-uid": "1111-2222", "batch.kubernetes.io/job-name": "pi",
                "controller-uid": "1111-2222", "job-name": "pi",
            ])
        #expect(jobs.strategy.validateCreate(job).isEmpty)
    }

    @Test func manualSelectorIsLeftAlone() {
        var job = workloadSampleJob()
        job[path: ["spec", "manualSelector"]] = true
        job[path: ["spec", "selector"]] = ["matchLabels": ["app": "pi"]]
        job[path: ["spec", "template", "metadata"]] = ["labels": ["app": "pi"]]
        job = created(job, jobs)
        #expect(job[path: ["spec", "selector"]] == ["matchLabels": ["app": "pi"]])
        #expect(jobs.strategy.validateCreate(job).isEmpty)
    }

    @Test func userSelectorWithoutManualFlagIsRejected() {
        var job = workloadSampleJob()
        job[path: ["spec", "selector"]] = ["matchLabels": ["app": "pi"]]
        job[path: ["spec", "template", "metadata"]] = ["labels": ["app": "pi"]]
        let errors = jobs.strategy.validateCreate(created(job, jobs))
        #expect(workloadErrorFields(errors).contains("spec.selector"))
        #expect(errors.contains { $0.message.hasSuffix("`selector` not auto-generated") })
    }

    @Test func restartPolicyAlwaysIsRejected() {
        var job = workloadSampleJob()
        job[path: ["spec", "template", "spec", "restartPolicy"]] = "Always"
        let errors = jobs.strategy.validateCreate(created(job, jobs))
        #expect(
            errors.map(\.description) == [
                "spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\""
            ])
    }

    @Test func negativeCountsAreRejected() {
        var job = workloadSampleJob()
        job[path: ["spec", "backoffLimit"]] = -1
        job[path: ["spec", "completions"]] = -2
        job[path: ["spec", "parallelism"]] = -3
        let errors = jobs.strategy.validateCreate(created(job, jobs))
        #expect(Set(workloadErrorFields(errors)) == ["spec.backoffLimit", "spec.completions", "spec.parallelism"])
    }

    @Test func templateIsImmutable() {
        let old = created(workloadSampleJob(), jobs)
        var new = old
        new[path: ["spec", "template", "spec", "containers"]] = [["name": "pi", "image": "perl:5.36"]]
        jobs.strategy.applyDefaults(&new)
        #expect(workloadErrorFields(jobs.strategy.validateUpdate(new, old)) == ["spec.template"])
        #expect(jobs.strategy.validateUpdate(old, old).isEmpty)
    }

    @Test func jobTableCells() {
        var job = created(workloadSampleJob(), jobs)
        job["status"] = [
            "succeeded": 1, "startTime": "2026-11-21T09:00:10Z", "completionTime": "2026-11-21T09:00:40Z",
            "conditions": [["type": "Complete", "status": "True"]],
        ]
        let table = jobs.strategy.table
        #expect(
            table.columns.map(\.name) == [
                "Name", "Status", "Completions", "Duration", "Age", "Containers", "Images", "Selector",
            ])
        let cells = table.cells(job, Timestamp.parse("2026-11-21T10:00:00Z")!)
        #expect(Array(cells.prefix(5)) == ["pi", "Complete", "1/1", "30s", "60m"])
        #expect(cells[7] == "batch.kubernetes.io/controller-uid=1111-2222")
    }

    @Test func jobStatusCell() {
        var job = workloadSampleJob()
        #expect(BatchV1.jobStatus(job) == "Running")
        job[path: ["status", "conditions"]] = [["type": "Suspended", "status": "True"]]
        #expect(BatchV1.jobStatus(job) == "Suspended")
        job[path: ["status", "conditions"]] = [["type": "Failed", "status": "True"]]
        #expect(BatchV1.jobStatus(job) == "Failed")
        job[path: ["spec", "parallelism"]] = 3
        #expect(BatchV1.jobCompletions(job) == "0/1 of 3")
    }

    @Test func cronSchedules() {
        for good in ["*/5 * * * *", "0 0 1 jan-jun mon-fri", "15,45 8-18/2 ? * SUN", "@hourly", "@every 1h30m"] {
            #expect(CronSchedule.problem(good) == nil, "\(good)")
        }
        #expect(CronSchedule.problem("* * *") == "expected exactly 5 fields, found 3: [* * *]")
        #expect(CronSchedule.problem("70 * * * *") == "end of range (70) above maximum (59): 70")
        #expect(CronSchedule.problem("5-3 * * * *") == "beginning of range (5) beyond end of range (3): 5-3")
        #expect(CronSchedule.problem("0 0 0 * *") == "beginning of range (0) below minimum (1): 0")
        #expect(
            CronSchedule.problem("x * * * *")
                == "failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax")
        #expect(CronSchedule.problem("*/0 * * * *") == "step of range should be a positive number: */0")
        #expect(CronSchedule.problem("@fortnightly") == "unrecognized descriptor: @fortnightly")
        #expect(CronSchedule.problem("@every soon") != nil)
    }

    func sampleCronJob(schedule: String) -> JSON {
        [
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": ["name": "tick", "namespace": "default", "creationTimestamp": "2026-11-21T09:00:00Z"],
            "spec": ["schedule": .string(schedule), "jobTemplate": workloadSampleJob()["spec"].map { ["spec": $0] }!],
        ]
    }

    @Test func cronJobDefaultsAndValidation() {
        let good = created(sampleCronJob(schedule: "*/1 * * * *"), cronJobs)
        #expect(good[path: ["spec", "concurrencyPolicy"]] == "Allow")
        #expect(good[path: ["spec", "suspend"]] == false)
        #expect(good[path: ["spec", "successfulJobsHistoryLimit"]] == 3)
        #expect(good[path: ["spec", "failedJobsHistoryLimit"]] == 1)
        #expect(cronJobs.strategy.validateCreate(good).isEmpty)

        let bad = created(sampleCronJob(schedule: "61 * * * *"), cronJobs)
        #expect(
            cronJobs.strategy.validateCreate(bad).map(\.description) == [
                "spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61"
            ])
        let zoned = created(sampleCronJob(schedule: "TZ=UTC 0 * * * *"), cronJobs)
        #expect(cronJobs.strategy.validateCreate(zoned).contains { $0.detail.hasPrefix("cannot use TZ or CRON_TZ") })
    }

    @Test func cronJobTemplateRejectsSelectorAndBadRestartPolicy() {
        var cron = sampleCronJob(schedule: "@daily")
        cron[path: ["spec", "jobTemplate", "spec", "selector"]] = ["matchLabels": ["a": "b"]]
        cron[path: ["spec", "jobTemplate", "spec", "template", "spec", "restartPolicy"]] = "Always"
        let errors = cronJobs.strategy.validateCreate(created(cron, cronJobs))
        #expect(
            Set(workloadErrorFields(errors)) == [
                "spec.jobTemplate.spec.selector", "spec.jobTemplate.spec.template.spec.restartPolicy",
            ])
    }

    @Test func cronJobTableCells() {
        var cron = created(sampleCronJob(schedule: "@daily"), cronJobs)
        cron["status"] = ["active": [["name": "tick-1"]], "lastScheduleTime": "2026-11-21T09:59:00Z"]
        let cells = cronJobs.strategy.table.cells(cron, Timestamp.parse("2026-11-21T10:00:00Z")!)
        #expect(Array(cells.prefix(7)) == ["tick", "@daily", "<none>", "False", 1, "60s", "60m"])
    }
}
