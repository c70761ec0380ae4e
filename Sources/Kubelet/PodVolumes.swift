import Containerizer
import Foundation
import KubeTypes
import KubeletCore

/// The pod's volumes as host directories under the pod's directory, made before its containers
/// start: emptyDir, configMap, secret, downwardAPI and projected (of those) as directories the
/// kubelet writes, hostPath as the host's own path.
struct PodVolumes: Sendable {
    let podDirectory: String
    /// Host path of each volume, by name.
    private(set) var paths: [String: String] = [:]
    /// Volumes every mount of which is read-only (`persistentVolumeClaim.readOnly`).
    private(set) var readOnlyVolumes: Set<String> = []

    init(podDirectory: String) { self.podDirectory = podDirectory }

    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    /// Makes every volume of the pod. ConfigMaps and Secrets are the data the worker fetched.
    mutating func prepare(
        pod: JSON, facts: PodRuntimeFacts, configMaps: [String: [String: String]],
        secrets: [String: [String: String]], claims: [String: ClaimVolume] = [:]
    ) throws {
        for volume in pod[path: ["spec", "volumes"]]?.arrayValue ?? [] {
            let name = volume["name"]?.stringValue ?? ""
            let directory = podDirectory + "/volumes/" + name
            if let hostPath = volume["hostPath"] {
                paths[name] = try Self.hostPath(hostPath)
                continue
            }
            if volume["persistentVolumeClaim"] != nil {
                guard let claim = claims[name] else {
                    throw Problem(description: "volume \"\(name)\": its persistentVolumeClaim was not resolved")
                }
                paths[name] = claim.path
                if claim.readOnly { readOnlyVolumes.insert(name) }
                continue
            }
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            paths[name] = directory
            if volume["emptyDir"] != nil { continue }
            if let source = volume["configMap"] {
                let data = try Self.data(
                    configMaps, name: source["name"]?.stringValue ?? "", kind: "configmap", source: source)
                try Self.write(data, items: source["items"], mode: source["defaultMode"], into: directory)
            } else if let source = volume["secret"] {
                let data = try Self.data(
                    secrets, name: source["secretName"]?.stringValue ?? "", kind: "secret", source: source)
                try Self.write(data, items: source["items"], mode: source["defaultMode"] ?? 0o644, into: directory)
            } else if let source = volume["downwardAPI"] {
                try writeDownward(source["items"]?.arrayValue ?? [], pod: pod, facts: facts, into: directory)
            } else if let projected = volume["projected"] {
                try writeProjected(
                    projected, pod: pod, facts: facts, configMaps: configMaps, secrets: secrets, into: directory)
            } else {
                throw Problem(description: "volume \"\(name)\" has a source this node agent does not support")
            }
        }
    }

    /// The container's `volumeMounts` as bind mounts (a `subPath` mounts one entry of the volume).
    func mounts(for container: JSON) throws -> [OCIVolume] {
        try (container["volumeMounts"]?.arrayValue ?? []).map { mount in
            let name = mount["name"]?.stringValue ?? ""
            guard let path = paths[name] else {
                throw Problem(description: "volumeMount \"\(name)\" names no volume of the pod")
            }
            var source = path
            if let subPath = mount["subPath"]?.stringValue, !subPath.isEmpty {
                guard !subPath.split(separator: "/").contains("..") else {
                    throw Problem(description: "subPath \"\(subPath)\" must not contain '..'")
                }
                source += "/" + subPath
                if !FileManager.default.fileExists(atPath: source) {
                    try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
                }
            }
            return OCIVolume(
                hostPath: source, containerPath: mount["mountPath"]?.stringValue ?? "",
                readOnly: (mount["readOnly"]?.boolValue ?? false) || readOnlyVolumes.contains(name))
        }
    }

    static func hostPath(_ source: JSON) throws -> String {
        let path = source["path"]?.stringValue ?? ""
        let type = source["type"]?.stringValue ?? ""
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        switch type {
        case "DirectoryOrCreate" where !exists:
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        case "FileOrCreate" where !exists:
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw Problem(description: "hostPath \(path) could not be created")
            }
        case "Directory" where !exists || !isDirectory.boolValue:
            throw Problem(description: "hostPath type check failed: \(path) is not a directory")
        case "File" where !exists || isDirectory.boolValue:
            throw Problem(description: "hostPath type check failed: \(path) is not a file")
        case "", "DirectoryOrCreate", "FileOrCreate", "Directory", "File", "Socket", "CharDevice", "BlockDevice":
            break
        default:
            throw Problem(description: "hostPath type \"\(type)\" is not supported")
        }
        return path
    }

    static func data(
        _ objects: [String: [String: String]], name: String, kind: String, source: JSON
    ) throws -> [String: String] {
        if let data = objects[name] { return data }
        if source["optional"]?.boolValue == true { return [:] }
        throw Problem(description: "\(kind) \"\(name)\" not found")
    }

    /// Keys as files, or only the listed `items` at their paths; `mode` as the file mode.
    static func write(_ data: [String: String], items: JSON?, mode: JSON?, into directory: String) throws {
        let fileMode = Int(mode?.intValue ?? 0o644)
        var files: [(path: String, value: String, mode: Int)] = []
        if let items = items?.arrayValue {
            for item in items {
                let key = item["key"]?.stringValue ?? ""
                guard let value = data[key] else {
                    throw Problem(description: "configuration key \"\(key)\" not found")
                }
                files.append((item["path"]?.stringValue ?? key, value, Int(item["mode"]?.intValue ?? Int64(fileMode))))
            }
        } else {
            files = data.keys.sorted().map { ($0, data[$0] ?? "", fileMode) }
        }
        for file in files { try writeFile(file.value, path: file.path, mode: file.mode, in: directory) }
    }

    static func writeFile(_ value: String, path: String, mode: Int, in directory: String) throws {
        guard !path.hasPrefix("/"), !path.split(separator: "/").contains("..") else {
            throw Problem(description: "volume item path \"\(path)\" must be relative and must not contain '..'")
        }
        let target = directory + "/" + path
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(value.utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: target)
    }

    func writeDownward(_ items: [JSON], pod: JSON, facts: PodRuntimeFacts, into directory: String) throws {
        for item in items {
            let path = item["path"]?.stringValue ?? ""
            guard let field = item[path: ["fieldRef", "fieldPath"]]?.stringValue else {
                throw Problem(description: "downwardAPI item \"\(path)\": only fieldRef items are supported")
            }
            let value = try Self.downwardValue(field, pod: pod, facts: facts)
            try Self.writeFile(value, path: path, mode: Int(item["mode"]?.intValue ?? 0o644), in: directory)
        }
    }

    /// Labels and annotations as upstream writes them: `key="value"` lines, sorted.
    static func downwardValue(_ field: String, pod: JSON, facts: PodRuntimeFacts) throws -> String {
        for map in ["labels", "annotations"] where field == "metadata.\(map)" {
            let values = pod[path: ["metadata", map]]?.stringMap ?? [:]
            return values.keys.sorted().map { "\($0)=\"\(values[$0] ?? "")\"" }.joined(separator: "\n")
        }
        do {
            return try ContainerConfig.fieldValue(field, pod: pod, facts: facts)
        } catch {
            throw Problem(description: error.description)
        }
    }

    func writeProjected(
        _ projected: JSON, pod: JSON, facts: PodRuntimeFacts, configMaps: [String: [String: String]],
        secrets: [String: [String: String]], into directory: String
    ) throws {
        let mode = projected["defaultMode"]
        for source in projected["sources"]?.arrayValue ?? [] {
            if let reference = source["configMap"] {
                let data = try Self.data(
                    configMaps, name: reference["name"]?.stringValue ?? "", kind: "configmap", source: reference)
                try Self.write(data, items: reference["items"], mode: mode, into: directory)
            } else if let reference = source["secret"] {
                let data = try Self.data(
                    secrets, name: reference["name"]?.stringValue ?? "", kind: "secret", source: reference)
                try Self.write(data, items: reference["items"], mode: mode, into: directory)
            } else if let reference = source["downwardAPI"] {
                try writeDownward(reference["items"]?.arrayValue ?? [], pod: pod, facts: facts, into: directory)
            } else {
                throw Problem(
                    description: "projected volume source is not supported (serviceAccountToken needs token issuing)")
            }
        }
    }
}
