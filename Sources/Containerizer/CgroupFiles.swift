import Foundation
import Glibc

/// Why a cgroup operation failed; `description` is meant for logs and TASK_FAILED messages.
public enum CgroupError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Neither usable v1 controllers nor a cgroup2 mount were found.
    case noCgroupSupport(String)
    /// A controller the isolator needs is not available where it needs it.
    case controllerUnavailable(controller: String, path: String)
    /// The container id would escape the `mesokube/` subtree or is empty.
    case invalidContainerID(String)
    /// `prepare` found the container's cgroup already present.
    case alreadyExists(String)
    /// A read, write, mkdir or rmdir failed with `errno`.
    case io(operation: String, path: String, errno: Int32)
    /// `destroy` could not empty or remove the cgroup in its time bound.
    case destroyIncomplete(String)

    public var description: String {
        switch self {
        case .noCgroupSupport(let detail): return "no usable cgroup hierarchy: \(detail)"
        case .controllerUnavailable(let controller, let path):
            return "cgroup controller '\(controller)' is not available at \(path)"
        case .invalidContainerID(let id): return "invalid container id for a cgroup name: '\(id)'"
        case .alreadyExists(let path): return "cgroup already exists: \(path)"
        case .io(let operation, let path, let code):
            return "cgroup \(operation) \(path) failed: \(String(cString: strerror(code)))"
        case .destroyIncomplete(let detail): return "cgroup destroy incomplete: \(detail)"
        }
    }
}

/// Raw access to cgroupfs files. cgroupfs reports sizes of 0 or 4096 and needs each value in
/// one write(2), so this goes through the syscalls rather than Foundation's file APIs.
enum CgroupFiles {
    /// The whole file as text.
    static func read(_ path: String) throws(CgroupError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "read", path: path, errno: errno)
            }
            if count == 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes `value` with a single write(2), as cgroupfs expects.
    static func write(_ value: String, to path: String) throws(CgroupError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        var written = -1
        repeat {
            written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        } while written < 0 && errno == EINTR
        guard written == bytes.count else { throw .io(operation: "write", path: path, errno: errno) }
    }

    /// Creates `path`; true if it was created, false if it already existed.
    @discardableResult
    static func makeDirectory(_ path: String) throws(CgroupError) -> Bool {
        if mkdir(path, 0o755) == 0 { return true }
        if errno == EEXIST { return false }
        throw .io(operation: "mkdir", path: path, errno: errno)
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Sub-directories (child cgroups) of `path`, not recursive; empty if `path` is gone.
    static func childDirectories(of path: String) -> [String] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [] }
        return entries.sorted().compactMap { name in
            var info = stat()
            let full = path + "/" + name
            guard lstat(full, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { return nil }
            return full
        }
    }

    /// `path` and every cgroup below it, deepest first (the order rmdir needs).
    static func subtreeDeepestFirst(_ path: String) -> [String] {
        guard exists(path) else { return [] }
        return childDirectories(of: path).flatMap { subtreeDeepestFirst($0) } + [path]
    }

    /// Process ids listed in `<cgroup>/cgroup.procs`; empty if the cgroup is gone.
    static func processes(in cgroup: String) -> [Int32] {
        guard let text = try? read(cgroup + "/cgroup.procs") else { return [] }
        return text.split(whereSeparator: \.isNewline).compactMap { Int32($0) }
    }

    /// `key value` lines (cpu.stat, memory.stat, memory.events, cpuacct.stat) as a dictionary.
    static func keyedValues(_ text: String) -> [String: UInt64] {
        var values: [String: UInt64] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ")
            if fields.count == 2, let value = UInt64(fields[1]) { values[String(fields[0])] = value }
        }
        return values
    }

    /// A single number from a file, or nil if absent or not a number (e.g. "max").
    static func number(_ path: String) -> Int64? {
        guard let text = try? read(path) else { return nil }
        return Int64(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
