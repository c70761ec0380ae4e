import Foundation

/// Where the host's cgroup controllers live. Detected from mountinfo, never guessed from
/// paths; tests construct it directly to point the isolator at another hierarchy.
public enum CgroupLayout: Sendable, Equatable {
    /// cgroup v1 (also "hybrid" hosts, whose cgroup2 mount has no cpu/memory controllers):
    /// the mount point of each hierarchy; `cpu` and `cpuacct` are equal when co-mounted.
    case v1(cpu: String, cpuacct: String, memory: String)
    /// Pure cgroup v2: the single unified hierarchy's mount point.
    case v2(root: String)

    /// One mount of type cgroup or cgroup2 from mountinfo.
    public struct Mount: Sendable, Equatable {
        public var mountPoint: String
        /// "cgroup" (v1) or "cgroup2".
        public var fileSystemType: String
        /// Super options; for v1 these name the controllers ("rw,cpu,cpuacct").
        public var superOptions: [String]
    }

    /// Reads the calling process's mountinfo and decides the layout.
    public static func detect(mountinfoPath: String = "/proc/self/mountinfo") throws(CgroupError) -> CgroupLayout {
        let text = try CgroupFiles.read(mountinfoPath)
        return try decide(mounts: parseMountinfo(text))
    }

    /// The cgroup and cgroup2 mounts in a mountinfo text (proc(5) format:
    /// `id parent dev root mountpoint options [optional...] - fstype source superoptions`).
    public static func parseMountinfo(_ text: String) -> [Mount] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(separator: " ").map(String.init)
            guard let separator = fields.firstIndex(of: "-"), separator >= 5, fields.count >= separator + 4 else {
                return nil
            }
            let type = fields[separator + 1]
            guard type == "cgroup" || type == "cgroup2" else { return nil }
            return Mount(
                mountPoint: unescapeOctal(fields[4]), fileSystemType: type,
                superOptions: fields[separator + 3].split(separator: ",").map(String.init))
        }
    }

    /// v1 when the cpu, cpuacct and memory controllers are mounted as v1 hierarchies (pure v1
    /// or hybrid); else v2 when a cgroup2 hierarchy is mounted.
    public static func decide(mounts: [Mount]) throws(CgroupError) -> CgroupLayout {
        let v1 = mounts.filter { $0.fileSystemType == "cgroup" }
        func hierarchy(_ controller: String) -> String? {
            v1.first { $0.superOptions.contains(controller) }?.mountPoint
        }
        if let cpu = hierarchy("cpu"), let cpuacct = hierarchy("cpuacct"), let memory = hierarchy("memory") {
            return .v1(cpu: cpu, cpuacct: cpuacct, memory: memory)
        }
        if v1.contains(where: { $0.superOptions.contains("memory") || $0.superOptions.contains("cpu") }) {
            throw .noCgroupSupport("v1 hierarchies found but not all of cpu, cpuacct and memory are mounted")
        }
        if let unified = mounts.first(where: { $0.fileSystemType == "cgroup2" }) {
            return .v2(root: unified.mountPoint)
        }
        throw .noCgroupSupport("no cgroup or cgroup2 mount in mountinfo")
    }

    /// mountinfo escapes space, tab, newline and backslash as \ooo.
    static func unescapeOctal(_ field: String) -> String {
        var bytes: [UInt8] = []
        let source = Array(field.utf8)
        var index = 0
        while index < source.count {
            if source[index] == UInt8(ascii: "\\"), index + 3 < source.count,
                let value = UInt8(String(decoding: source[(index + 1)...(index + 3)], as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
