import Foundation

/// One entry of a test image layer, relative to the image root (no leading slash).
public enum TestLayerEntry: Sendable, Equatable {
    case directory(String)
    case file(String, contents: String, mode: Int = 0o644)
    case symlink(String, target: String)
    /// Debian's static busybox at `path`, plus applet symlinks next to it.
    case busybox(at: String = "bin/busybox", applets: [String] = TestImages.defaultApplets)
    /// An OCI whiteout: deletes `path` from the layers below.
    case whiteout(String)
    /// An OCI opaque marker: hides everything the layers below put in directory `path`.
    case opaque(String)
}

/// What a test image looks like: its layers (bottom first) and its config.
public struct TestImageSpec: Sendable {
    public var name: String
    public var tag: String
    public var layers: [[TestLayerEntry]]
    public var entrypoint: [String]
    public var cmd: [String]
    public var env: [String]
    public var workingDir: String
    public var user: String

    public init(
        name: String, tag: String = "latest", layers: [[TestLayerEntry]] = [[.busybox()]],
        entrypoint: [String] = [], cmd: [String] = ["/bin/sh"],
        env: [String] = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        workingDir: String = "/", user: String = ""
    ) {
        self.name = name
        self.tag = tag
        self.layers = layers
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.env = env
        self.workingDir = workingDir
        self.user = user
    }

    /// A busybox image whose entrypoint serves `/www` over HTTP on `port` (e.g. `nginx`,
    /// `hello_world:latest` from the shared examples).
    public static func httpServer(name: String, tag: String = "latest", port: Int = 80) -> TestImageSpec {
        TestImageSpec(
            name: name, tag: tag,
            layers: [[.busybox(), .file("www/index.html", contents: "Hello from \(name)\n")]],
            entrypoint: ["/bin/busybox", "httpd", "-f", "-p", "\(port)", "-h", "/www"], cmd: [])
    }

    /// A busybox image whose entrypoint prints `text` and exits (the plain "did it run" image).
    public static func echo(name: String, tag: String = "latest", text: String) -> TestImageSpec {
        TestImageSpec(name: name, tag: tag, entrypoint: ["/bin/echo", text], cmd: [])
    }
}

public struct TestImageError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Builds small OCI images from Debian's `busybox-static` by writing plain files and tars
/// (no container tooling needed). Digests are computed with `sha256sum`.
public enum TestImages {
    public static let defaultApplets = [
        "sh", "echo", "cat", "httpd", "sleep", "ls", "env", "id", "pwd", "test", "true", "false", "mkdir", "rm",
        "touch", "wget",
    ]
    /// Where Debian's busybox-static installs its binary.
    public static let busyboxBinary = "/bin/busybox"

    /// Writes the image as an OCI image-layout tar at `path`.
    public static func writeOCIArchive(_ spec: TestImageSpec, to path: String) throws {
        let work = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let layout = work + "/layout"
        try writeOCILayout(spec, to: layout)
        try run(["tar", "-C", layout, "-cf", path, "."])
    }

    /// Writes the image as an OCI image-layout directory (oci-layout, index.json, blobs/sha256/…).
    public static func writeOCILayout(_ spec: TestImageSpec, to directory: String) throws {
        let blobs = directory + "/blobs/sha256"
        try FileManager.default.createDirectory(atPath: blobs, withIntermediateDirectories: true)
        let work = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        var layerDescriptors: [[String: Any]] = []
        var diffIDs: [String] = []
        for (index, layer) in spec.layers.enumerated() {
            let tar = try writeLayerTar(layer, work: work + "/layer\(index)")
            diffIDs.append("sha256:" + (try sha256(file: tar)))
            try run(["gzip", "-n", tar])
            let (digest, size) = try storeBlob(file: tar + ".gz", in: blobs)
            layerDescriptors.append([
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:" + digest,
                "size": size,
            ])
        }
        let config = try json(configObject(spec, diffIDs: diffIDs))
        let (configDigest, configSize) = try storeBlob(data: config, in: blobs)
        let manifest = try json([
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": [
                "mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + configDigest,
                "size": configSize,
            ],
            "layers": layerDescriptors,
        ])
        let (manifestDigest, manifestSize) = try storeBlob(data: manifest, in: blobs)
        let index = try json([
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                [
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": "sha256:" + manifestDigest, "size": manifestSize,
                    "annotations": [
                        "io.containerd.image.name": "\(spec.name):\(spec.tag)",
                        "org.opencontainers.image.ref.name": spec.tag,
                    ],
                ] as [String: Any]
            ],
        ])
        try index.write(to: URL(fileURLWithPath: directory + "/index.json"))
        try Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8).write(to: URL(fileURLWithPath: directory + "/oci-layout"))
    }

    /// Writes the image as a `docker save` tar: manifest.json, <id>.json config, <id>/layer.tar.
    public static func writeDockerArchive(_ spec: TestImageSpec, to path: String) throws {
        let work = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/archive"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var layerPaths: [String] = []
        var diffIDs: [String] = []
        for (index, layer) in spec.layers.enumerated() {
            let tar = try writeLayerTar(layer, work: work + "/layer\(index)")
            let digest = try sha256(file: tar)
            diffIDs.append("sha256:" + digest)
            try FileManager.default.createDirectory(atPath: root + "/" + digest, withIntermediateDirectories: true)
            try FileManager.default.moveItem(atPath: tar, toPath: root + "/\(digest)/layer.tar")
            layerPaths.append("\(digest)/layer.tar")
        }
        let config = try json(configObject(spec, diffIDs: diffIDs))
        let configName = try sha256(data: config) + ".json"
        try config.write(to: URL(fileURLWithPath: root + "/" + configName))
        let manifest = try json([
            ["Config": configName, "RepoTags": ["\(spec.name):\(spec.tag)"], "Layers": layerPaths] as [String: Any]
        ])
        try manifest.write(to: URL(fileURLWithPath: root + "/manifest.json"))
        try run(["tar", "-C", root, "-cf", path, "."])
    }

    /// Lowercase hex SHA-256 of a file's bytes.
    public static func sha256(file: String) throws -> String {
        let output = try run(["sha256sum", "--", file])
        guard let digest = output.split(separator: " ").first, digest.count == 64 else {
            throw TestImageError("sha256sum printed \(output)")
        }
        return String(digest)
    }

    public static func sha256(data: Data) throws -> String {
        let work = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        try data.write(to: URL(fileURLWithPath: work + "/blob"))
        return try sha256(file: work + "/blob")
    }

    /// Runs a command (searched in PATH) and returns its stdout; throws on a non-zero exit.
    @discardableResult
    public static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errData, as: UTF8.self)
            throw TestImageError("\(arguments.joined(separator: " ")) failed: \(message)")
        }
        return String(decoding: outData, as: UTF8.self)
    }

    // MARK: - Pieces

    private static func configObject(_ spec: TestImageSpec, diffIDs: [String]) -> [String: Any] {
        var config: [String: Any] = ["Env": spec.env, "Cmd": spec.cmd, "WorkingDir": spec.workingDir]
        if !spec.entrypoint.isEmpty { config["Entrypoint"] = spec.entrypoint }
        if !spec.user.isEmpty { config["User"] = spec.user }
        return [
            "architecture": "amd64", "os": "linux", "config": config,
            "rootfs": ["type": "layers", "diff_ids": diffIDs],
        ]
    }

    /// Populates a staging directory with the entries and tars it (owned by root, numeric ids).
    private static func writeLayerTar(_ entries: [TestLayerEntry], work: String) throws -> String {
        let staging = work + "/root"
        let files = FileManager.default
        try files.createDirectory(atPath: staging, withIntermediateDirectories: true)
        func parent(_ relative: String) throws {
            let dir = (staging + "/" + relative as NSString).deletingLastPathComponent
            try files.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        for entry in entries {
            switch entry {
            case .directory(let path):
                try files.createDirectory(atPath: staging + "/" + path, withIntermediateDirectories: true)
            case .file(let path, let contents, let mode):
                try parent(path)
                try Data(contents.utf8).write(to: URL(fileURLWithPath: staging + "/" + path))
                try files.setAttributes([.posixPermissions: mode], ofItemAtPath: staging + "/" + path)
            case .symlink(let path, let target):
                try parent(path)
                try files.createSymbolicLink(atPath: staging + "/" + path, withDestinationPath: target)
            case .busybox(let path, let applets):
                try parent(path)
                guard files.fileExists(atPath: busyboxBinary) else {
                    throw TestImageError("\(busyboxBinary) is missing; apt-get install busybox-static")
                }
                try files.copyItem(atPath: busyboxBinary, toPath: staging + "/" + path)
                let binary = (path as NSString).lastPathComponent
                let dir = (path as NSString).deletingLastPathComponent
                for applet in applets {
                    let link = staging + "/" + (dir.isEmpty ? applet : dir + "/" + applet)
                    try files.createSymbolicLink(atPath: link, withDestinationPath: binary)
                }
            case .whiteout(let path):
                let name = (path as NSString).lastPathComponent
                let dir = (path as NSString).deletingLastPathComponent
                try parent(path)
                try Data().write(to: URL(fileURLWithPath: staging + "/" + dir + "/.wh." + name))
            case .opaque(let path):
                try files.createDirectory(atPath: staging + "/" + path, withIntermediateDirectories: true)
                try Data().write(to: URL(fileURLWithPath: staging + "/" + path + "/.wh..wh..opq"))
            }
        }
        let tar = work + "/layer.tar"
        try run([
            "tar", "--numeric-owner", "--owner=0", "--group=0", "--sort=name", "-C", staging, "-cf", tar, ".",
        ])
        return tar
    }

    private static func storeBlob(file: String, in blobs: String) throws -> (String, Int) {
        let digest = try sha256(file: file)
        let size = try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int ?? 0
        let target = blobs + "/" + digest
        if !FileManager.default.fileExists(atPath: target) {
            try FileManager.default.moveItem(atPath: file, toPath: target)
        }
        return (digest, size)
    }

    private static func storeBlob(data: Data, in blobs: String) throws -> (String, Int) {
        let digest = try sha256(data: data)
        try data.write(to: URL(fileURLWithPath: blobs + "/" + digest))
        return (digest, data.count)
    }

    private static func json(_ object: Any) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    private static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/mesokube-image-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
