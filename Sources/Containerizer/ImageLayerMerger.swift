import Foundation
import Glibc

/// Whiteout conversion and copy-mode layer merging. Layers are stored in overlayfs' form:
/// a deleted path is a 0/0 character device, an opaque directory carries
/// `trusted.overlay.opaque=y`. Merging never follows a symlink in the destination, so an
/// entry can only land inside the root filesystem.
enum LayerMerger {
    static let opaqueAttribute = "trusted.overlay.opaque"
    static let whiteoutPrefix = ".wh."
    static let opaqueMarker = ".wh..wh..opq"

    /// Rewrites OCI whiteout files (`.wh.<name>`, `.wh..wh..opq`) into overlayfs' form.
    static func convertWhiteouts(in directory: String) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        for name in names {
            let path = directory + "/" + name
            if name == opaqueMarker {
                try remove(path)
                guard ExtendedAttributes.set(directory, opaqueAttribute, "y") else {
                    throw ImageError.commandFailed("cannot mark \(directory) opaque: errno \(errno)")
                }
            } else if name.hasPrefix(whiteoutPrefix) {
                try remove(path)
                let hidden = directory + "/" + String(name.dropFirst(whiteoutPrefix.count))
                try remove(hidden)
                guard mknod(hidden, S_IFCHR | 0o600, 0) == 0 else {
                    throw ImageError.commandFailed("cannot create whiteout \(hidden): errno \(errno)")
                }
            } else if isRealDirectory(path) {
                try convertWhiteouts(in: path)
            }
        }
    }

    /// Applies one unpacked layer on top of `destination` (copy mode).
    static func merge(_ layer: String, into destination: String) throws {
        if hasOpaqueMarker(layer) {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: destination)) ?? [] {
                try remove(destination + "/" + name)
            }
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: layer) {
            let source = layer + "/" + name
            let target = destination + "/" + name
            var info = stat()
            guard lstat(source, &info) == 0 else { throw ImageError.commandFailed("cannot stat \(source)") }
            let type = info.st_mode & S_IFMT
            if type == S_IFCHR && info.st_rdev == 0 {
                try remove(target)
            } else if type == S_IFDIR {
                // A symlink or file where the layer has a directory is replaced, never followed.
                if !isRealDirectory(target) {
                    try remove(target)
                    guard mkdir(target, info.st_mode & 0o7777) == 0 else {
                        throw ImageError.commandFailed("cannot create \(target): errno \(errno)")
                    }
                }
                try merge(source, into: target)
                try copyOwnership(info, to: target)
            } else {
                try remove(target)
                try copyEntry(source, info: info, to: target)
            }
        }
    }

    private static func copyEntry(_ source: String, info: stat, to target: String) throws {
        switch info.st_mode & S_IFMT {
        case S_IFLNK:
            let linkTarget = try FileManager.default.destinationOfSymbolicLink(atPath: source)
            guard symlink(linkTarget, target) == 0 else {
                throw ImageError.commandFailed("cannot link \(target): errno \(errno)")
            }
            lchown(target, info.st_uid, info.st_gid)
            return
        case S_IFREG:
            try FileManager.default.copyItem(atPath: source, toPath: target)
        default:
            guard mknod(target, info.st_mode, info.st_rdev) == 0 else {
                throw ImageError.commandFailed("cannot create \(target): errno \(errno)")
            }
        }
        try copyOwnership(info, to: target)
    }

    private static func copyOwnership(_ info: stat, to target: String) throws {
        guard lchown(target, info.st_uid, info.st_gid) == 0, chmod(target, info.st_mode & 0o7777) == 0 else {
            throw ImageError.commandFailed("cannot set owner/mode of \(target): errno \(errno)")
        }
    }

    private static func hasOpaqueMarker(_ directory: String) -> Bool {
        ExtendedAttributes.get(directory, opaqueAttribute) == "y"
    }

    static func isRealDirectory(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Removes a path (recursively, without following symlinks); a missing path is fine.
    static func remove(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        try FileManager.default.removeItem(atPath: path)
    }
}

/// `setxattr`/`getxattr` looked up at run time: Swift's Glibc module does not export
/// <sys/xattr.h>, and these are plain libc symbols.
enum ExtendedAttributes {
    private typealias SetFunction =
        @convention(c) (
            UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeRawPointer, Int, Int32
        ) -> Int32
    private typealias GetFunction =
        @convention(c) (
            UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafeMutableRawPointer, Int
        ) -> Int

    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        guard let handle = dlopen(nil, RTLD_NOW), let pointer = dlsym(handle, name) else { return nil }
        return unsafeBitCast(pointer, to: type)
    }

    static func set(_ path: String, _ name: String, _ value: String) -> Bool {
        guard let function = symbol("setxattr", as: SetFunction.self) else { return false }
        let bytes = Array(value.utf8)
        return bytes.withUnsafeBytes { function(path, name, $0.baseAddress!, bytes.count, 0) } == 0
    }

    static func get(_ path: String, _ name: String) -> String? {
        guard let function = symbol("getxattr", as: GetFunction.self) else { return nil }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { function(path, name, $0.baseAddress!, $0.count) }
        return count < 0 ? nil : String(decoding: buffer.prefix(count), as: UTF8.self)
    }
}
