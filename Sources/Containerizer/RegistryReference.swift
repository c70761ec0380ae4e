import Foundation

/// Where an image comes from and which registries a puller talks to.
public struct RegistryOptions: Sendable, Equatable {
    /// `HOST[:PORT]` for names that carry no registry (`busybox`, `library/busybox:1.36`).
    public var defaultRegistry: String
    /// `HOST[:PORT]`s tried, in order, before the default registry (never for other registries).
    public var mirrors: [String]
    /// `HOST[:PORT]`s spoken to over plain HTTP; every other registry is HTTPS.
    public var insecureRegistries: Set<String>
    /// Basic credentials per registry `HOST[:PORT]`, sent to its token endpoint (or as Basic auth).
    public var credentials: [String: RegistryCredentials]
    /// Whether single-component names on the default registry get Docker Hub's `library/`
    /// prefix; nil means "only when the default registry is Docker Hub".
    public var libraryPrefix: Bool?
    /// Bound on one HTTP exchange (a whole blob download included).
    public var timeout: Duration
    /// The platform picked from a multi-platform index.
    public var platform: RegistryPlatform

    public init(
        defaultRegistry: String = RegistryOptions.dockerHub, mirrors: [String] = [],
        insecureRegistries: Set<String> = [], credentials: [String: RegistryCredentials] = [:],
        libraryPrefix: Bool? = nil, timeout: Duration = .seconds(600),
        platform: RegistryPlatform = RegistryPlatform(os: "linux", architecture: "amd64")
    ) {
        self.defaultRegistry = defaultRegistry
        self.mirrors = mirrors
        self.insecureRegistries = insecureRegistries
        self.credentials = credentials
        self.libraryPrefix = libraryPrefix
        self.timeout = timeout
        self.platform = platform
    }

    /// Docker Hub's API host (what `docker.io` names resolve to).
    public static let dockerHub = "registry-1.docker.io"

    /// Whether `host` is one of Docker Hub's names.
    public static func isDockerHub(_ host: String) -> Bool {
        ["docker.io", "index.docker.io", "registry-1.docker.io"].contains(host)
    }

    /// `http` for insecure registries, else `https`.
    public func scheme(for host: String) -> String { insecureRegistries.contains(host) ? "http" : "https" }
}

public struct RegistryCredentials: Sendable, Equatable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

public struct RegistryPlatform: Sendable, Equatable {
    public var os: String
    public var architecture: String

    public init(os: String, architecture: String) {
        self.os = os
        self.architecture = architecture
    }
}

/// A parsed image reference: `[REGISTRY/]REPOSITORY[:TAG][@DIGEST]`, resolved with Docker's rules.
public struct RegistryReference: Sendable, Equatable, CustomStringConvertible {
    /// `HOST[:PORT]` the image lives on (Docker Hub names map to its API host).
    public var registry: String
    /// Repository path on that registry, e.g. `library/busybox` or `hello_world`.
    public var repository: String
    public var tag: String
    /// `sha256:<hex>` when the reference pins a manifest; it wins over the tag.
    public var digest: String?
    /// Whether the name carried no registry, so mirrors apply.
    public var usesDefaultRegistry: Bool

    /// What the manifest endpoint is asked for: the digest when pinned, else the tag.
    public var manifestReference: String { digest ?? tag }

    public var description: String {
        registry + "/" + repository + (digest.map { "@" + $0 } ?? ":" + tag)
    }

    /// Parses `text` with Docker's rules: the first path component names a registry when it
    /// contains `.` or `:` or is `localhost`; anything else is a repository on the default registry.
    public init(parsing text: String, options: RegistryOptions) throws(ImageError) {
        var rest = Substring(text)
        if let at = rest.firstIndex(of: "@") {
            let digest = String(rest[rest.index(after: at)...])
            guard Self.isSHA256(digest) else {
                throw .pullFailed(image: text, reason: "unsupported digest '\(digest)' (only sha256:<64 hex> is)")
            }
            self.digest = digest
            rest = rest[..<at]
        } else {
            self.digest = nil
        }
        var components = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if components.count > 1, let first = components.first,
            first.contains(".") || first.contains(":") || first == "localhost"
        {
            registry = RegistryOptions.isDockerHub(first) ? RegistryOptions.dockerHub : first
            usesDefaultRegistry = false
            components.removeFirst()
        } else {
            let host = options.defaultRegistry
            registry = RegistryOptions.isDockerHub(host) ? RegistryOptions.dockerHub : host
            usesDefaultRegistry = true
        }
        // A tag is whatever follows ':' in the last component (a port only ever sits in the first).
        tag = "latest"
        if let last = components.last, let colon = last.lastIndex(of: ":") {
            tag = String(last[last.index(after: colon)...])
            components[components.count - 1] = String(last[..<colon])
        }
        repository = components.joined(separator: "/")
        let hub = RegistryOptions.isDockerHub(registry)
        let prefix = usesDefaultRegistry ? (options.libraryPrefix ?? hub) : hub
        if prefix, components.count == 1 { repository = "library/" + repository }
        try validate(text)
    }

    private func validate(_ text: String) throws(ImageError) {
        let repositoryCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789._-/")
        guard !repository.isEmpty, !repository.hasPrefix("/"), !repository.hasSuffix("/"),
            !repository.contains("//"), repository.unicodeScalars.allSatisfy(repositoryCharacters.contains)
        else {
            throw .pullFailed(image: text, reason: "invalid repository name '\(repository)'")
        }
        let tagCharacters = CharacterSet(
            charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !tag.isEmpty, tag.count <= 128, tag.unicodeScalars.allSatisfy(tagCharacters.contains) else {
            throw .pullFailed(image: text, reason: "invalid tag '\(tag)'")
        }
    }

    static func isSHA256(_ digest: String) -> Bool {
        guard digest.hasPrefix("sha256:") else { return false }
        let hex = digest.dropFirst("sha256:".count)
        return hex.count == 64 && hex.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}
