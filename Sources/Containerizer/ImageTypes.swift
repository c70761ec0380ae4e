import Foundation

/// The parts of an image config (`config` in the OCI image config JSON) a container honours.
public struct ImageConfig: Codable, Sendable, Equatable {
    public var entrypoint: [String]
    public var cmd: [String]
    /// `NAME=value` strings, in image order.
    public var env: [String]
    public var workingDir: String
    public var user: String

    public init(
        entrypoint: [String] = [], cmd: [String] = [], env: [String] = [], workingDir: String = "",
        user: String = ""
    ) {
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.env = env
        self.workingDir = workingDir
        self.user = user
    }
}

/// One layer of an image: its blob digest (`sha256:<hex>`) and media type.
public struct ImageLayer: Codable, Sendable, Equatable {
    public var digest: String
    public var mediaType: String
}

/// An image known to the store: name:tag, manifest digest, layers bottom first, config.
public struct ImageReference: Codable, Sendable, Equatable {
    /// Normalised `name:tag`.
    public var name: String
    public var manifestDigest: String
    public var configDigest: String
    public var layers: [ImageLayer]
    public var config: ImageConfig
}

public enum ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownFormat(String)
    case malformed(String)
    case digestMismatch(expected: String, actual: String)
    case unsafePath(String)
    case notFound(String)
    case commandFailed(String)
    case runtimeMissing
    case runtimeFailed(String)
    /// A registry pull failed; `reason` names the step, the status and the URL.
    case pullFailed(image: String, reason: String)

    public var description: String {
        switch self {
        case .unknownFormat(let path):
            return "'\(path)' is neither an OCI image layout nor a 'docker save' archive"
        case .malformed(let why): return "Malformed image: \(why)"
        case .digestMismatch(let expected, let actual):
            return "Digest mismatch: expected \(expected), content hashes to \(actual)"
        case .unsafePath(let path): return "Refusing layer entry '\(path)': it escapes the root filesystem"
        case .notFound(let name): return "Image '\(name)' is not in the image store"
        case .commandFailed(let why): return why
        case .runtimeMissing: return "runc is not installed; apt-get install runc"
        case .runtimeFailed(let why): return "runc failed: \(why)"
        case .pullFailed(let image, let reason): return "Failed to pull image '\(image)': \(reason)"
        }
    }
}

/// Image name helpers shared by the store and its callers.
public enum ImageName {
    /// `busybox` → `busybox:latest`; a name that already has a tag or digest is kept.
    public static func normalize(_ name: String) -> String {
        if name.contains("@") { return name }
        let lastComponent = name.split(separator: "/").last.map(String.init) ?? name
        return lastComponent.contains(":") ? name : name + ":latest"
    }
}

/// Small subprocess helper for the image code (tar, sha256sum, mount tools, runc) and the pod
/// network (`ip`).
enum ImageShell {
    /// Runs `arguments` (argv[0] searched in PATH), returns stdout, throws with stderr on failure.
    @discardableResult
    static func run(_ arguments: [String]) throws(ImageError) -> String {
        let result = try CommandOutput.run(arguments)
        guard result.status.isSuccess else {
            let message = String(decoding: result.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw .commandFailed("\(arguments.joined(separator: " ")) failed: \(message)")
        }
        return String(decoding: result.stdout, as: UTF8.self)
    }

    /// Lowercase hex SHA-256 of a file (Foundation has no SHA-256 on Linux).
    static func sha256(file: String) throws(ImageError) -> String {
        let output = try run(["sha256sum", "--", file])
        guard let digest = output.split(separator: " ").first, digest.count == 64 else {
            throw .commandFailed("sha256sum printed '\(output)'")
        }
        return String(digest)
    }
}
