import Foundation

/// A content-addressed image store under the agent work dir, shared by every task:
/// blobs live once in `<root>/blobs/sha256/<hex>` (verified against their digest before they
/// enter the store), and `<root>/images.json` maps `name:tag` to a manifest digest.
public final class ImageStore: @unchecked Sendable {
    public let root: String
    /// Serialises imports and index updates; blobs are immutable once stored.
    private let lock = NSLock()

    public init(root: String) throws {
        self.root = root
        try FileManager.default.createDirectory(atPath: root + "/blobs/sha256", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/tmp", withIntermediateDirectories: true)
    }

    /// Where the blob with `digest` (`sha256:<hex>`) lives.
    public func blobPath(_ digest: String) -> String {
        root + "/blobs/sha256/" + digest.replacingOccurrences(of: "sha256:", with: "")
    }

    /// Imports an OCI image-layout tar or a `docker save` tar. `name` overrides the name the
    /// archive carries (required when it carries none).
    public func `import`(tarPath: String, name: String? = nil) throws -> ImageReference {
        let staging = root + "/tmp/" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: staging) }
        try ImageShell.run(["tar", "--no-same-owner", "-C", staging, "-xf", tarPath])
        let (imageName, manifestDigest): (String, String)
        if FileManager.default.fileExists(atPath: staging + "/index.json") {
            (imageName, manifestDigest) = try importOCILayout(staging, name: name)
        } else if FileManager.default.fileExists(atPath: staging + "/manifest.json") {
            (imageName, manifestDigest) = try importDockerArchive(staging, name: name)
        } else {
            throw ImageError.unknownFormat(tarPath)
        }
        let normalized = ImageName.normalize(imageName)
        let reference = try load(name: normalized, manifestDigest: manifestDigest)
        try lock.withLock {
            var index = readIndex()
            index[normalized] = manifestDigest
            try writeIndex(index)
        }
        return reference
    }

    /// The image stored under `name` (normalised: `busybox` means `busybox:latest`).
    public func image(named name: String) throws -> ImageReference {
        let normalized = ImageName.normalize(name)
        guard let digest = lock.withLock({ readIndex()[normalized] }) else { throw ImageError.notFound(normalized) }
        return try load(name: normalized, manifestDigest: digest)
    }

    /// Every `name:tag` in the store, sorted.
    public var imageNames: [String] { lock.withLock { readIndex().keys.sorted() } }

    // MARK: - Formats

    private struct Descriptor: Codable {
        var mediaType: String?
        var digest: String
        var size: Int?
        var annotations: [String: String]?
    }
    private struct OCIIndex: Codable { var manifests: [Descriptor] }
    private struct OCIManifest: Codable {
        var schemaVersion: Int
        var mediaType: String?
        var config: Descriptor
        var layers: [Descriptor]
    }
    private struct DockerManifestEntry: Codable {
        var config: String
        var repoTags: [String]?
        var layers: [String]
        enum CodingKeys: String, CodingKey {
            case config = "Config", repoTags = "RepoTags", layers = "Layers"
        }
    }
    /// The image config file; Docker's capitalised keys are the OCI spec's too.
    private struct ConfigFile: Codable {
        struct Inner: Codable {
            var entrypoint: [String]?
            var cmd: [String]?
            var env: [String]?
            var workingDir: String?
            var user: String?
            enum CodingKeys: String, CodingKey {
                case entrypoint = "Entrypoint", cmd = "Cmd", env = "Env", workingDir = "WorkingDir", user = "User"
            }
        }
        struct RootFS: Codable {
            var diffIDs: [String]?
            enum CodingKeys: String, CodingKey { case diffIDs = "diff_ids" }
        }
        var config: Inner?
        var rootfs: RootFS?
    }

    private func importOCILayout(_ layout: String, name: String?) throws -> (String, String) {
        let index = try decode(OCIIndex.self, at: layout + "/index.json")
        guard let entry = index.manifests.first else { throw ImageError.malformed("index.json lists no manifest") }
        let annotations = entry.annotations ?? [:]
        let refName = annotations["org.opencontainers.image.ref.name"]
        guard let imageName = name ?? annotations["io.containerd.image.name"] ?? refName.flatMap(Self.fullName)
        else { throw ImageError.malformed("the archive names no image; give a name") }
        let source = { (digest: String) in layout + "/blobs/sha256/" + Self.hex(digest) }
        try storeVerified(source(entry.digest), digest: entry.digest)
        let manifest = try decode(OCIManifest.self, at: blobPath(entry.digest))
        for blob in [manifest.config] + manifest.layers {
            try storeVerified(source(blob.digest), digest: blob.digest)
        }
        return (imageName, entry.digest)
    }

    private func importDockerArchive(_ archive: String, name: String?) throws -> (String, String) {
        let entries = try decode([DockerManifestEntry].self, at: archive + "/manifest.json")
        guard let entry = entries.first else { throw ImageError.malformed("manifest.json lists no image") }
        guard let imageName = name ?? entry.repoTags?.first else {
            throw ImageError.malformed("the archive names no image; give a name")
        }
        let configPath = try Self.inside(archive, entry.config)
        let configDigest = "sha256:" + (try ImageShell.sha256(file: configPath))
        // `docker save` names the config after its digest: check it when it does.
        let configStem = (entry.config as NSString).deletingPathExtension
        if configStem.count == 64, "sha256:" + configStem != configDigest {
            throw ImageError.digestMismatch(expected: "sha256:" + configStem, actual: configDigest)
        }
        let diffIDs = try decode(ConfigFile.self, at: configPath).rootfs?.diffIDs ?? []
        guard diffIDs.isEmpty || diffIDs.count == entry.layers.count else {
            throw ImageError.malformed("config lists \(diffIDs.count) diff_ids for \(entry.layers.count) layers")
        }
        var layers: [Descriptor] = []
        for (position, layer) in entry.layers.enumerated() {
            let path = try Self.inside(archive, layer)
            // Uncompressed layers: their blob digest is the config's diff_id.
            let digest = diffIDs.isEmpty ? "sha256:" + (try ImageShell.sha256(file: path)) : diffIDs[position]
            try storeVerified(path, digest: digest)
            layers.append(Descriptor(mediaType: "application/vnd.oci.image.layer.v1.tar", digest: digest))
        }
        try storeVerified(configPath, digest: configDigest)
        let manifest = OCIManifest(
            schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
            config: Descriptor(mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest),
            layers: layers)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let manifestFile = archive + "/mesokube-manifest.json"
        try encoder.encode(manifest).write(to: URL(fileURLWithPath: manifestFile))
        let manifestDigest = "sha256:" + (try ImageShell.sha256(file: manifestFile))
        try storeVerified(manifestFile, digest: manifestDigest)
        return (imageName, manifestDigest)
    }

    // MARK: - Blobs and index

    /// Moves `file` into the blob store after checking that its content hashes to `digest`.
    /// A blob already in the store is kept (it was verified when it arrived).
    private func storeVerified(_ file: String, digest: String) throws {
        let hex = Self.hex(digest)
        guard digest.hasPrefix("sha256:"), hex.count == 64, hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
            throw ImageError.malformed("unsupported digest '\(digest)'")
        }
        let target = blobPath(digest)
        if FileManager.default.fileExists(atPath: target) { return }
        guard FileManager.default.fileExists(atPath: file) else { throw ImageError.malformed("blob \(digest) missing") }
        let actual = "sha256:" + (try ImageShell.sha256(file: file))
        guard actual == digest else { throw ImageError.digestMismatch(expected: digest, actual: actual) }
        // Rename within the store's file system is atomic: readers never see half a blob.
        let partial = target + ".partial-" + UUID().uuidString
        try FileManager.default.copyItem(atPath: file, toPath: partial)
        guard rename(partial, target) == 0 else {
            try? FileManager.default.removeItem(atPath: partial)
            throw ImageError.commandFailed("cannot store blob \(digest): errno \(errno)")
        }
    }

    // MARK: - Registry pulls

    /// Whether the blob with `digest` is already in the store (and so was verified).
    func hasBlob(_ digest: String) -> Bool { FileManager.default.fileExists(atPath: blobPath(digest)) }

    /// Verifies a downloaded blob (a file under `stagingPath()`) against `digest` and renames it
    /// into the store: no copy, since staging and blobs share a file system, and readers never
    /// see half a blob.
    func storeDownloadedBlob(_ file: String, digest: String) throws {
        if hasBlob(digest) { return }
        let actual = "sha256:" + (try ImageShell.sha256(file: file))
        guard actual == digest else { throw ImageError.digestMismatch(expected: digest, actual: actual) }
        guard rename(file, blobPath(digest)) == 0 else {
            throw ImageError.commandFailed("cannot store blob \(digest): errno \(errno)")
        }
    }

    /// Points `name` at a stored manifest and returns the image (the registry puller's last step).
    /// Refuses a manifest whose config or layers are not all stored, so a pull that stopped
    /// half-way never leaves a name pointing at an incomplete image.
    func tag(_ name: String, manifestDigest: String) throws -> ImageReference {
        let normalized = ImageName.normalize(name)
        let reference = try load(name: normalized, manifestDigest: manifestDigest)
        for digest in [reference.configDigest] + reference.layers.map(\.digest) where !hasBlob(digest) {
            throw ImageError.malformed("blob \(digest) of manifest \(manifestDigest) is not stored")
        }
        try lock.withLock {
            var index = readIndex()
            index[normalized] = manifestDigest
            try writeIndex(index)
        }
        return reference
    }

    /// A staging path inside the store's file system, so a verified blob moves in atomically.
    func stagingPath() -> String { root + "/tmp/" + UUID().uuidString }

    private func load(name: String, manifestDigest: String) throws -> ImageReference {
        let manifest = try decode(OCIManifest.self, at: blobPath(manifestDigest))
        let config = try decode(ConfigFile.self, at: blobPath(manifest.config.digest)).config
        return ImageReference(
            name: name, manifestDigest: manifestDigest, configDigest: manifest.config.digest,
            layers: manifest.layers.map {
                ImageLayer(digest: $0.digest, mediaType: $0.mediaType ?? "application/vnd.oci.image.layer.v1.tar")
            },
            config: ImageConfig(
                entrypoint: config?.entrypoint ?? [], cmd: config?.cmd ?? [], env: config?.env ?? [],
                workingDir: config?.workingDir ?? "", user: config?.user ?? ""))
    }

    private var indexPath: String { root + "/images.json" }

    private func readIndex() -> [String: String] {
        guard let data = FileManager.default.contents(atPath: indexPath) else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: data)) ?? [:]
    }

    private func writeIndex(_ index: [String: String]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try FileReplacement.write(try encoder.encode(index), to: indexPath)
    }

    private func decode<T: Decodable>(_ type: T.Type, at path: String) throws -> T {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImageError.malformed("missing \((path as NSString).lastPathComponent)")
        }
        do { return try JSONDecoder().decode(type, from: data) } catch {
            throw ImageError.malformed("cannot parse \((path as NSString).lastPathComponent): \(error)")
        }
    }

    private static func hex(_ digest: String) -> String { digest.replacingOccurrences(of: "sha256:", with: "") }

    /// An OCI ref name is only a full image name when it carries a repository, not just a tag.
    private static func fullName(_ refName: String) -> String? { refName.contains(":") ? refName : nil }

    /// Joins an archive-relative path, refusing anything that leaves the archive.
    private static func inside(_ root: String, _ relative: String) throws -> String {
        if relative.hasPrefix("/") || relative.split(separator: "/").contains("..") {
            throw ImageError.unsafePath(relative)
        }
        return root + "/" + relative
    }
}
