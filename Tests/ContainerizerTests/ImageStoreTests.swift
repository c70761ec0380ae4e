import Foundation
import TestSupport
import Testing

@testable import Containerizer

@Suite("Image store")
struct ImageStoreTests {
    @Test func importsAnOCILayoutTar() async throws {
        let workspace = try ImageWorkspace()
        defer { workspace.cleanUp() }
        let spec = busyboxSpec(
            entrypoint: ["/bin/busybox"], cmd: ["echo", "hi"], env: ["PATH=/bin", "A=1"], workingDir: "/www",
            user: "1000:1000")
        let image = try await runOffCooperativePool { Result { try workspace.importImage(spec) } }.get()
        #expect(image.name == "busybox:latest")
        #expect(image.layers.count == 1)
        #expect(image.layers[0].mediaType.hasSuffix("tar+gzip"))
        #expect(
            image.config
                == ImageConfig(
                    entrypoint: ["/bin/busybox"], cmd: ["echo", "hi"], env: ["PATH=/bin", "A=1"], workingDir: "/www",
                    user: "1000:1000"))
        for digest in [image.manifestDigest, image.configDigest] + image.layers.map(\.digest) {
            #expect(FileManager.default.fileExists(atPath: workspace.store.blobPath(digest)))
        }
        #expect(try workspace.store.image(named: "busybox") == image)
        #expect(workspace.store.imageNames == ["busybox:latest"])
    }

    @Test func importsADockerSaveTar() async throws {
        let workspace = try ImageWorkspace()
        defer { workspace.cleanUp() }
        let spec = TestImageSpec.httpServer(name: "hello_world", port: 8123)
        let image = try await runOffCooperativePool { Result { try workspace.importImage(spec, docker: true) } }.get()
        #expect(image.name == "hello_world:latest")
        #expect(image.layers.count == 1)
        #expect(image.layers[0].mediaType == "application/vnd.oci.image.layer.v1.tar")
        #expect(image.config.entrypoint == ["/bin/busybox", "httpd", "-f", "-p", "8123", "-h", "/www"])
        #expect(try workspace.store.image(named: "hello_world:latest").manifestDigest == image.manifestDigest)
    }

    @Test func importingTwiceStoresBlobsOnce() async throws {
        let workspace = try ImageWorkspace()
        defer { workspace.cleanUp() }
        let archive = workspace.directory.path + "/image.tar"
        let counts = try await runOffCooperativePool {
            Result { () throws -> (Int, Int, ImageReference, ImageReference) in
                try TestImages.writeOCIArchive(busyboxSpec(), to: archive)
                let first = try workspace.store.import(tarPath: archive)
                let afterFirst = workspace.blobCount
                let second = try workspace.store.import(tarPath: archive, name: "other:v2")
                return (afterFirst, workspace.blobCount, first, second)
            }
        }.get()
        #expect(counts.0 == 3)  // manifest, config, one layer
        #expect(counts.1 == counts.0)
        #expect(counts.2.manifestDigest == counts.3.manifestDigest)
        #expect(workspace.store.imageNames == ["busybox:latest", "other:v2"])
    }

    @Test func refusesACorruptedOCIBlob() async throws {
        let workspace = try ImageWorkspace()
        defer { workspace.cleanUp() }
        let layout = workspace.directory.path + "/layout"
        let archive = workspace.directory.path + "/corrupt.tar"
        let outcome = await runOffCooperativePool {
            Result { () throws -> ImageReference in
                try TestImages.writeOCILayout(busyboxSpec(), to: layout)
                // Append a byte to the largest blob (the layer) so it no longer matches its name.
                let blobs = layout + "/blobs/sha256"
                let largest = try FileManager.default.contentsOfDirectory(atPath: blobs).max {
                    (try? FileManager.default.attributesOfItem(atPath: blobs + "/" + $0)[.size] as? Int ?? 0) ?? 0
                        < (try? FileManager.default.attributesOfItem(atPath: blobs + "/" + $1)[.size] as? Int ?? 0)
                        ?? 0
                }!
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: blobs + "/" + largest))
                try handle.seekToEnd()
                try handle.write(contentsOf: Data([0x42]))
                try handle.close()
                try TestImages.run(["tar", "-C", layout, "-cf", archive, "."])
                return try workspace.store.import(tarPath: archive)
            }
        }
        guard case .failure(let error) = outcome, case ImageError.digestMismatch = error else {
            Issue.record("expected a digest mismatch, got \(outcome)")
            return
        }
        #expect(workspace.store.imageNames.isEmpty)
        // Only the manifest and config (verified before the bad layer); never the corrupted layer.
        #expect(workspace.blobCount == 2)
    }

    @Test func refusesADockerLayerThatDoesNotMatchItsDiffID() async throws {
        let workspace = try ImageWorkspace()
        defer { workspace.cleanUp() }
        let outcome = await runOffCooperativePool {
            Result { () throws -> ImageReference in
                let archive = workspace.directory.path + "/docker.tar"
                let unpacked = workspace.directory.path + "/docker"
                try TestImages.writeDockerArchive(busyboxSpec(), to: archive)
                try FileManager.default.createDirectory(atPath: unpacked, withIntermediateDirectories: true)
                try TestImages.run(["tar", "-C", unpacked, "-xf", archive])
                let layer = try FileManager.default.contentsOfDirectory(atPath: unpacked).first {
                    !$0.hasSuffix(".json")
                }!
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: unpacked + "/\(layer)/layer.tar"))
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(repeating: 0, count: 512))
                try handle.close()
                try TestImages.run(["tar", "-C", unpacked, "-cf", archive, "."])
                return try workspace.store.import(tarPath: archive)
            }
        }
        guard case .failure(let error) = outcome, case ImageError.digestMismatch = error else {
            Issue.record("expected a digest mismatch, got \(outcome)")
            return
        }
        #expect(workspace.store.imageNames.isEmpty)
    }

    @Test func refusesAnArchiveOfNeitherFormat() async throws {
        let workspace = try ImageWorkspace()
        defer { workspace.cleanUp() }
        try workspace.directory.write("junk/readme.txt", "not an image")
        let archive = workspace.directory.path + "/junk.tar"
        try TestImages.run(["tar", "-C", workspace.directory.path + "/junk", "-cf", archive, "."])
        #expect(throws: ImageError.unknownFormat(archive)) { try workspace.store.import(tarPath: archive) }
    }

    @Test func normalizesNames() {
        #expect(ImageName.normalize("nginx") == "nginx:latest")
        #expect(ImageName.normalize("hello_world:latest") == "hello_world:latest")
        #expect(ImageName.normalize("localhost:5000/app") == "localhost:5000/app:latest")
        #expect(ImageName.normalize("localhost:5000/app:v1") == "localhost:5000/app:v1")
    }
}
