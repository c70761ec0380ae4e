import StateStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive advisory lock (`flock`) on a side file, held while a store is open.
///
/// Watches are fed from inside the process that writes, so a second process writing the same
/// database would leave the first one's watchers blind. The kernel drops the lock when the holder
/// dies, even by SIGKILL, so a crash never leaves a stale lock behind. The descriptor is
/// close-on-exec so that processes the master spawns do not inherit it.
final class FileLock: Sendable {
    private let descriptor: LockedBox<Int32?>

    init(path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StoreError.backend("cannot open lock file \(path): errno \(errno)")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK {
                throw StoreError.backend("state store \(path) is already open in another process or store")
            }
            throw StoreError.backend("cannot lock \(path): errno \(code)")
        }
        descriptor = LockedBox(fd)
    }

    /// Releases the lock; later calls do nothing.
    func release() {
        let fd = descriptor.withLock { fd -> Int32? in
            defer { fd = nil }
            return fd
        }
        if let fd { close(fd) }
    }

    deinit { release() }
}
