import AsyncHTTPClient
import Foundation
import Glibc
import MesosModel

/// Why fetching a `CommandInfo.uris` entry failed. `description` reads like Mesos' fetcher
/// ("Failed to fetch 'http://…': HTTP 404 Not Found") because the agent reports it verbatim
/// in TASK_FAILED / REASON_CONTAINER_LAUNCH_FAILED.
public struct FetchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URI as the framework gave it.
    public var uri: String
    /// What went wrong, without the "Failed to fetch" prefix.
    public var reason: String

    public init(uri: String, reason: String) {
        self.uri = uri
        self.reason = reason
    }

    public var description: String { "Failed to fetch '\(uri)': \(reason)" }
}

/// One URI placed in a sandbox.
public struct FetchedFile: Sendable, Equatable {
    /// The URI as the framework gave it.
    public var uri: String
    /// Absolute path of the fetched file (the archive itself when it was extracted).
    public var path: String
    /// Whether the file was an archive whose members were unpacked into the sandbox.
    public var extracted: Bool
    /// Whether the bytes came from the agent-wide cache rather than the source.
    public var fromCache: Bool
}

/// Downloads `CommandInfo.uris` into a sandbox with Mesos fetcher semantics: http(s), file:// and
/// absolute paths; `output_file` renaming; `executable` (chmod 0755, never extracted); `extract`
/// (default true) of archives recognised by extension; `cache` in an agent-wide LRU cache.
public final class Fetcher: Sendable {
    /// Configuration shared by every fetch.
    public struct Options: Sendable {
        /// Directory holding cached downloads, e.g. `<agent work dir>/fetch-cache`.
        public var cacheDirectory: String
        /// Upper bound on the cache's total size; least recently used entries are evicted.
        public var maxCacheBytes: Int64
        /// How long one HTTP(S) download may take, redirects included (local copies are not bounded).
        public var timeout: Duration
        /// Largest file accepted from one URI; nil means unbounded.
        public var maxFileBytes: Int64?

        public init(
            cacheDirectory: String, maxCacheBytes: Int64 = 2 << 30, timeout: Duration = .seconds(600),
            maxFileBytes: Int64? = nil
        ) {
            self.cacheDirectory = cacheDirectory
            self.maxCacheBytes = maxCacheBytes
            self.timeout = timeout
            self.maxFileBytes = maxFileBytes
        }
    }

    public let options: Options
    private let source: FetchSource
    private let cache: FetchCache

    /// - Parameter httpClient: defaults to the process-wide shared client, which follows redirects.
    public init(options: Options, httpClient: HTTPClient = .shared) {
        self.options = options
        self.source = FetchSource(
            httpClient: httpClient, timeout: options.timeout, maxFileBytes: options.maxFileBytes)
        self.cache = FetchCache(directory: options.cacheDirectory, maxBytes: options.maxCacheBytes)
    }

    /// Fetches every URI into `sandbox` in order, stopping at the first failure.
    /// - Parameter user: when given (and the agent runs as root) fetched files are chowned to it;
    ///   it is also part of the cache key, as in Mesos, so users never share cached bytes.
    public func fetch(
        _ uris: [CommandURI], into sandbox: String, user: String?
    ) async throws(FetchError)
        -> [FetchedFile]
    {
        var owner: (uid: uid_t, gid: gid_t)?
        if let user {
            guard let entry = getpwnam(user) else {
                throw FetchError(uri: uris.first?.value ?? "", reason: "Unknown user '\(user)'")
            }
            owner = (entry.pointee.pw_uid, entry.pointee.pw_gid)
        }
        var fetched: [FetchedFile] = []
        for uri in uris {
            do {
                fetched.append(try await fetchOne(uri, into: sandbox, user: user))
            } catch let error as FetchError {
                throw error
            } catch {
                throw FetchError(uri: uri.value, reason: "\(error)")
            }
        }
        if let owner, geteuid() == 0, let last = uris.last {
            do {
                try FetchOwnership.chown(sandbox: sandbox, uid: owner.uid, gid: owner.gid)
            } catch {
                throw FetchError(uri: last.value, reason: "\(error)")
            }
        }
        return fetched
    }

    private func fetchOne(_ uri: CommandURI, into sandbox: String, user: String?) async throws -> FetchedFile {
        let location = try FetchLocation(uri.value)
        let name = try Self.outputName(uri, location: location)
        let destination = sandbox + "/" + name
        try FileManager.default.createDirectory(
            atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)

        var fromCache = false
        if uri.cache ?? false {
            fromCache = try await cache.fetch(
                key: FetchCache.key(uri: uri.value, user: user), to: destination,
                download: { staging in try await self.source.retrieve(location, uri: uri.value, to: staging) })
        } else {
            try await source.retrieve(location, uri: uri.value, to: destination)
        }

        if uri.executable ?? false {
            // Mesos never extracts executables: the bit says "run me", not "unpack me".
            guard chmod(destination, 0o755) == 0 else {
                throw FetchError(uri: uri.value, reason: "Failed to chmod '\(destination)': \(errnoText())")
            }
            return FetchedFile(uri: uri.value, path: destination, extracted: false, fromCache: fromCache)
        }
        var extracted = false
        if uri.extract ?? true, let kind = ArchiveKind(fileName: name) {
            try await ArchiveExtractor.extract(destination, kind: kind, into: sandbox, uri: uri.value)
            extracted = true
        }
        return FetchedFile(uri: uri.value, path: destination, extracted: extracted, fromCache: fromCache)
    }

    /// The sandbox-relative name: `output_file` if given (never escaping the sandbox), else the
    /// basename of the URI's path.
    static func outputName(_ uri: CommandURI, location: FetchLocation) throws(FetchError) -> String {
        if let output = uri.outputFile {
            let parts = output.split(separator: "/", omittingEmptySubsequences: true)
            guard !output.hasPrefix("/"), !parts.isEmpty, !parts.contains(".."), !parts.allSatisfy({ $0 == "." })
            else {
                throw FetchError(
                    uri: uri.value, reason: "Invalid output_file '\(output)': it must be a path inside the sandbox")
            }
            return parts.filter { $0 != "." }.joined(separator: "/")
        }
        let base = location.basename
        guard !base.isEmpty, base != ".", base != ".." else {
            throw FetchError(uri: uri.value, reason: "Cannot determine a file name from the URI; set output_file")
        }
        return base
    }
}

func errnoText() -> String { String(cString: strerror(errno)) }
