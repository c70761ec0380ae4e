import Foundation
import Glibc

/// Archive formats the fetcher unpacks, recognised by file-name extension as in Mesos.
enum ArchiveKind: Equatable {
    /// A tar file; `compression` is tar's flag (`z`, `j`, `J`) or nil for a plain tar.
    case tar(compression: String?)
    case zip
    /// A single gzip-compressed file, decompressed next to the sandbox root without `.gz`.
    case gzip

    init?(fileName: String) {
        let name = fileName.lowercased()
        let table: [(suffix: String, kind: ArchiveKind)] = [
            (".tar.gz", .tar(compression: "z")), (".tgz", .tar(compression: "z")),
            (".tar.bz2", .tar(compression: "j")), (".tbz2", .tar(compression: "j")),
            (".tar.xz", .tar(compression: "J")), (".txz", .tar(compression: "J")),
            (".tar", .tar(compression: nil)), (".zip", .zip), (".gz", .gzip),
        ]
        guard let match = table.first(where: { name.hasSuffix($0.suffix) && name.count > $0.suffix.count }) else {
            return nil
        }
        self = match.kind
    }
}

/// Unpacks archives into a sandbox without letting any member land outside it. Members are
/// listed and vetted first (absolute or `..` names, and a non-directory member used as the parent
/// of another — the "symlink, then write through it" trick), then unpacked into a scratch
/// directory whose symlinks are checked before anything is moved into the sandbox.
enum ArchiveExtractor {
    static func extract(_ archive: String, kind: ArchiveKind, into sandbox: String, uri: String) async throws {
        let scratch = sandbox + "/.fetch-extract-" + UUID().uuidString
        guard mkdir(scratch, 0o700) == 0 else {
            throw FetchError(uri: uri, reason: "Failed to create '\(scratch)': \(errnoText())")
        }
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let tool = ArchiveTool(scratch: scratch, uri: uri)
        switch kind {
        case .gzip:
            let base = (archive as NSString).lastPathComponent
            let output = scratch + "/out/" + String(base.dropLast(3))
            try await tool.run(["gzip", "-dc", archive], stdoutTo: output, makeOutputDirectory: true)
        case .tar(let compression):
            let flag = compression.map { "-\($0)" }
            let listing = try await tool.output(["tar"] + (flag.map { [$0] } ?? []) + ["-tf", archive])
            try vet(members: listing, uri: uri)
            try await tool.run(
                ["tar"] + (flag.map { [$0] } ?? []) + ["-xf", archive, "-C", scratch + "/out", "--no-same-owner"],
                makeOutputDirectory: true)
        case .zip:
            let listing = try await tool.output(["unzip", "-Z1", archive])
            try vet(members: listing, uri: uri)
            try await tool.run(["unzip", "-q", "-o", archive, "-d", scratch + "/out"], makeOutputDirectory: true)
        }
        let root = scratch + "/out"
        try verifySymlinks(in: root, uri: uri)
        try mergeMove(from: root, to: sandbox, uri: uri)
    }

    /// Rejects member names that could place a file outside the extraction root.
    static func vet(members listing: String, uri: String) throws {
        var nonDirectories: Set<String> = []
        var parents: Set<String> = []
        for line in listing.split(separator: "\n", omittingEmptySubsequences: true) {
            let name = String(line)
            let parts = name.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
            if name.hasPrefix("/") || parts.contains("..") {
                throw FetchError(uri: uri, reason: "Archive member '\(name)' would escape the sandbox")
            }
            let normalized = parts.joined(separator: "/")
            if !name.hasSuffix("/") { nonDirectories.insert(normalized) }
            for depth in parts.indices.dropLast() {
                parents.insert(parts[...depth].joined(separator: "/"))
            }
        }
        if let clash = nonDirectories.intersection(parents).first {
            throw FetchError(
                uri: uri, reason: "Archive member '\(clash)' is not a directory but other members are inside it")
        }
    }

    /// Every symlink under `root` must point inside `root`, both by its text and after resolution.
    static func verifySymlinks(in root: String, uri: String) throws {
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return }
        let realRoot = canonical(root) ?? root
        while let relative = enumerator.nextObject() as? String {
            let full = root + "/" + relative
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: full) else { continue }
            let linkDirectory = (relative as NSString).deletingLastPathComponent
            let escapes =
                target.hasPrefix("/")
                || !staysInside(linkDirectory.split(separator: "/").map(String.init), target)
                || canonical(full).map { $0 != realRoot && !$0.hasPrefix(realRoot + "/") } == true
            if escapes {
                throw FetchError(
                    uri: uri, reason: "Archive member '\(relative)' is a symlink pointing outside the sandbox")
            }
        }
    }

    /// Lexically resolves `target` from the directory `base` (components below the root) and
    /// reports whether it never climbs above the root.
    private static func staysInside(_ base: [String], _ target: String) -> Bool {
        var stack = base.filter { !$0.isEmpty && $0 != "." }
        for part in target.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if stack.isEmpty { return false }
                stack.removeLast()
            } else {
                stack.append(String(part))
            }
        }
        return true
    }

    private static func canonical(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    /// Moves the unpacked tree into the sandbox, merging into existing directories and replacing
    /// existing files, as unpacking in place would.
    static func mergeMove(from source: String, to destination: String, uri: String) throws {
        let manager = FileManager.default
        for name in try manager.contentsOfDirectory(atPath: source) {
            let from = source + "/" + name
            let to = destination + "/" + name
            var isDirectory: ObjCBool = false
            let fromIsDirectory = isRealDirectory(from)
            if manager.fileExists(atPath: to, isDirectory: &isDirectory), isDirectory.boolValue, fromIsDirectory,
                !isSymlink(to)
            {
                try mergeMove(from: from, to: to, uri: uri)
                continue
            }
            if isSymlink(to) || manager.fileExists(atPath: to) { try manager.removeItem(atPath: to) }
            guard rename(from, to) == 0 else {
                throw FetchError(uri: uri, reason: "Failed to move '\(name)' into the sandbox: \(errnoText())")
            }
        }
    }

    private static func isSymlink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }

    private static func isRealDirectory(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}

/// Runs `tar` / `unzip` / `gzip` through the ProcessLauncher, capturing output in a scratch dir.
struct ArchiveTool {
    let scratch: String
    let uri: String

    /// Runs `argv` and returns its stdout.
    func output(_ argv: [String]) async throws -> String {
        let path = scratch + "/listing-" + UUID().uuidString
        try await run(argv, stdoutTo: path)
        defer { unlink(path) }
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    func run(_ argv: [String], stdoutTo stdoutPath: String? = nil, makeOutputDirectory: Bool = false) async throws {
        if makeOutputDirectory { mkdir(scratch + "/out", 0o755) }
        let stderrPath = scratch + "/stderr-" + UUID().uuidString
        defer { unlink(stderrPath) }
        let spec = LaunchSpec(
            command: .argv(executable: argv[0], arguments: argv),
            environment: ["PATH": ProcessLauncher.defaultSearchPath, "LC_ALL": "C"],
            workingDirectory: scratch, stdoutPath: stdoutPath ?? "/dev/null", stderrPath: stderrPath)
        let launcher = ProcessLauncher()
        let status: ExitStatus
        do {
            status = await launcher.waitForExit(try launcher.launch(spec))
        } catch {
            throw FetchError(uri: uri, reason: "Failed to extract: \(error.description)")
        }
        guard status.isSuccess else {
            let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            let detail = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            throw FetchError(
                uri: uri, reason: "Failed to extract: '\(argv[0])' \(status)\(detail.isEmpty ? "" : ": " + detail)")
        }
    }
}
