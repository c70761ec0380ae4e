import Glibc

/// One row of Mesos' `/files/browse` listing (`model(FileInfo)` in Mesos' common/http.cpp).
public struct FileEntry: Codable, Sendable, Equatable {
    /// Virtual path: the browsed path joined with the entry name.
    public var path: String
    public var nlink: Int
    public var size: Int
    /// Modification time in seconds since the epoch (whole seconds, as Mesos reports).
    public var mtime: Double
    /// `ls -l` style: file type letter then rwx for user, group, other ("drwxr-xr-x").
    public var mode: String
    /// Owner's user name, or the numeric uid if it has no name.
    public var uid: String
    /// Owning group's name, or the numeric gid if it has no name.
    public var gid: String

    public init(path: String, nlink: Int, size: Int, mtime: Double, mode: String, uid: String, gid: String) {
        self.path = path
        self.nlink = nlink
        self.size = size
        self.mtime = mtime
        self.mode = mode
        self.uid = uid
        self.gid = gid
    }

    /// Builds the entry from `stat` data; `names` caches uid/gid lookups across a listing.
    init(path: String, info: stat, names: inout OwnerNames) {
        self.init(
            path: path, nlink: Int(info.st_nlink), size: Int(info.st_size),
            mtime: Double(info.st_mtim.tv_sec), mode: Self.modeString(info.st_mode),
            uid: names.userName(info.st_uid), gid: names.groupName(info.st_gid))
    }

    /// The ten-character mode string Mesos renders (no setuid/sticky letters, like Mesos).
    static func modeString(_ mode: mode_t) -> String {
        let type: Character
        switch mode & S_IFMT {
        case S_IFDIR: type = "d"
        case S_IFCHR: type = "c"
        case S_IFBLK: type = "b"
        case S_IFIFO: type = "p"
        case S_IFLNK: type = "l"
        case S_IFSOCK: type = "s"
        default: type = "-"
        }
        let permissions: [(mode_t, Character)] = [
            (S_IRUSR, "r"), (S_IWUSR, "w"), (S_IXUSR, "x"),
            (S_IRGRP, "r"), (S_IWGRP, "w"), (S_IXGRP, "x"),
            (S_IROTH, "r"), (S_IWOTH, "w"), (S_IXOTH, "x"),
        ]
        return String([type] + permissions.map { mode & $0.0 != 0 ? $0.1 : "-" })
    }
}

/// uid/gid -> name lookups through the thread-safe `getpwuid_r`/`getgrgid_r`, memoized.
struct OwnerNames {
    private var users: [uid_t: String] = [:]
    private var groups: [gid_t: String] = [:]

    mutating func userName(_ uid: uid_t) -> String {
        if let cached = users[uid] { return cached }
        let name =
            Self.lookUp { buffer, size in
                var entry = passwd()
                var result: UnsafeMutablePointer<passwd>?
                guard getpwuid_r(uid, &entry, buffer, size, &result) == 0, result != nil,
                    let pointer = entry.pw_name
                else { return nil }
                return String(cString: pointer)
            } ?? String(uid)
        users[uid] = name
        return name
    }

    mutating func groupName(_ gid: gid_t) -> String {
        if let cached = groups[gid] { return cached }
        let name =
            Self.lookUp { buffer, size in
                var entry = group()
                var result: UnsafeMutablePointer<group>?
                guard getgrgid_r(gid, &entry, buffer, size, &result) == 0, result != nil,
                    let pointer = entry.gr_name
                else { return nil }
                return String(cString: pointer)
            } ?? String(gid)
        groups[gid] = name
        return name
    }

    /// Runs a `get*_r` call with a scratch buffer that outlives the returned name pointer.
    private static func lookUp(
        _ body: (UnsafeMutablePointer<CChar>, Int) -> String?
    ) -> String? {
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        return buffer.withUnsafeMutableBufferPointer { storage in
            guard let base = storage.baseAddress else { return nil }
            return body(base, storage.count)
        }
    }
}
