import Foundation

/// Whether the kernel's OOM killer ended a container: its memory cgroup counts OOM kills
/// (`oom_kill` in cgroup v1's `memory.oom_control`, or in v2's `memory.events`). Read after the
/// container ended and before runc deletes the cgroup.
enum OOMKills {
    static let cgroupV1Root = "/sys/fs/cgroup/memory"
    static let cgroupV2Root = "/sys/fs/cgroup"

    static func happened(inCgroup path: String) -> Bool {
        let files = [cgroupV1Root + path + "/memory.oom_control", cgroupV2Root + path + "/memory.events"]
        return files.contains { file in
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return false }
            return count(in: text) > 0
        }
    }

    /// The `oom_kill N` line of either file.
    static func count(in text: String) -> Int {
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, fields[0] == "oom_kill", let value = Int(fields[1]) { return value }
        }
        return 0
    }
}
