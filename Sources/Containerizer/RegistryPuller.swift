import AsyncHTTPClient
import Foundation
import Glibc

/// What one pull did.
public struct PullReport: Sendable, Equatable {
    public var image: ImageReference
    /// The registry host the manifest came from (a mirror or the image's own registry), or
    /// `nil` when a digest-pinned image was already in the store and no registry was asked.
    public var source: String?
    /// Config and layer digests fetched over the network by this pull, in manifest order;
    /// blobs already in the store are not fetched again.
    public var downloadedBlobs: [String]
}

/// Pulls images from OCI distribution (registry v2) registries into an `ImageStore`:
/// resolves the name (default registry, mirrors, `library/`), fetches the manifest (OCI or
/// Docker schema 2; from an index or manifest list, the configured platform), then the config
/// and layer blobs, each verified against its sha256 digest by the store before it is kept.
/// Afterwards `store.image(named:)` finds the image under the name it was pulled by.
///
/// Concurrent pulls of one name share a single transfer, and so do concurrent downloads of
/// one blob by different images.
public actor ImagePuller {
    public nonisolated let store: ImageStore
    public nonisolated let options: RegistryOptions
    private let client: RegistryClient
    private var pulls: [String: Task<PullReport, any Error>] = [:]
    private var blobDownloads: [String: Task<Void, any Error>] = [:]

    /// Media types the manifest endpoint is asked for: images and indexes, OCI and Docker.
    static let manifestTypes = [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]
    /// Manifests are small; anything bigger is not one.
    static let maxManifestBytes = 4 << 20

    /// - Parameter httpClient: defaults to `ImagePuller.sharedHTTPClient`.
    public init(
        store: ImageStore, options: RegistryOptions = RegistryOptions(),
        httpClient: HTTPClient = ImagePuller.sharedHTTPClient
    ) {
        self.store = store
        self.options = options
        self.client = RegistryClient(httpClient: httpClient, options: options)
    }

    /// The process-wide client pulls use: like `HTTPClient.shared` (follows redirects, which
    /// registries backed by object storage use for blobs), except that a refused connection
    /// fails at once instead of being retried until the connect timeout, so a dead mirror
    /// costs nothing before the next host is tried. Never shut down, like `.shared`.
    public static let sharedHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.timeout.connect = .seconds(15)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Pulls `name` (e.g. `busybox`, `library/busybox:1.36`, `localhost:5000/hello_world:latest`,
    /// `host:5000/repo@sha256:…`) and returns the stored image.
    public func pull(_ name: String) async throws(ImageError) -> ImageReference {
        try await pullReport(name).image
    }

    /// Like `pull`, also saying where the image came from and which blobs were downloaded.
    public func pullReport(_ name: String) async throws(ImageError) -> PullReport {
        let key = ImageName.normalize(name)
        let task: Task<PullReport, any Error>
        if let running = pulls[key] {
            task = running
        } else {
            task = Task { try await self.perform(name) }
            pulls[key] = task
        }
        let result = await task.result
        if pulls[key] == task { pulls[key] = nil }
        switch result {
        case .success(let report): return report
        case .failure(let error as ImageError): throw error
        case .failure(let error): throw .pullFailed(image: name, reason: "\(error)")
        }
    }

    // MARK: - One pull

    private func perform(_ name: String) async throws -> PullReport {
        let reference = try RegistryReference(parsing: name, options: options)
        if let digest = reference.digest, store.hasBlob(digest) {
            // Pinned and already stored: the content cannot have changed, so skip the network.
            if let image = try? await Self.offPool({ [store] in try store.tag(name, manifestDigest: digest) }) {
                return PullReport(image: image, source: nil, downloadedBlobs: [])
            }
        }
        let hosts = reference.usesDefaultRegistry ? options.mirrors + [reference.registry] : [reference.registry]
        var failures: [String] = []
        for host in hosts {
            let endpoint = RegistryEndpoint(
                host: host, scheme: options.scheme(for: host), repository: reference.repository)
            do {
                return try await pull(name, reference, from: endpoint)
            } catch {
                // A mirror that fails for any reason (down, missing the image, corrupt) is
                // skipped; what every host said is reported if none of them works.
                failures.append(Self.describe(error))
            }
        }
        throw ImageError.pullFailed(image: name, reason: failures.joined(separator: "; "))
    }

    private func pull(
        _ name: String, _ reference: RegistryReference, from endpoint: RegistryEndpoint
    ) async throws -> PullReport {
        var (digest, manifest) = try await fetchManifest(
            reference.manifestReference, endpoint: endpoint, expected: reference.digest)
        if manifest.isIndex {
            let chosen = try choosePlatform(manifest, url: endpoint.url("manifests", reference.manifestReference))
            (digest, manifest) = try await fetchManifest(chosen, endpoint: endpoint, expected: chosen)
            if manifest.isIndex {
                throw RegistryFailure("index \(chosen) points at another index (from \(endpoint.host))")
            }
        }
        guard let config = manifest.config, let layers = manifest.layers else {
            throw RegistryFailure(
                "manifest \(digest) has no config or layers (from \(endpoint.url("manifests", reference.manifestReference)))"
            )
        }
        // Blobs download in parallel; the report lists them in manifest order.
        let blobs = [config] + layers
        let fetched = try await withThrowingTaskGroup(of: String?.self) { group in
            for blob in blobs {
                group.addTask { try await self.fetchBlob(blob, endpoint: endpoint) ? blob.digest : nil }
            }
            var fetched = Set<String>()
            for try await digest in group {
                if let digest { fetched.insert(digest) }
            }
            return fetched
        }
        let downloaded = blobs.map(\.digest).filter(fetched.contains)
        let image = try await Self.offPool { [store, digest] in try store.tag(name, manifestDigest: digest) }
        return PullReport(image: image, source: endpoint.host, downloadedBlobs: downloaded)
    }

    // MARK: - Manifests

    /// Fetches, verifies and stores one manifest or index. The digest it must hash to is the
    /// pinned one when there is one, else the registry's `Docker-Content-Digest` header.
    private func fetchManifest(
        _ reference: String, endpoint: RegistryEndpoint, expected: String?
    ) async throws -> (String, RegistryManifest) {
        let url = endpoint.url("manifests", reference)
        let response = try await client.get(url, endpoint: endpoint, accept: Self.manifestTypes)
        let contentType = response.headers.first(name: "Content-Type") ?? ""
        if contentType.contains("distribution.manifest.v1") || contentType.contains("prettyjws") {
            throw RegistryFailure("schema 1 manifests (\(contentType)) are not supported (from \(url))")
        }
        let claimed = expected ?? response.headers.first(name: "Docker-Content-Digest")
        let staging = store.stagingPath()
        defer { unlink(staging) }
        try await client.download(response, to: staging, limit: Self.maxManifestBytes, url: url)
        let actual = try await Self.offPool { "sha256:" + (try ImageShell.sha256(file: staging)) }
        if let claimed, claimed != actual {
            throw RegistryFailure(
                "manifest digest mismatch: expected \(claimed), content hashes to \(actual) (from \(url))")
        }
        guard let data = FileManager.default.contents(atPath: staging),
            let manifest = try? JSONDecoder().decode(RegistryManifest.self, from: data)
        else { throw RegistryFailure("unreadable manifest (from \(url))") }
        try await Self.offPool { [store] in try store.storeDownloadedBlob(staging, digest: actual) }
        return (actual, manifest)
    }

    /// The index entry for the configured platform; an index whose single entry names no
    /// platform is taken as it is.
    private func choosePlatform(_ index: RegistryManifest, url: String) throws -> String {
        let entries = index.manifests ?? []
        let wanted = options.platform
        if let match = entries.first(where: {
            $0.platform?.os == wanted.os && $0.platform?.architecture == wanted.architecture
        }) {
            return match.digest
        }
        if entries.count == 1, entries[0].platform == nil { return entries[0].digest }
        let offered = entries.compactMap { $0.platform.map { "\($0.os)/\($0.architecture)" } }
        throw RegistryFailure(
            "no manifest for \(wanted.os)/\(wanted.architecture) in the index"
                + " (it has \(offered.isEmpty ? "none" : offered.joined(separator: ", "))) (from \(url))")
    }

    // MARK: - Blobs

    /// Makes sure the blob is stored; true when this call downloaded it.
    private func fetchBlob(_ blob: RegistryDescriptor, endpoint: RegistryEndpoint) async throws -> Bool {
        guard RegistryReference.isSHA256(blob.digest) else {
            throw RegistryFailure("unsupported blob digest '\(blob.digest)'")
        }
        if store.hasBlob(blob.digest) { return false }
        if let running = blobDownloads[blob.digest] {
            try await running.value
            return false
        }
        let task = Task { try await self.downloadBlob(blob, endpoint: endpoint) }
        blobDownloads[blob.digest] = task
        defer { blobDownloads[blob.digest] = nil }
        try await task.value
        return true
    }

    private func downloadBlob(_ blob: RegistryDescriptor, endpoint: RegistryEndpoint) async throws {
        let url = endpoint.url("blobs", blob.digest)
        let response = try await client.get(url, endpoint: endpoint)
        let staging = store.stagingPath()
        defer { unlink(staging) }
        try await client.download(response, to: staging, limit: blob.size, url: url)
        do {
            try await Self.offPool { [store] in try store.storeDownloadedBlob(staging, digest: blob.digest) }
        } catch ImageError.digestMismatch(let expected, let actual) {
            throw RegistryFailure(
                "blob digest mismatch: expected \(expected), content hashes to \(actual) (from \(url))")
        }
    }

    // MARK: - Helpers

    private static func describe(_ error: any Error) -> String {
        switch error {
        case let failure as RegistryFailure: return failure.description
        case ImageError.pullFailed(_, let reason): return reason
        default: return "\(error)"
        }
    }

    /// Runs blocking store work (sha256sum, file copies) on a thread of its own, keeping it off
    /// Swift concurrency's small cooperative pool, which the agent's servers share.
    static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }
}

/// The fields of an image manifest or index the puller reads (OCI and Docker schema 2 agree).
struct RegistryManifest: Decodable {
    var schemaVersion: Int?
    var mediaType: String?
    var config: RegistryDescriptor?
    var layers: [RegistryDescriptor]?
    var manifests: [RegistryDescriptor]?

    var isIndex: Bool {
        manifests != nil || mediaType.map { $0.contains("index") || $0.contains("manifest.list") } == true
    }
}

struct RegistryDescriptor: Decodable, Sendable {
    struct Platform: Decodable, Sendable {
        var os: String
        var architecture: String
    }
    var mediaType: String?
    var digest: String
    var size: Int?
    var platform: Platform?
}
