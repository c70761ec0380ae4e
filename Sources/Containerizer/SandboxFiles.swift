import Foundation
import Glibc

/// A `/files/*` failure; the agent renders `statusCode` with `message` as the body.
/// Mirrors Mesos' FilesError: INVALID -> 400, NOT_FOUND -> 404, UNKNOWN -> 500.
public enum SandboxFilesError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 400: bad parameters, a directory given to read, or a path leading outside its root.
    case invalid(String)
    /// 404: nothing attached or on disk at that virtual path.
    case notFound(String)
    /// 500: the file exists but could not be listed or read.
    case failure(String)

    public var statusCode: Int {
        switch self {
        case .invalid: return 400
        case .notFound: return 404
        case .failure: return 500
        }
    }

    public var message: String {
        switch self {
        case .invalid(let text), .notFound(let text), .failure(let text): return text
        }
    }

    public var description: String { "\(statusCode): \(message)" }
}

/// One `/files/read` answer: `data` read at `offset` (or, for a size probe, the file size
/// as `offset` and empty `data`).
public struct FileChunk: Codable, Sendable, Equatable {
    public var data: String
    public var offset: Int

    public init(data: String, offset: Int) {
        self.data = data
        self.offset = offset
    }
}

/// Mesos' files service over attached sandboxes: virtual path prefixes map to real
/// directories (or single files), and nothing outside an attached root can be reached.
/// The agent attaches each executor run twice, as Mesos does: under
/// `/frameworks/<fw>/executors/<e>/runs/latest` and under its real absolute path.
public final class SandboxFiles: @unchecked Sendable {
    /// Mesos caps one read at 16 pages (64 KiB with 4 KiB pages); clients page through
    /// bigger files with further offsets.
    public static let defaultMaxReadLength = 16 * Int(sysconf(Int32(_SC_PAGESIZE)))

    public let maxReadLength: Int
    // Guards `resolver.roots`: the agent attaches and detaches while requests are served.
    private let lock = NSLock()
    private var resolver: SandboxPathResolver

    /// `roots` maps virtual prefixes to real paths; roots may not exist yet.
    public init(roots: [String: String] = [:], maxReadLength: Int = SandboxFiles.defaultMaxReadLength) {
        self.maxReadLength = max(1, maxReadLength)
        var normalized: [String: String] = [:]
        for (virtualPath, realPath) in roots {
            if let key = try? SandboxPathResolver.normalize(virtualPath) { normalized[key] = realPath }
        }
        resolver = SandboxPathResolver(roots: normalized)
    }

    /// Makes `realPath` reachable as `virtualPath` (replacing an earlier attachment).
    public func attach(realPath: String, as virtualPath: String) throws(SandboxFilesError) {
        let key = try SandboxPathResolver.normalize(virtualPath)
        lock.withLock { resolver.roots[key] = realPath }
    }

    public func detach(virtualPath: String) {
        guard let key = try? SandboxPathResolver.normalize(virtualPath) else { return }
        lock.withLock { _ = resolver.roots.removeValue(forKey: key) }
    }

    /// Virtual prefix -> real path, as Mesos' `/files/debug` shows it.
    public var attachedRoots: [String: String] {
        lock.withLock { resolver.roots }
    }

    /// The canonical real path behind a virtual path (after all containment checks).
    public func resolve(path: String) throws(SandboxFilesError) -> String {
        guard !path.isEmpty else { throw .invalid("Expecting 'path=value' in query.") }
        let snapshot = lock.withLock { resolver }
        return try snapshot.resolve(path)
    }

    /// `/files/browse`: the directory's entries sorted by name, each with the browsed
    /// virtual path joined to its name; browsing a file returns just that file. Entries
    /// whose `stat` fails (dangling symlinks) are left out, as in Mesos.
    public func browse(path: String) throws(SandboxFilesError) -> [FileEntry] {
        let realPath = try resolve(path: path)
        let virtualBase = try SandboxPathResolver.normalize(path)
        var names = OwnerNames()
        var info = stat()
        guard stat(realPath, &info) == 0 else {
            throw .notFound("'\(path)' does not exist")
        }
        if (info.st_mode & S_IFMT) != S_IFDIR {
            return [FileEntry(path: virtualBase, info: info, names: &names)]
        }
        let children: [String]
        do {
            children = try FileManager.default.contentsOfDirectory(atPath: realPath)
        } catch {
            throw .failure("Failed to list '\(path)': \(error.localizedDescription)")
        }
        let prefix = virtualBase == "/" ? "/" : virtualBase + "/"
        return children.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.compactMap { name in
            var childInfo = stat()
            guard stat(realPath + "/" + name, &childInfo) == 0 else { return nil }
            return FileEntry(path: prefix + name, info: childInfo, names: &names)
        }
    }

    /// `/files/read` with Mesos 1.x semantics:
    /// - `offset` nil or -1: a size probe, `{"data": "", "offset": <size>}`;
    /// - `offset` at or past the end: `{"data": "", "offset": offset}`;
    /// - `length` nil or -1: to the end of the file; 0: no data;
    /// - at most `maxReadLength` bytes per call;
    /// - offset or length below -1: 400; a directory: 400 "Cannot read a directory.".
    /// Bytes are decoded as UTF-8 (invalid bytes become U+FFFD). A multi-byte character cut
    /// by the length cap is left for the next read, so `offset + data.utf8.count` is the
    /// next offset to ask for whenever the data is valid UTF-8.
    public func read(path: String, offset: Int? = nil, length: Int? = nil) throws(SandboxFilesError) -> FileChunk {
        let offset = offset ?? -1
        if offset < -1 { throw .invalid("Negative offset provided: \(offset).") }
        if let length, length < -1 { throw .invalid("Negative length provided: \(length).") }
        let wantedLength = length == -1 ? nil : length

        let realPath = try resolve(path: path)
        let file = try openRegularFile(realPath, virtualPath: path)
        defer { close(file.descriptor) }
        if offset == -1 { return FileChunk(data: "", offset: file.size) }
        if offset >= file.size { return FileChunk(data: "", offset: offset) }
        let count = min(wantedLength ?? (file.size - offset), maxReadLength, file.size - offset)
        if count == 0 { return FileChunk(data: "", offset: offset) }

        let bytes = try readBytes(file.descriptor, count: count, at: offset, virtualPath: path)
        let kept = Self.lengthWithoutIncompleteTail(bytes)
        return FileChunk(data: String(decoding: bytes[0..<kept], as: UTF8.self), offset: offset)
    }

    /// The real path to stream for `/files/download`; directories are refused like Mesos.
    public func downloadPath(path: String) throws(SandboxFilesError) -> String {
        let realPath = try resolve(path: path)
        if SandboxPathResolver.isDirectory(realPath) { throw .invalid("Cannot download a directory.") }
        return realPath
    }

    // MARK: - Reading

    /// Opens without following a final symlink (the path is canonical, so one can only
    /// appear by a race) and without blocking on FIFOs, then checks the type on the open
    /// descriptor so the check and the read see the same file.
    private func openRegularFile(
        _ realPath: String, virtualPath: String
    ) throws(SandboxFilesError) -> (descriptor: Int32, size: Int) {
        let descriptor = open(realPath, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)
        guard descriptor >= 0 else {
            let code = errno
            switch code {
            case ENOENT, ENOTDIR: throw .notFound("'\(virtualPath)' does not exist")
            case ELOOP: throw .invalid("'\(virtualPath)' is inaccessible")
            default: throw .failure("Failed to open file at '\(virtualPath)': \(errnoDescription(code))")
            }
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let code = errno
            close(descriptor)
            throw .failure("Failed to stat '\(virtualPath)': \(errnoDescription(code))")
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            return (descriptor, Int(info.st_size))
        case S_IFDIR:
            close(descriptor)
            throw .invalid("Cannot read a directory.")
        default:
            close(descriptor)
            throw .invalid("Cannot read '\(virtualPath)': not a regular file.")
        }
    }

    private func readBytes(
        _ descriptor: Int32, count: Int, at offset: Int, virtualPath: String
    ) throws(SandboxFilesError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let result = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + filled, count - filled, off_t(offset + filled))
            }
            if result > 0 {
                filled += result
            } else if result == 0 {
                break  // the file shrank since fstat
            } else if errno != EINTR {
                throw .failure("Failed to read '\(virtualPath)': \(errnoDescription(errno))")
            }
        }
        return Array(bytes[0..<filled])
    }

    /// The length of `bytes` without a trailing, incomplete UTF-8 sequence — unless that
    /// sequence is all there is, so a reader always makes progress.
    static func lengthWithoutIncompleteTail(_ bytes: [UInt8]) -> Int {
        var leadIndex = bytes.count - 1
        var continuationBytes = 0
        while leadIndex >= 0, continuationBytes < 3, bytes[leadIndex] & 0xC0 == 0x80 {
            leadIndex -= 1
            continuationBytes += 1
        }
        guard leadIndex > 0 else { return bytes.count }
        let lead = bytes[leadIndex]
        let sequenceLength = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        let isIncomplete = lead >= 0xC0 && sequenceLength > continuationBytes + 1
        return isIncomplete ? leadIndex : bytes.count
    }
}
