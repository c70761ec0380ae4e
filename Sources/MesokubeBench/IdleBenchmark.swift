import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What an idle `mesokube dev` costs: the whole one-process cluster (master, API server,
/// controllers, scheduler, Marathon, DNS, one agent) started on free ports, left to settle, then
/// watched for a window. Memory is the resident set of the process and any children, sampled each
/// second; CPU is the user + system time they used over the window, as a share of one core.
enum IdleBenchmark {
    struct Settings {
        var seconds: Int
        var settle: Int
    }

    static func run(_ settings: Settings) async throws -> [BenchFigure] {
        let directory = "/dev/shm/mk-bench-idle-\(getpid())"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dev = try DevProcess(directory: directory)
        defer { dev.stop() }
        try await dev.ready()
        try await Task.sleep(for: .seconds(settings.settle))
        let pid = dev.process.processIdentifier
        let clock = ContinuousClock()
        let began = clock.now
        let cpuBefore = treeCPUSeconds(pid)
        var resident: [Int] = []
        for _ in 0..<settings.seconds {
            try await Task.sleep(for: .seconds(1))
            resident.append(treeResidentBytes(pid))
        }
        let window = began.duration(to: clock.now).seconds
        let cpuShare = (treeCPUSeconds(pid) - cpuBefore) / window * 100
        let megabytes = Double(resident.max() ?? 0) / 1_048_576
        let size = "`mesokube dev`, \(settings.seconds) idle seconds"
        let details = [
            "seconds": window,
            "rss_mean_mb": Double(resident.reduce(0, +)) / Double(max(resident.count, 1)) / 1_048_576,
        ]
        return [
            BenchFigure(
                name: "idle.rss", measure: "\(size): resident memory (max)", value: megabytes, unit: "MB",
                target: "≤ 100 MB", anchor: "k3s server ≈500 MB idle", details: details),
            BenchFigure(
                name: "idle.cpu", measure: "\(size): CPU", value: cpuShare, unit: "% of a core", target: "≤ 1%",
                details: details),
        ]
    }

    /// The process and its descendants, from /proc's parent links.
    static func tree(_ root: Int32) -> [Int32] {
        var children: [Int32: [Int32]] = [:]
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry),
                let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { children[parent, default: []].append(pid) }
        }
        var result = [root]
        var index = 0
        while index < result.count {
            result += children[result[index]] ?? []
            index += 1
        }
        return result
    }

    static func treeCPUSeconds(_ root: Int32) -> Double {
        tree(root).compactMap(BenchProcess.cpuSeconds(of:)).reduce(0, +)
    }

    static func treeResidentBytes(_ root: Int32) -> Int {
        tree(root).compactMap(BenchProcess.residentBytes(of:)).reduce(0, +)
    }
}
