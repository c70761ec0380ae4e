import Foundation
import Glibc
import TestSupport
import Testing

@testable import Containerizer

@Suite("Image rootfs")
struct ImageRootfsTests {
    /// Lower layer: busybox, two files in /etc, two in /data. Upper layer: deletes
    /// /etc/gone.txt, makes /data opaque and adds /data/new.txt, replaces /etc/kept.txt.
    static let twoLayerSpec = TestImageSpec(
        name: "layered",
        layers: [
            [
                .busybox(), .file("etc/gone.txt", contents: "gone"), .file("etc/kept.txt", contents: "v1"),
                .file("data/old1", contents: "1"), .file("data/sub/old2", contents: "2"),
            ],
            [
                .whiteout("etc/gone.txt"), .file("etc/kept.txt", contents: "v2"), .opaque("data"),
                .file("data/new.txt", contents: "new"),
            ],
        ])

    @Test(arguments: [false, true])
    func appliesWhiteoutsInOrder(preferOverlay: Bool) async throws {
        let workspace = try ImageWorkspace(preferOverlay: preferOverlay)
        defer { workspace.cleanUp() }
        let result = try await runOffCooperativePool {
            Result { () throws -> (ProvisionedRootfs, ProvisionedRootfs) in
                let image = try workspace.importImage(Self.twoLayerSpec)
                let first = try workspace.rootfs.provision(image: image, containerID: "c1")
                // A second container of the same image reuses the unpacked layers.
                let second = try workspace.rootfs.provision(image: image, containerID: "c2")
                return (first, second)
            }
        }.get()
        #expect(result.0.mode == (preferOverlay ? .overlay : .copy))
        for provisioned in [result.0, result.1] {
            let root = provisioned.path
            #expect(FileManager.default.isExecutableFile(atPath: root + "/bin/busybox"))
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/bin/sh") == "busybox")
            #expect(!FileManager.default.fileExists(atPath: root + "/etc/gone.txt"))
            #expect(contents(of: root + "/etc/kept.txt") == "v2")
            #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/data") == ["new.txt"])
            #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/etc").sorted() == ["kept.txt"])
        }
        let layers = try FileManager.default.contentsOfDirectory(atPath: workspace.rootfs.root + "/layers")
        #expect(layers.count == 2)
        // Writes stay in the container: the other container and the layer cache never see them.
        try "mine".write(toFile: result.0.path + "/etc/kept.txt", atomically: false, encoding: .utf8)
        #expect(contents(of: result.1.path + "/etc/kept.txt") == "v2")
        for containerID in ["c1", "c2"] {
            try workspace.rootfs.release(containerID: containerID)
            #expect(!ImageRootfs.isMountPoint(workspace.rootfs.rootfsPath(containerID)))
            #expect(!FileManager.default.fileExists(atPath: workspace.rootfs.rootfsPath(containerID)))
            #expect(!FileManager.default.fileExists(atPath: workspace.rootfs.root + "/containers/" + containerID))
        }
    }

    @Test func refusesALayerEntryThatEscapes() async throws {
        let workspace = try ImageWorkspace(preferOverlay: false)
        defer { workspace.cleanUp() }
        let staging = workspace.directory.path + "/evil"
        let tar = workspace.directory.path + "/evil.tar"
        let outcome = await runOffCooperativePool {
            Result { () throws -> ProvisionedRootfs in
                try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
                try "owned".write(toFile: staging + "/evil", atomically: false, encoding: .utf8)
                try TestImages.run(["tar", "-C", staging, "--transform", "s,^evil,../evil,", "-cf", tar, "evil"])
                // Stand in for the store: put the blob where it would live and describe it.
                let digest = "sha256:" + (try TestImages.sha256(file: tar))
                try FileManager.default.copyItem(atPath: tar, toPath: workspace.store.blobPath(digest))
                let image = ImageReference(
                    name: "evil:latest", manifestDigest: digest, configDigest: digest,
                    layers: [ImageLayer(digest: digest, mediaType: "application/vnd.oci.image.layer.v1.tar")],
                    config: ImageConfig())
                return try workspace.rootfs.provision(image: image, containerID: "evil")
            }
        }
        #expect(throws: ImageError.unsafePath("../evil")) { try outcome.get() }
        #expect(!FileManager.default.fileExists(atPath: workspace.rootfs.root + "/rootfs/evil"))
        #expect(!FileManager.default.fileExists(atPath: workspace.rootfs.root + "/evil"))
    }

    @Test func copyModeReplacesASymlinkInsteadOfFollowingIt() async throws {
        let workspace = try ImageWorkspace(preferOverlay: false)
        defer { workspace.cleanUp() }
        let outside = workspace.directory.path + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        let spec = TestImageSpec(
            name: "links",
            layers: [[.symlink("escape", target: outside)], [.file("escape/planted", contents: "x")]])
        let provisioned = try await runOffCooperativePool {
            Result {
                try workspace.rootfs.provision(image: try workspace.importImage(spec), containerID: "links")
            }
        }.get()
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        #expect(contents(of: provisioned.path + "/escape/planted") == "x")
    }
}
