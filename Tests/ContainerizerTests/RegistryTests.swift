import Foundation
import TestSupport
import Testing

@testable import Containerizer

/// Pulls from Debian's real `docker-registry` on loopback. The registry must be installed
/// (scripts/install-test-deps): these tests fail, never skip, without it.
@Suite("Registry pulls from docker-registry")
struct RegistryTests {
    @Test func pullsByTagThenByDigest() async throws {
        try await RegistryFixture.run { fixture in
            let pushed = try await fixture.push(.echo(name: "busybox", text: "hello from the registry"))
            let name = fixture.registry.host + "/busybox:latest"
            let report = try await fixture.puller.pullReport(name)
            #expect(report.image.name == name)
            #expect(report.image.manifestDigest == pushed.manifestDigest)
            #expect(report.image.configDigest == pushed.configDigest)
            #expect(report.image.layers.map(\.digest) == pushed.layerDigests)
            #expect(report.image.config.entrypoint == ["/bin/echo", "hello from the registry"])
            #expect(report.source == fixture.registry.host)
            #expect(report.downloadedBlobs == [pushed.configDigest] + pushed.layerDigests)
            #expect(try fixture.store.image(named: name) == report.image)

            // By digest, into a fresh store, so every blob really crosses the wire again.
            let other = try ImageStore(root: fixture.directory + "/other-store")
            let byDigest = fixture.registry.host + "/busybox@" + pushed.manifestDigest
            let puller = ImagePuller(store: other, options: fixture.options)
            let pinned = try await puller.pullReport(byDigest)
            #expect(pinned.image.manifestDigest == pushed.manifestDigest)
            #expect(pinned.downloadedBlobs.count == 1 + pushed.layerDigests.count)
            #expect(try other.image(named: byDigest).layers == report.image.layers)
            // Pinned and stored: answered from the store without asking the registry.
            #expect(try await puller.pullReport(byDigest).source == nil)
        }
    }

    @Test func aPulledImageRunsThroughRunc() async throws {
        let workspace = try ImageWorkspace()
        defer { workspace.cleanUp() }
        let registry = try await RegistryFixture.startEmptyRegistry()
        defer { registry.stop() }
        _ = try await runOffCooperativePool {
            Result { try registry.push(.echo(name: "hello-world", text: "hello from a pulled image")) }
        }.get()
        let options = RegistryOptions(defaultRegistry: registry.host, insecureRegistries: [registry.host])
        let image = try await ImagePuller(store: workspace.store, options: options).pull("hello-world")
        let (container, sandbox) = try await runOffCooperativePool {
            Result { try workspace.run(try workspace.store.image(named: "hello-world")) }
        }.get()
        #expect(image.name == "hello-world:latest")
        #expect(await workspace.runtime.waitForExit(container) == .exited(0))
        #expect(contents(of: sandbox + "/stdout") == "hello from a pulled image\n")
    }

    @Test func secondPullDownloadsNoBlobs() async throws {
        try await RegistryFixture.run { fixture in
            // One build pushed twice: two builds differ (file times in the layer tar).
            let built = try await fixture.push(.httpServer(name: "hello_world"))
            let host = fixture.registry.host
            try await runOffCooperativePool {
                Result { try built.push(to: host, repository: "hello-world", tag: "latest") }
            }.get()
            let first = try await fixture.puller.pullReport(fixture.registry.host + "/hello_world")
            #expect(first.downloadedBlobs.count == 2)
            let again = try await fixture.puller.pullReport(fixture.registry.host + "/hello_world:latest")
            #expect(again.downloadedBlobs.isEmpty)
            #expect(again.image.manifestDigest == first.image.manifestDigest)
            // Another repository with the same content shares every blob.
            let sibling = try await fixture.puller.pullReport(fixture.registry.host + "/hello-world:latest")
            #expect(sibling.downloadedBlobs.isEmpty)
            #expect(sibling.image.config.entrypoint == ["/bin/busybox", "httpd", "-f", "-p", "80", "-h", "/www"])
            #expect(
                fixture.store.imageNames
                    == [fixture.registry.host + "/hello-world:latest", fixture.registry.host + "/hello_world:latest"])
        }
    }

    @Test func unqualifiedNamesUseTheDefaultRegistry() async throws {
        try await RegistryFixture.run { fixture in
            let pushed = try await fixture.push(.httpServer(name: "nginx"))
            let image = try await fixture.puller.pull("nginx")
            #expect(image.name == "nginx:latest")
            #expect(image.manifestDigest == pushed.manifestDigest)
            #expect(try fixture.store.image(named: "nginx").manifestDigest == pushed.manifestDigest)
        }
    }

    @Test func indexPicksLinuxAmd64() async throws {
        try await RegistryFixture.run { fixture in
            let amd64 = try await fixture.push(.echo(name: "multi", tag: "amd64", text: "amd64"))
            let arm64 = try await fixture.push(.echo(name: "multi", tag: "arm64", text: "arm64"))
            let index = try TestRegistryImage.index([(arm64, "linux", "arm64"), (amd64, "linux", "amd64")])
            let host = fixture.registry.host
            try await runOffCooperativePool {
                Result {
                    try TestRegistryImage.putManifest(
                        index, mediaType: TestRegistryImage.indexMediaType, to: host, repository: "multi",
                        reference: "latest")
                }
            }.get()
            let image = try await fixture.puller.pull(host + "/multi")
            #expect(image.manifestDigest == amd64.manifestDigest)
            #expect(image.config.entrypoint == ["/bin/echo", "amd64"])
        }
    }

    @Test func unknownImageIsAClearError() async throws {
        try await RegistryFixture.run { fixture in
            let name = fixture.registry.host + "/nothing/here:v1"
            let error = await #expect(throws: ImageError.self) { try await fixture.puller.pull(name) }
            let message = error.map { "\($0)" } ?? ""
            #expect(message.hasPrefix("Failed to pull image '\(name)': manifest unknown (404 from http://"))
            #expect(message.contains("/v2/nothing/here/manifests/v1"))
            #expect(throws: ImageError.notFound(name)) { try fixture.store.image(named: name) }
        }
    }

    @Test func mirrorsAreTriedFirstThenTheDefaultRegistry() async throws {
        try await RegistryFixture.run { fixture in
            let pushed = try await fixture.push(.echo(name: "busybox", text: "hi"))
            let deadMirror = "127.0.0.1:\(try TestRegistry.freeLoopbackPort())"
            let emptyMirror = try await RegistryFixture.startEmptyRegistry()
            defer { emptyMirror.stop() }
            var options = fixture.options
            options.mirrors = [deadMirror, emptyMirror.host]
            options.insecureRegistries.formUnion([deadMirror, emptyMirror.host])
            let puller = ImagePuller(store: fixture.store, options: options)
            let report = try await puller.pullReport("busybox")
            #expect(report.source == fixture.registry.host)
            #expect(report.image.manifestDigest == pushed.manifestDigest)

            // A mirror that has the image serves it; the default registry is not needed.
            options.mirrors = [fixture.registry.host]
            options.defaultRegistry = deadMirror
            let fresh = try ImageStore(root: fixture.directory + "/fresh-store")
            let viaMirror = try await ImagePuller(store: fresh, options: options).pullReport("busybox")
            #expect(viaMirror.source == fixture.registry.host)
            // Mirrors are only for the default registry: a qualified name never uses them.
            let error = await #expect(throws: ImageError.self) {
                try await ImagePuller(store: fresh, options: options).pull(deadMirror + "/busybox")
            }
            #expect("\(error.map { "\($0)" } ?? "")".contains("cannot reach http://\(deadMirror)/v2/busybox"))
        }
    }
}

/// A running `docker-registry`, a store in a temp dir and a puller that treats the registry as
/// the (insecure) default one; `run` always stops the registry and removes the temp dir.
struct RegistryFixture {
    let registry: TestRegistry
    let directory: String
    let store: ImageStore
    let options: RegistryOptions
    let puller: ImagePuller

    static func run(_ body: (RegistryFixture) async throws -> Void) async throws {
        let registry = try await startEmptyRegistry()
        let directory = FileManager.default.temporaryDirectory.path + "/mesokube-pull-" + UUID().uuidString
        defer {
            registry.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }
        let store = try ImageStore(root: directory + "/store")
        let options = RegistryOptions(
            defaultRegistry: registry.host, insecureRegistries: [registry.host], timeout: .seconds(60))
        try await body(
            RegistryFixture(
                registry: registry, directory: directory, store: store, options: options,
                puller: ImagePuller(store: store, options: options)))
    }

    static func startEmptyRegistry() async throws -> TestRegistry {
        try await runOffCooperativePool { Result { try TestRegistry.start() } }.get()
    }

    /// Builds `spec` and pushes it (as `repository`, default the spec's name) off the cooperative pool.
    @discardableResult
    func push(_ spec: TestImageSpec, as repository: String? = nil) async throws -> TestRegistryImage {
        let registry = self.registry
        return try await runOffCooperativePool { Result { try registry.push(spec, as: repository) } }.get()
    }
}
