/// Pod spec validation of volumes, probes and resource requirements.
extension PodRules {
    /// Checks each volume and returns the names of the valid ones, which volume mounts may refer to.
    static func validateVolumes(_ volumes: [JSON], at path: FieldPath) -> (Set<String>, [FieldError]) {
        var names = Set<String>()
        var errors: [FieldError] = []
        for (index, volume) in volumes.enumerated() {
            let volumePath = path.index(index)
            let namePath = volumePath.child("name").text
            var problems = validateVolumeSource(volume, at: volumePath)
            let name = volume["name"]?.stringValue ?? ""
            if name.isEmpty {
                problems.append(.required(namePath))
            } else {
                problems += NameRules.dns1123Label(name).map { .invalid(namePath, .string(name), $0) }
            }
            if names.contains(name) { problems.append(.duplicate(namePath, .string(name))) }
            if problems.isEmpty { names.insert(name) } else { errors += problems }
        }
        return (names, errors)
    }

    static func validateVolumeSource(_ volume: JSON, at path: FieldPath) -> [FieldError] {
        let sources = (volume.objectValue ?? [:]).filter { $0.key != "name" && $0.value != .null }.keys.sorted()
        if sources.isEmpty { return [.required(path.text, "must specify a volume type")] }
        if sources.count > 1 {
            return [.forbidden(path.child(sources[1]).text, "may not specify more than 1 volume type")]
        }
        let source = volume[sources[0]] ?? .emptyObject
        let sourcePath = path.child(sources[0])
        var errors: [FieldError] = []
        func require(_ key: String) {
            if (source[key]?.stringValue ?? "").isEmpty { errors.append(.required(sourcePath.child(key).text)) }
        }
        switch sources[0] {
        case "hostPath": require("path")
        case "secret": require("secretName")
        case "configMap": require("name")
        case "persistentVolumeClaim": require("claimName")
        case "nfs":
            require("server")
            require("path")
            if let exported = source["path"]?.stringValue, !exported.isEmpty, !exported.hasPrefix("/") {
                errors.append(.invalid(sourcePath.child("path").text, .string(exported), "must be an absolute path"))
            }
        default: break
        }
        errors += validateKeyToPaths(CoreSupport.elements(source, "items"), at: sourcePath.child("items"))
        if let mode = source["defaultMode"]?.intValue, !(0...0o777).contains(mode) {
            errors.append(
                .invalid(
                    sourcePath.child("defaultMode").text, .int(mode),
                    "must be a number between 0 and 0777 (octal), both inclusive"))
        }
        return errors
    }

    static func validateKeyToPaths(_ items: [JSON], at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        for (index, item) in items.enumerated() {
            let itemPath = path.index(index)
            if item["fieldRef"] == nil, item["resourceFieldRef"] == nil, (item["key"]?.stringValue ?? "").isEmpty {
                errors.append(.required(itemPath.child("key").text))
            }
            let relative = item["path"]?.stringValue ?? ""
            if relative.isEmpty {
                errors.append(.required(itemPath.child("path").text))
            } else {
                errors += relativePathProblems(relative).map {
                    .invalid(itemPath.child("path").text, .string(relative), $0)
                }
            }
        }
        return errors
    }

    static func validateProbe(_ probe: JSON, kind: String, at path: FieldPath) -> [FieldError] {
        var errors = validateHandler(probe, handlers: ["exec", "httpGet", "tcpSocket", "grpc"], at: path)
        for key in ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"] {
            errors += CoreSupport.nonNegative(probe, key, at: path)
        }
        if let grace = probe["terminationGracePeriodSeconds"]?.intValue {
            if kind == "readinessProbe" {
                errors.append(
                    .invalid(
                        path.child("terminationGracePeriodSeconds").text, .int(grace),
                        "must not be set for readinessProbes"))
            } else if grace <= 0 {
                errors.append(
                    .invalid(path.child("terminationGracePeriodSeconds").text, .int(grace), "must be greater than 0"))
            }
        }
        if kind != "readinessProbe", let threshold = probe["successThreshold"]?.intValue, threshold != 1 {
            errors.append(.invalid(path.child("successThreshold").text, .int(threshold), "must be 1"))
        }
        return errors
    }

    /// Exactly one handler of a probe or lifecycle hook, each with its required members.
    static func validateHandler(_ handler: JSON, handlers: [String], at path: FieldPath) -> [FieldError] {
        let present = handlers.filter { handler[$0] != nil && handler[$0] != .null }
        if present.isEmpty { return [.required(path.text, "must specify a handler type")] }
        if present.count > 1 {
            return [.forbidden(path.child(present[1]).text, "may not specify more than 1 handler type")]
        }
        let action = handler[present[0]] ?? .emptyObject
        let actionPath = path.child(present[0])
        switch present[0] {
        case "exec":
            return CoreSupport.elements(action, "command").isEmpty ? [.required(actionPath.child("command").text)] : []
        case "httpGet":
            var errors = validatePortNumberOrName(action["port"], at: actionPath.child("port"))
            if let scheme = action["scheme"]?.stringValue, !["HTTP", "HTTPS"].contains(scheme) {
                errors.append(.notSupported(actionPath.child("scheme").text, .string(scheme), ["HTTP", "HTTPS"]))
            }
            return errors
        case "tcpSocket":
            return validatePortNumberOrName(action["port"], at: actionPath.child("port"))
        case "grpc":
            let port = action["port"]?.intValue ?? 0
            return CoreSupport.isValidPort(port)
                ? [] : [.invalid(actionPath.child("port").text, .int(port), CoreSupport.portRangeMessage)]
        default:
            return []
        }
    }

    /// An `IntOrString` port: a valid number or a valid port name.
    static func validatePortNumberOrName(_ port: JSON?, at path: FieldPath) -> [FieldError] {
        switch port {
        case .int(let number)?:
            return CoreSupport.isValidPort(number)
                ? [] : [.invalid(path.text, .int(number), CoreSupport.portRangeMessage)]
        case .string(let name)?:
            return CoreSupport.portNameProblems(name).map { .invalid(path.text, .string(name), $0) }
        default:
            return [.required(path.text)]
        }
    }

    static let quantityPattern =
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"

    /// Quantities must be readable and non-negative; requests may not exceed limits.
    static func validateResources(_ resources: JSON, at path: FieldPath) -> [FieldError] {
        var errors: [FieldError] = []
        var limitValues: [String: Quantity] = [:]
        let limits = resources["limits"]?.objectValue ?? [:]
        for name in limits.keys.sorted() {
            let keyPath = path.child("limits").key(name).text
            guard let quantity = checkedQuantity(limits[name]!, at: keyPath, into: &errors) else { continue }
            limitValues[name] = quantity
        }
        let requests = resources["requests"]?.objectValue ?? [:]
        for name in requests.keys.sorted() {
            let keyPath = path.child("requests").key(name).text
            guard let quantity = checkedQuantity(requests[name]!, at: keyPath, into: &errors) else { continue }
            if let limit = limitValues[name], limit < quantity {
                errors.append(
                    .invalid(
                        path.child("requests").text, .string(quantityText(requests[name]!)),
                        "must be less than or equal to \(name) limit of \(quantityText(limits[name]!))"))
            }
        }
        return errors
    }

    private static func checkedQuantity(_ value: JSON, at path: String, into errors: inout [FieldError]) -> Quantity? {
        guard let quantity = CoreQuantity.parse(value) else {
            errors.append(.invalid(path, value, quantityPattern))
            return nil
        }
        if quantity.sign < 0 {
            errors.append(.invalid(path, .string(quantity.canonical), "must be greater than or equal to 0"))
            return nil
        }
        return quantity
    }

    static func quantityText(_ value: JSON) -> String {
        CoreQuantity.text(value)
    }
}
