import Foundation
import Glibc

/// Debian's real `docker-registry` (the CNCF distribution registry) on 127.0.0.1, storing into
/// a temp dir. Start it, push test images to it, and `stop()` it (which removes the dir).
/// Blocking: call from `runOffCooperativePool` in async tests.
public final class TestRegistry: @unchecked Sendable {
    public static let binary = "/usr/bin/docker-registry"

    public let port: Int
    /// The temp dir holding the config, the storage and the registry's log.
    public let directory: String
    private let process: Process

    /// `127.0.0.1:<port>`, what image names and `--insecure-registry` use.
    public var host: String { "127.0.0.1:\(port)" }
    public var url: String { "http://\(host)" }
    /// What the registry wrote to stdout and stderr so far.
    public var log: String { (try? String(contentsOfFile: directory + "/registry.log", encoding: .utf8)) ?? "" }

    private init(port: Int, directory: String, process: Process) {
        self.port = port
        self.directory = directory
        self.process = process
    }

    /// Starts a registry and waits (at most `timeoutSeconds`) until `GET /v2/` answers.
    /// Throws, never skips, when the binary is missing: tests must not pass vacuously.
    public static func start(timeoutSeconds: Double = 30) throws -> TestRegistry {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw TestImageError("\(binary) is missing; apt-get install docker-registry (scripts/install-test-deps)")
        }
        var lastError: (any Error)?
        // The port is picked by binding port 0 and closing it; another process can grab it in
        // between, so a start that fails is retried on a new port.
        for _ in 0..<3 {
            do {
                return try launch(port: try freeLoopbackPort(), timeoutSeconds: timeoutSeconds)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? TestImageError("docker-registry did not start")
    }

    private static func launch(port: Int, timeoutSeconds: Double) throws -> TestRegistry {
        let directory = FileManager.default.temporaryDirectory.path + "/mesokube-registry-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory + "/storage", withIntermediateDirectories: true)
        let config = """
            version: 0.1
            log:
              level: warn
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: \(directory)/storage
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)

            """
        try config.write(toFile: directory + "/config.yml", atomically: false, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: directory + "/registry.log", contents: nil)
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/registry.log"))
        defer { try? logHandle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", directory + "/config.yml"]
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        let registry = TestRegistry(port: port, directory: directory, process: process)
        do {
            try registry.waitUntilServing(timeoutSeconds: timeoutSeconds)
        } catch {
            registry.stop()
            throw error
        }
        return registry
    }

    private func waitUntilServing(timeoutSeconds: Double) throws {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            guard process.isRunning else {
                throw TestImageError("docker-registry exited with \(process.terminationStatus): \(log)")
            }
            if let response = try? TestHTTP.request("GET", url + "/v2/", timeoutSeconds: 2), response.status == 200 {
                return
            }
            usleep(50_000)
        }
        throw TestImageError("docker-registry did not answer on \(host) within \(timeoutSeconds)s: \(log)")
    }

    /// Stops the registry (SIGTERM, then SIGKILL after 5 s), waits for it, removes its dir.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning, Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Builds `spec` and pushes it as `repository:tag` (default: the spec's name and tag).
    @discardableResult
    public func push(
        _ spec: TestImageSpec, as repository: String? = nil, tag: String? = nil
    ) throws
        -> TestRegistryImage
    {
        let image = try TestRegistryImage.build(spec)
        try image.push(to: host, repository: repository ?? spec.name, tag: tag ?? spec.tag)
        return image
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now.
    public static func freeLoopbackPort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(descriptor, generic, length) == 0 && getsockname(descriptor, generic, &length) == 0
            }
        }
        guard bound else { throw TestImageError("cannot pick a port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A test image as a registry holds it: manifest bytes and every blob, by digest.
public struct TestRegistryImage: Sendable {
    public static let manifestMediaType = "application/vnd.oci.image.manifest.v1+json"
    public static let indexMediaType = "application/vnd.oci.image.index.v1+json"

    public var manifest: Data
    public var manifestDigest: String
    public var configDigest: String
    /// Bottom layer first.
    public var layerDigests: [String]
    /// Config and layer blobs by `sha256:` digest.
    public var blobs: [String: Data]

    /// Builds `spec` as an OCI layout and reads it back.
    public static func build(_ spec: TestImageSpec) throws -> TestRegistryImage {
        let layout = FileManager.default.temporaryDirectory.path + "/mesokube-push-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: layout) }
        try TestImages.writeOCILayout(spec, to: layout)
        func blob(_ digest: String) throws -> Data {
            let path = layout + "/blobs/sha256/" + digest.replacingOccurrences(of: "sha256:", with: "")
            guard let data = FileManager.default.contents(atPath: path) else {
                throw TestImageError("no blob \(digest)")
            }
            return data
        }
        struct Descriptor: Decodable { var digest: String }
        struct Index: Decodable { var manifests: [Descriptor] }
        struct Manifest: Decodable {
            var config: Descriptor
            var layers: [Descriptor]
        }
        let index = try JSONDecoder().decode(Index.self, from: try layoutFile("index.json", in: layout))
        guard let manifestDigest = index.manifests.first?.digest else { throw TestImageError("empty index.json") }
        let manifestData = try blob(manifestDigest)
        let manifest = try JSONDecoder().decode(Manifest.self, from: manifestData)
        var blobs: [String: Data] = [:]
        for digest in [manifest.config.digest] + manifest.layers.map(\.digest) { blobs[digest] = try blob(digest) }
        return TestRegistryImage(
            manifest: manifestData, manifestDigest: manifestDigest, configDigest: manifest.config.digest,
            layerDigests: manifest.layers.map(\.digest), blobs: blobs)
    }

    private static func layoutFile(_ name: String, in layout: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: layout + "/" + name) else {
            throw TestImageError("no \(name) in \(layout)")
        }
        return data
    }

    /// Pushes the blobs (skipping ones the registry has) and then the manifest, with the
    /// distribution API: `POST …/blobs/uploads/` → `PUT <location>&digest=…` → `PUT …/manifests/<tag>`.
    public func push(to host: String, repository: String, tag: String) throws {
        for digest in [configDigest] + layerDigests {
            try TestRegistryImage.pushBlob(blobs[digest] ?? Data(), digest: digest, to: host, repository: repository)
        }
        try TestRegistryImage.putManifest(
            manifest, mediaType: Self.manifestMediaType, to: host, repository: repository, reference: tag)
    }

    /// Uploads one blob unless the registry already has it.
    public static func pushBlob(_ data: Data, digest: String, to host: String, repository: String) throws {
        let base = "http://\(host)/v2/\(repository)/blobs/"
        if try TestHTTP.request("HEAD", base + digest).status == 200 { return }
        let started = try TestHTTP.request("POST", base + "uploads/")
        guard started.status == 202, let location = started.headers["location"] else {
            throw TestImageError(
                "starting an upload to \(host)/\(repository) answered \(started.status): \(started.text)")
        }
        let absolute = location.hasPrefix("http") ? location : "http://\(host)" + location
        let separator = absolute.contains("?") ? "&" : "?"
        let encodedDigest = digest.replacingOccurrences(of: ":", with: "%3A")
        let finished = try TestHTTP.request(
            "PUT", absolute + separator + "digest=" + encodedDigest,
            headers: ["Content-Type": "application/octet-stream"], body: data)
        guard finished.status == 201 else {
            throw TestImageError(
                "uploading \(digest) to \(host)/\(repository) answered \(finished.status): \(finished.text)")
        }
    }

    /// PUTs a manifest or index under `reference` (a tag or a digest).
    public static func putManifest(
        _ data: Data, mediaType: String, to host: String, repository: String, reference: String
    ) throws {
        let response = try TestHTTP.request(
            "PUT", "http://\(host)/v2/\(repository)/manifests/\(reference)", headers: ["Content-Type": mediaType],
            body: data)
        guard response.status == 201 else {
            throw TestImageError(
                "PUT manifest \(repository):\(reference) answered \(response.status): \(response.text)")
        }
    }

    /// An OCI index listing the given images for their platforms (`os/architecture`).
    public static func index(_ entries: [(image: TestRegistryImage, os: String, architecture: String)]) throws -> Data {
        let manifests: [[String: Any]] = entries.map { entry in
            [
                "mediaType": manifestMediaType, "digest": entry.image.manifestDigest,
                "size": entry.image.manifest.count,
                "platform": ["os": entry.os, "architecture": entry.architecture],
            ]
        }
        let object: [String: Any] = ["schemaVersion": 2, "mediaType": indexMediaType, "manifests": manifests]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }
}
