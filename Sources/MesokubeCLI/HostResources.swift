import Foundation
import MesosModel

/// Mesos' rules for resources an agent does not list in `--resources`:
/// cpus = host CPUs; mem = total − 1 GB if total ≥ 2 GB, else half; disk = filesystem size
/// − 5 GB if ≥ 10 GB, else half; ports = [31000-32000].
enum HostResources {
    static func detect(workDir: String) -> (cpus: Double, memMB: Double, diskMB: Double) {
        let cpus = Double(ProcessInfo.processInfo.activeProcessorCount)
        let totalMB = Double(ProcessInfo.processInfo.physicalMemory) / 1_048_576
        let mem = totalMB >= 2048 ? totalMB - 1024 : totalMB / 2
        var diskMB = 0.0
        var stats = statvfs()
        let probe = FileManager.default.fileExists(atPath: workDir) ? workDir : "/"
        if statvfs(probe, &stats) == 0 {
            diskMB = Double(stats.f_blocks) * Double(stats.f_frsize) / 1_048_576
        }
        let disk = diskMB >= 10240 ? diskMB - 5120 : diskMB / 2
        return (cpus, mem.rounded(.down), disk.rounded(.down))
    }

    /// The agent's resources: what `--resources` lists, plus detected values for the
    /// predefined names it leaves out. `share`/`index` split the host between the agents of
    /// one `mesokube dev` process.
    static func resolve(text: String?, workDir: String, share: Int = 1, index: Int = 0) throws -> [Resource] {
        var resources = try text.map { try Resources.parse($0) } ?? Resources()
        let detected = detect(workDir: workDir)
        let divisor = Double(max(share, 1))
        let names = resources.names
        if !names.contains("cpus") {
            resources += Resources([.scalar("cpus", (detected.cpus / divisor * 1000).rounded(.down) / 1000, role: "*")])
        }
        if !names.contains("mem") {
            resources += Resources([.scalar("mem", (detected.memMB / divisor).rounded(.down), role: "*")])
        }
        if !names.contains("disk") {
            resources += Resources([.scalar("disk", (detected.diskMB / divisor).rounded(.down), role: "*")])
        }
        if !names.contains("ports") {
            let width = UInt64(1001 / max(share, 1))
            let begin = 31000 + UInt64(index) * width
            resources += Resources([.ranges("ports", [begin...(begin + width - 1)], role: "*")])
        }
        return resources.list
    }
}
