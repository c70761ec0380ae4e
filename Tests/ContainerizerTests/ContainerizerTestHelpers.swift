import Foundation
import Glibc

/// A fresh directory under the system temp dir, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init(_ label: String = "containerizer") throws {
        let base = FileManager.default.temporaryDirectory.path
        let candidate = "\(base)/mesokube-\(label)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: candidate, withIntermediateDirectories: true)
        // Canonical, so comparisons with realpath/pwd output hold even if /tmp is a symlink.
        path =
            realpath(candidate, nil).map { pointer in
                defer { free(pointer) }
                return String(cString: pointer)
            } ?? candidate
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    func write(_ relativePath: String, _ contents: String, mode: Int = 0o644) throws {
        let full = path + "/" + relativePath
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(toFile: full, atomically: false, encoding: .utf8)
        chmod(full, mode_t(mode))
    }
}

struct TimedOut: Error, CustomStringConvertible {
    let description: String
}

/// File contents as text ("" if the file does not exist yet).
func contents(of path: String) -> String {
    (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
}

/// Polls until the file contains `marker`. The bound only turns a hang into a failure;
/// nothing asserts on how long it took.
@discardableResult
func waitUntil(_ path: String, contains marker: String) async throws -> String {
    for _ in 0..<3000 {
        let text = contents(of: path)
        if text.contains(marker) { return text }
        try await Task.sleep(for: .milliseconds(10))
    }
    throw TimedOut(description: "\(path) never contained \(marker)")
}
