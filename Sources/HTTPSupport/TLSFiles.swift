import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why TLS material or a token could not be read or written.
public struct TLSFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let reason: String

    public var description: String { "\(self.path): \(self.reason)" }
}

/// Files that hold credentials (a kubeconfig with its token): readable by the owner only, and
/// replaced by rename so a reader never sees half of one.
public enum SecretFile {
    public static func write(_ contents: String, to path: String) throws {
        try TLSFiles.writeAtomically(contents, to: path, mode: 0o600)
    }
}

/// File operations for keys, certificates and tokens. Secrets are created with their final mode
/// from the first byte (never world-readable for a moment) and replaced by rename, so a reader
/// never sees half a PEM file.
public enum TLSFiles {
    /// Creates `path` (and missing parents) and restricts it to the owner: it holds private keys.
    static func ensurePrivateDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw TLSFileError(path: path, reason: "cannot create directory: \(error)")
        }
        // An existing directory keeps its old mode through createDirectory; tighten it as well.
        guard chmod(path, 0o700) == 0 else { throw Self.errnoError(path, "cannot set mode 0700") }
    }

    /// The file's contents as UTF-8, or nil when it does not exist.
    static func readIfPresent(_ path: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TLSFileError(path: path, reason: "cannot read file")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Replaces `path` atomically with `contents`, the new file having exactly `mode`.
    public static func writeAtomically(_ contents: String, to path: String, mode: mode_t) throws {
        let temporary = "\(path).tmp-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw Self.errnoError(temporary, "cannot create file") }
        do {
            defer { close(descriptor) }
            // The umask may have removed bits (a certificate should stay world-readable).
            guard fchmod(descriptor, mode) == 0 else { throw Self.errnoError(temporary, "cannot set mode") }
            try Self.writeAll(Array(contents.utf8), to: descriptor, path: temporary)
            guard fsync(descriptor) == 0 else { throw Self.errnoError(temporary, "cannot sync file") }
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = Self.errnoError(path, "cannot rename \(temporary) into place")
            unlink(temporary)
            throw error
        }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw Self.errnoError(path, "cannot write file")
            }
            offset += written
        }
    }

    private static func errnoError(_ path: String, _ what: String) -> TLSFileError {
        TLSFileError(path: path, reason: "\(what): \(String(cString: strerror(errno)))")
    }
}
