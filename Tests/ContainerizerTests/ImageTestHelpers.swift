import Foundation
import Glibc
import TestSupport

@testable import Containerizer

/// An image store, rootfs provisioner and runc runtime in a temporary directory; `cleanUp`
/// deletes every container it started, releases every rootfs and removes the directory.
final class ImageWorkspace: @unchecked Sendable {
    let directory: TemporaryDirectory
    let store: ImageStore
    let rootfs: ImageRootfs
    private let lock = NSLock()
    private var containers: [String] = []

    init(preferOverlay: Bool = true) throws {
        directory = try TemporaryDirectory("image")
        store = try ImageStore(root: directory.path + "/store")
        rootfs = try ImageRootfs(root: directory.path + "/provisioner", store: store, preferOverlay: preferOverlay)
    }

    lazy var runtime: OCIRuntime = {
        // swiftlint:disable:next force_try
        try! OCIRuntime(stateRoot: directory.path + "/runc", bundleRoot: directory.path + "/bundles")
    }()

    /// Writes `spec` as an archive of the given format and imports it.
    func importImage(_ spec: TestImageSpec, docker: Bool = false) throws -> ImageReference {
        let archive = directory.path + "/\(UUID().uuidString).tar"
        if docker {
            try TestImages.writeDockerArchive(spec, to: archive)
        } else {
            try TestImages.writeOCIArchive(spec, to: archive)
        }
        return try store.import(tarPath: archive)
    }

    /// Provisions a rootfs and starts a container from `image` with a fresh sandbox.
    func run(
        _ image: ImageReference, command: OCIProcessCommand = .image, environment: [String: String] = [:],
        volumes: [OCIVolume] = [], networkNamespace: String? = nil
    ) throws -> (OCIContainer, sandbox: String) {
        let containerID = "mk-test-" + UUID().uuidString.prefix(8).lowercased()
        lock.withLock { containers.append(containerID) }
        let provisioned = try rootfs.provision(image: image, containerID: containerID)
        let sandbox = directory.path + "/sandboxes/" + containerID
        try FileManager.default.createDirectory(atPath: sandbox, withIntermediateDirectories: true)
        let container = try runtime.start(
            OCIContainerSpec(
                containerID: containerID, rootfs: provisioned.path, image: image.config, command: command,
                environment: environment, sandbox: sandbox, volumes: volumes, networkNamespace: networkNamespace))
        return (container, sandbox)
    }

    func cleanUp() {
        for containerID in lock.withLock({ containers }) {
            try? runtime.delete(containerID)
            try? rootfs.release(containerID: containerID)
        }
        directory.remove()
    }

    /// Number of blobs in the store.
    var blobCount: Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: store.root + "/blobs/sha256")) ?? []).count
    }
}

/// The standard busybox test image.
func busyboxSpec(
    name: String = "busybox", entrypoint: [String] = [], cmd: [String] = ["/bin/sh"], env: [String]? = nil,
    workingDir: String = "/", user: String = ""
) -> TestImageSpec {
    var spec = TestImageSpec(
        name: name, layers: [[.busybox(), .directory("www"), .directory("tmp")]], entrypoint: entrypoint, cmd: cmd,
        workingDir: workingDir, user: user)
    if let env { spec.env = env }
    return spec
}

/// A TCP port nothing listens on right now (the kernel picks it; host networking shares it).
func unusedLoopbackPort() throws -> Int {
    let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socketDescriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
            bind(socketDescriptor, generic, length) == 0 && getsockname(socketDescriptor, generic, &length) == 0
        }
    }
    guard bound else { throw TimedOut(description: "cannot pick a port: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}
