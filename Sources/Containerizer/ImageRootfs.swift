import Foundation
import Glibc

/// A container's root filesystem made from an image, and how it was made.
public struct ProvisionedRootfs: Sendable, Equatable {
    public enum Mode: String, Sendable, Equatable {
        /// An overlay mount: lower dirs are the cached layers, upper/work belong to the container.
        case overlay
        /// The layers copied, in order, into a directory of the container's own.
        case copy
    }

    public var path: String
    public var mode: Mode
}

/// Turns images into container root filesystems under `<root>`:
/// `layers/<hex>` holds each layer unpacked once (whiteouts converted to overlayfs' form:
/// a 0/0 character device, or the `trusted.overlay.opaque` xattr) and shared by all containers;
/// `rootfs/<container-id>` is the container's root, and `containers/<container-id>` its
/// overlay upper/work dirs.
public final class ImageRootfs: @unchecked Sendable {
    public let root: String
    private let store: ImageStore
    private let preferOverlay: Bool
    /// Serialises layer unpacking so two containers of one image unpack each layer once.
    private let lock = NSLock()

    /// `preferOverlay: false` always copies (used where overlayfs misbehaves, and by tests).
    public init(root: String, store: ImageStore, preferOverlay: Bool = true) throws {
        self.root = root
        self.store = store
        self.preferOverlay = preferOverlay
        for dir in ["layers", "rootfs", "containers"] {
            try FileManager.default.createDirectory(atPath: root + "/" + dir, withIntermediateDirectories: true)
        }
    }

    public func rootfsPath(_ containerID: String) -> String { root + "/rootfs/" + containerID }

    /// Builds the container's root filesystem: overlayfs when allowed and the kernel accepts
    /// the mount, otherwise a copy.
    public func provision(image: ImageReference, containerID: String) throws -> ProvisionedRootfs {
        guard !containerID.isEmpty, !containerID.contains("/"), containerID != "..", containerID != "." else {
            throw ImageError.malformed("invalid container id '\(containerID)'")
        }
        let layerDirs = try image.layers.map { try unpackedLayer($0) }
        let target = rootfsPath(containerID)
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        if preferOverlay, !layerDirs.isEmpty, mountOverlay(layerDirs, containerID: containerID, target: target) {
            return ProvisionedRootfs(path: target, mode: .overlay)
        }
        for layer in layerDirs {
            try LayerMerger.merge(layer, into: target)
        }
        return ProvisionedRootfs(path: target, mode: .copy)
    }

    /// Unmounts and removes the container's root filesystem and overlay dirs. Idempotent.
    public func release(containerID: String) throws {
        let target = rootfsPath(containerID)
        try Self.unmountAll(target)
        try? FileManager.default.removeItem(atPath: target)
        try? FileManager.default.removeItem(atPath: root + "/containers/" + containerID)
        if FileManager.default.fileExists(atPath: target) {
            throw ImageError.commandFailed("cannot remove \(target)")
        }
    }

    /// Unmounts `path` until nothing is mounted there (mounts can stack); EINVAL means "not a
    /// mount point", which ends the loop. A busy mount is detached lazily.
    static func unmountAll(_ path: String) throws {
        for _ in 0..<16 {
            if umount2(path, 0) == 0 { continue }
            switch errno {
            case EINVAL, ENOENT: return
            case EBUSY where umount2(path, Int32(MNT_DETACH)) == 0: continue
            default: throw ImageError.commandFailed("cannot unmount \(path): errno \(errno)")
            }
        }
        throw ImageError.commandFailed("cannot unmount \(path): still mounted")
    }

    /// True when `path` is a mount point in this mount namespace.
    public static func isMountPoint(_ path: String) -> Bool {
        // Read to EOF: /proc files report size 0, and the table can be long.
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/mountinfo") else { return false }
        defer { try? handle.close() }
        let table = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        return table.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 4 && fields[4] == path
        }
    }

    // MARK: - Layers

    /// The layer's unpacked, cached directory, unpacking it on first use.
    private func unpackedLayer(_ layer: ImageLayer) throws -> String {
        let hex = layer.digest.replacingOccurrences(of: "sha256:", with: "")
        let final = root + "/layers/" + hex
        return try lock.withLock {
            if FileManager.default.fileExists(atPath: final) { return final }
            let blob = store.blobPath(layer.digest)
            try Self.refuseEscapingEntries(blob)
            let partial = final + ".partial-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: partial, withIntermediateDirectories: true)
            do {
                // GNU tar detects gzip itself; as root it restores owners and modes.
                try ImageShell.run(["tar", "--numeric-owner", "-xpf", blob, "-C", partial])
                try LayerMerger.convertWhiteouts(in: partial)
                guard rename(partial, final) == 0 else { throw ImageError.commandFailed("rename failed: \(errno)") }
            } catch {
                try? FileManager.default.removeItem(atPath: partial)
                throw error
            }
            return final
        }
    }

    /// Refuses a layer with an absolute member name or one that climbs out with `..`.
    private static func refuseEscapingEntries(_ blob: String) throws {
        let listing = try ImageShell.run(["tar", "-tf", blob])
        for name in listing.split(separator: "\n") {
            if name.hasPrefix("/") || name.split(separator: "/").contains("..") {
                throw ImageError.unsafePath(String(name))
            }
        }
    }

    private func mountOverlay(_ layerDirs: [String], containerID: String, target: String) -> Bool {
        let state = root + "/containers/" + containerID
        let upper = state + "/upper"
        let work = state + "/work"
        do {
            try FileManager.default.createDirectory(atPath: upper, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        } catch { return false }
        // overlayfs lists lower dirs top first; image layers are bottom first.
        let lower = layerDirs.reversed().joined(separator: ":")
        let options = "lowerdir=\(lower),upperdir=\(upper),workdir=\(work)"
        if mount("overlay", target, "overlay", 0, options) == 0 { return true }
        try? FileManager.default.removeItem(atPath: state)
        return false
    }
}
