import Foundation
import KubeClient
import KubeTypes

/// `persistentVolumeClaim` volumes: the claim must be bound, and its volume must be one this node
/// can reach as a directory (`hostPath` or `local`), which is bind-mounted like a hostPath volume.
extension PodVolumes {
    /// The host directory a claim's volume resolves to, and whether the pod mounts it read-only.
    struct ClaimVolume: Sendable, Hashable {
        var path: String
        var readOnly: Bool
    }

    /// The directory of a bound volume. `hostPath` volumes follow their type (the local-path
    /// provisioner's are DirectoryOrCreate, made on first use); a `local` volume must exist.
    static func directory(of volume: JSON, volumeName: String) throws -> String {
        let spec = volume["spec"] ?? .emptyObject
        if let hostPath = spec["hostPath"], hostPath != .null { return try Self.hostPath(hostPath) }
        if let local = spec["local"], local != .null {
            let path = local["path"]?.stringValue ?? ""
            guard FileManager.default.fileExists(atPath: path) else {
                throw Problem(description: "volume \"\(volumeName)\": local volume path \"\(path)\" does not exist")
            }
            return path
        }
        let source = (spec.objectValue ?? [:]).keys.sorted().first { key in
            ![
                "capacity", "accessModes", "claimRef", "persistentVolumeReclaimPolicy", "storageClassName",
                "mountOptions", "volumeMode", "nodeAffinity", "volumeAttributesClassName",
            ].contains(key)
        }
        throw Problem(
            description:
                "volume \"\(volumeName)\": PersistentVolume \"\(volume.name)\" has a \(source ?? "missing") source, which this node agent cannot mount (only hostPath and local)"
        )
    }
}

extension PodWorker {
    /// How long the sandbox waits for a claim to bind before failing (and retrying later): a
    /// claim waiting for its first consumer is provisioned and bound right after scheduling.
    static let claimBindWait: Duration = .seconds(20)

    /// Resolves every `persistentVolumeClaim` volume of the pod, waiting a bounded time for
    /// claims that are not bound yet.
    func resolveClaimVolumes() async throws -> [String: PodVolumes.ClaimVolume] {
        var result: [String: PodVolumes.ClaimVolume] = [:]
        let clock = ContinuousClock()
        let deadline = clock.now + Self.claimBindWait
        for volume in pod[path: ["spec", "volumes"]]?.arrayValue ?? [] {
            guard let source = volume["persistentVolumeClaim"], source != .null else { continue }
            let name = volume["name"]?.stringValue ?? ""
            let claimName = source["claimName"]?.stringValue ?? ""
            var claim = try await fetchClaim(claimName, volume: name)
            while claim[path: ["status", "phase"]]?.stringValue != "Bound" {
                guard clock.now < deadline else {
                    throw PodVolumes.Problem(
                        description:
                            "Unable to attach or mount volumes: unmounted volumes=[\(name)]: persistentvolumeclaim \"\(claimName)\" is not bound"
                    )
                }
                try await Task.sleep(for: .milliseconds(500))
                claim = try await fetchClaim(claimName, volume: name)
            }
            let volumeName = claim[path: ["spec", "volumeName"]]?.stringValue ?? ""
            let persistentVolume: JSON
            do {
                persistentVolume = try await context.client.get(.persistentVolumes, name: volumeName)
            } catch let error as KubeAPIError where error.isNotFound {
                throw PodVolumes.Problem(
                    description: "volume \"\(name)\": persistentvolume \"\(volumeName)\" not found")
            }
            let path = try PodVolumes.directory(of: persistentVolume, volumeName: name)
            result[name] = PodVolumes.ClaimVolume(path: path, readOnly: source["readOnly"]?.boolValue ?? false)
        }
        return result
    }

    private func fetchClaim(_ claimName: String, volume: String) async throws -> JSON {
        guard let claim = try await fetchOptional(.persistentVolumeClaims, name: claimName) else {
            throw PodVolumes.Problem(
                description: "volume \"\(volume)\": persistentvolumeclaim \"\(claimName)\" not found")
        }
        return claim
    }
}
