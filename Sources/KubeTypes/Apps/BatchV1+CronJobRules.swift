/// Defaulting and validation of CronJobs (upstream `batch/v1/defaults.go` and `batch/validation`).
extension BatchV1 {
    static func defaultCronJob(_ object: inout JSON) {
        var spec = object["spec"] ?? .emptyObject
        if (spec["concurrencyPolicy"]?.stringValue ?? "").isEmpty { spec["concurrencyPolicy"] = "Allow" }
        if isUnset(spec["suspend"]) { spec["suspend"] = false }
        if isUnset(spec["successfulJobsHistoryLimit"]) { spec["successfulJobsHistoryLimit"] = 3 }
        if isUnset(spec["failedJobsHistoryLimit"]) { spec["failedJobsHistoryLimit"] = 1 }
        // Only the pod spec inside the job template is defaulted; the Job fields are filled when
        // each Job is created.
        if var jobSpec = spec[path: ["jobTemplate", "spec"]], jobSpec != .null {
            AppsV1.defaultTemplateSpec(&jobSpec)
            spec[path: ["jobTemplate", "spec"]] = jobSpec
        }
        object["spec"] = spec
    }

    static func validateCronJob(_ object: JSON) -> [FieldError] {
        var errors: [FieldError] = []
        // The controller appends an 11-character suffix to name each Job, which must stay a
        // 63-character label.
        if object.name.utf8.count > 52 {
            errors.append(.invalid("metadata.name", .string(object.name), "must be no more than 52 characters"))
        }
        return errors + validateCronJobSpec(object["spec"] ?? .emptyObject, at: FieldPath("spec"), allowTZ: false)
    }

    static func validateCronJobSpec(_ spec: JSON, at path: FieldPath, allowTZ: Bool) -> [FieldError] {
        var errors: [FieldError] = []
        let schedulePath = path.child("schedule")
        let schedule = spec["schedule"]?.stringValue ?? ""
        if schedule.isEmpty {
            errors.append(.required(schedulePath.text))
        } else {
            if let problem = CronSchedule.problem(schedule) {
                errors.append(.invalid(schedulePath.text, .string(schedule), problem))
            }
            if schedule.contains("TZ") {
                if !allowTZ {
                    errors.append(
                        .invalid(
                            schedulePath.text, .string(schedule),
                            "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
                } else if !isUnset(spec["timeZone"]) {
                    errors.append(
                        .invalid(
                            schedulePath.text, .string(schedule),
                            "cannot use both timeZone field and TZ or CRON_TZ in schedule"))
                }
            }
        }
        errors += WorkloadRules.nonNegative(spec["startingDeadlineSeconds"], at: path.child("startingDeadlineSeconds"))
        if let zone = spec["timeZone"]?.stringValue { errors += validateTimeZone(zone, at: path.child("timeZone")) }
        switch spec["concurrencyPolicy"]?.stringValue ?? "" {
        case "Allow", "Forbid", "Replace": break
        case "": errors.append(.required(path.child("concurrencyPolicy").text))
        case let other:
            errors.append(
                .notSupported(path.child("concurrencyPolicy").text, .string(other), ["Allow", "Forbid", "Replace"]))
        }
        errors += validateJobTemplate(spec["jobTemplate"] ?? .emptyObject, at: path.child("jobTemplate"))
        for key in ["successfulJobsHistoryLimit", "failedJobsHistoryLimit"] {
            errors += WorkloadRules.nonNegative(spec[key], at: path.child(key))
        }
        return errors
    }

    /// The syntactic part of upstream's zone check; whether the zone exists needs a tz database,
    /// which the pure core does not have.
    static func validateTimeZone(_ zone: String, at path: FieldPath) -> [FieldError] {
        if zone.isEmpty { return [.invalid(path.text, .string(zone), "timeZone must be nil or non-empty string")] }
        for part in zone.split(separator: "/", omittingEmptySubsequences: false) {
            let allowed =
                (1...14).contains(part.count)
                && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || ".-_+".contains($0)) }
            if part == "." || part == ".." || part.hasPrefix("-") || !allowed {
                return [.invalid(path.text, .string(zone), "unknown time zone \(zone)")]
            }
        }
        if zone.lowercased() == "local" {
            return [
                .invalid(
                    path.text, .string(zone),
                    "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones")
            ]
        }
        return []
    }

    /// A job template: its spec follows the Job rules, but the selector is always generated.
    static func validateJobTemplate(_ template: JSON, at path: FieldPath) -> [FieldError] {
        let spec = template["spec"] ?? .emptyObject
        var errors = validateJobSpec(spec, at: path.child("spec"))
        if let selector = spec["selector"], selector != .null {
            errors.append(
                WorkloadRules.goInvalid(
                    path.child("spec").child("selector"), WorkloadRules.goLabelSelector(selector),
                    "`selector` will be auto-generated"))
        }
        if spec["manualSelector"]?.boolValue == true {
            errors.append(.notSupported(path.child("spec").child("manualSelector").text, true, ["nil", "false"]))
        }
        return errors
    }

    static func validateCronJobUpdate(_ new: JSON, _ old: JSON) -> [FieldError] {
        // A schedule that already used TZ before the timeZone field existed may keep it.
        let allowTZ = (old[path: ["spec", "schedule"]]?.stringValue ?? "").contains("TZ")
        return validateCronJobSpec(new["spec"] ?? .emptyObject, at: FieldPath("spec"), allowTZ: allowTZ)
    }
}
