import Foundation
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A container log file opened for reading at offsets. Reads are plain `pread`s of a local file:
/// short enough not to need a thread of their own.
final class LogFile: Sendable {
    private let descriptor: Int32

    /// nil if the file does not exist (yet): a container that has not written anything.
    init?(path: String) throws(LogFileError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            let code = errno
            if code == ENOENT { return nil }
            throw LogFileError(path: path, message: String(cString: strerror(code)))
        }
        self.descriptor = descriptor
    }

    deinit {
        _ = close(self.descriptor)
    }

    struct Status {
        var size: Int64
        var modified: Date
    }

    func status() -> Status {
        var info = stat()
        guard fstat(self.descriptor, &info) == 0 else { return Status(size: 0, modified: .distantPast) }
        let modified = Date(
            timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9)
        return Status(size: Int64(info.st_size), modified: modified)
    }

    /// Up to `count` bytes at `offset`; empty at end of file.
    func read(at offset: Int64, count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        let got = bytes.withUnsafeMutableBytes { buffer in
            pread(self.descriptor, buffer.baseAddress, count, off_t(offset))
        }
        guard got > 0 else { return [] }
        bytes.removeLast(count - got)
        return bytes
    }

    /// Where the last `lines` lines of the first `size` bytes start. A final line without a
    /// newline counts as a line; the newline that ends the file does not start another one.
    func tailStart(lines: Int64, size: Int64) -> Int64 {
        guard lines > 0 else { return size }
        var remaining = lines
        var end = size
        var skipFinalNewline = true
        let block: Int64 = 64 << 10
        while end > 0 {
            let start = max(0, end - block)
            let bytes = self.read(at: start, count: Int(end - start))
            guard !bytes.isEmpty else { return 0 }
            for index in stride(from: bytes.count - 1, through: 0, by: -1) {
                defer { skipFinalNewline = false }
                guard bytes[index] == UInt8(ascii: "\n"), !skipFinalNewline else { continue }
                remaining -= 1
                if remaining == 0 { return start + Int64(index) + 1 }
            }
            end = start
        }
        return 0
    }
}

struct LogFileError: Error {
    var path: String
    var message: String
}
