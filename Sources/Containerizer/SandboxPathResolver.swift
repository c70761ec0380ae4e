import Glibc

/// Maps virtual paths (what `/files/*` clients send) onto attached real directories or
/// files, the way Mesos' `Files::resolve` does: the longest attached prefix wins and the
/// rest of the path is looked up inside it. Unlike Mesos, any `..` component is refused
/// outright, and containment is checked on whole path components after canonicalization,
/// so neither `..` nor a symlink can lead outside the attached root.
struct SandboxPathResolver {
    /// Normalized virtual prefix ("/a/b") -> real path as attached.
    var roots: [String: String]

    /// Splits a virtual path into components, dropping empty and "." ones. Every virtual
    /// path is taken as absolute ("frameworks/x" == "/frameworks/x").
    static func components(of virtualPath: String) throws(SandboxFilesError) -> [String] {
        let parts = virtualPath.split(separator: "/", omittingEmptySubsequences: true)
            .map(String.init)
            .filter { $0 != "." }
        if parts.contains("..") {
            throw .invalid("'\(virtualPath)' is inaccessible: '..' is not allowed")
        }
        return parts
    }

    /// The canonical form used as a root key and as the base of entry paths in listings.
    static func normalize(_ virtualPath: String) throws(SandboxFilesError) -> String {
        "/" + (try components(of: virtualPath)).joined(separator: "/")
    }

    /// The canonical real path behind `virtualPath`.
    func resolve(_ virtualPath: String) throws(SandboxFilesError) -> String {
        let parts = try Self.components(of: virtualPath)
        for prefixLength in stride(from: parts.count, through: 0, by: -1) {
            let key = "/" + parts[0..<prefixLength].joined(separator: "/")
            guard let root = roots[key] else { continue }
            return try resolve(suffix: Array(parts[prefixLength...]), under: root, virtualPath: virtualPath)
        }
        throw .notFound("'\(virtualPath)' does not exist")
    }

    private func resolve(
        suffix: [String], under root: String, virtualPath: String
    ) throws(SandboxFilesError) -> String {
        // Roots are canonicalized on every lookup: a sandbox may be attached before it exists,
        // or be garbage-collected while still attached.
        guard let realRoot = try Self.canonicalPath(root) else {
            throw .notFound("'\(virtualPath)' does not exist")
        }
        if !Self.isDirectory(realRoot) {
            // An attached file (a log, say) has no children.
            guard suffix.isEmpty else { throw .notFound("'\(virtualPath)' does not exist") }
            return realRoot
        }
        let candidate = suffix.isEmpty ? realRoot : realRoot + "/" + suffix.joined(separator: "/")
        guard let realPath = try Self.canonicalPath(candidate) else {
            throw .notFound("'\(virtualPath)' does not exist")
        }
        guard Self.isContained(realPath, in: realRoot) else {
            throw .invalid("'\(virtualPath)' is inaccessible")
        }
        return realPath
    }

    /// True if `path` is `root` or lies below it, compared by whole components so that
    /// "/sandbox-other" is not inside "/sandbox".
    static func isContained(_ path: String, in root: String) -> Bool {
        if path == root || root == "/" { return true }
        return path.hasPrefix(root + "/")
    }

    /// `realpath(3)`; nil if the path (or a parent) does not exist.
    static func canonicalPath(_ path: String) throws(SandboxFilesError) -> String? {
        guard let resolved = realpath(path, nil) else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw .invalid("Failed to determine canonical path of '\(path)': \(errnoDescription(code))")
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
