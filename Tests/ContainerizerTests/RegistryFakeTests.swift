import Foundation
import HTTPSupport
import TestSupport
import Testing

@testable import Containerizer

/// Behaviour the real `docker-registry` cannot show without a PKI or a way to corrupt its
/// storage: bearer tokens, corrupt content, and counting requests. An in-test registry serves
/// one image built by TestImages.
@Suite("Registry pulls from an in-test registry")
struct RegistryFakeTests {
    @Test(arguments: [false, true])
    func bearerTokenFlow(withCredentials: Bool) async throws {
        var behaviour = FakeRegistry.Behaviour(token: "t0k3n")
        if withCredentials {
            behaviour.tokenField = "access_token"
            behaviour.basicCredentials = RegistryCredentials(username: "user", password: "secret")
        }
        try await FakeRegistry.run(behaviour) { fake, image in
            var options = fake.options
            if withCredentials {
                options.credentials[fake.host] = RegistryCredentials(username: "user", password: "secret")
            }
            let store = try ImageStore(root: fake.directory + "/store")
            let pulled = try await ImagePuller(store: store, options: options).pull(fake.host + "/busybox")
            #expect(pulled.manifestDigest == image.manifestDigest)
            // One token for the manifest, reused for every blob.
            #expect(fake.requests("/token") == 1)
            #expect(fake.requests("/v2/busybox/blobs/" + image.configDigest) == 1)
        }
    }

    @Test func aRefusedTokenRequestIsAClearError() async throws {
        let behaviour = FakeRegistry.Behaviour(
            token: "t0k3n", basicCredentials: RegistryCredentials(username: "user", password: "secret"))
        try await FakeRegistry.run(behaviour) { fake, _ in
            var options = fake.options
            options.credentials[fake.host] = RegistryCredentials(username: "user", password: "wrong")
            let store = try ImageStore(root: fake.directory + "/store")
            let name = fake.host + "/busybox"
            let error = await #expect(throws: ImageError.self) {
                try await ImagePuller(store: store, options: options).pull(name)
            }
            let message = error.map { "\($0)" } ?? ""
            #expect(message.hasPrefix("Failed to pull image '\(name)': token request failed (401 from http://"))
        }
    }

    @Test func aCorruptBlobIsRejected() async throws {
        try await FakeRegistry.run(FakeRegistry.Behaviour(corruptLayer: true)) { fake, image in
            let store = try ImageStore(root: fake.directory + "/store")
            let name = fake.host + "/busybox:latest"
            let error = await #expect(throws: ImageError.self) {
                try await ImagePuller(store: store, options: fake.options).pull(name)
            }
            let message = error.map { "\($0)" } ?? ""
            let layer = image.layerDigests[0]
            #expect(message.contains("blob digest mismatch: expected \(layer), content hashes to sha256:"))
            #expect(message.contains("from http://\(fake.host)/v2/busybox/blobs/\(layer)"))
            #expect(!store.hasBlob(layer))
            #expect(throws: ImageError.notFound(name)) { try store.image(named: name) }
        }
    }

    @Test func aManifestThatDoesNotMatchItsDigestIsRejected() async throws {
        try await FakeRegistry.run(FakeRegistry.Behaviour(wrongManifestDigest: true)) { fake, _ in
            let store = try ImageStore(root: fake.directory + "/store")
            let error = await #expect(throws: ImageError.self) {
                try await ImagePuller(store: store, options: fake.options).pull(fake.host + "/busybox")
            }
            #expect("\(error.map { "\($0)" } ?? "")".contains("manifest digest mismatch"))
        }
    }

    @Test func concurrentPullsShareOneTransfer() async throws {
        try await FakeRegistry.run(FakeRegistry.Behaviour(blobDelay: .milliseconds(300))) { fake, image in
            let store = try ImageStore(root: fake.directory + "/store")
            let puller = ImagePuller(store: store, options: fake.options)
            let names =
                Array(repeating: fake.host + "/busybox", count: 3) + [fake.host + "/busybox@" + image.manifestDigest]
            let digests = try await withThrowingTaskGroup(of: String.self) { group in
                for name in names { group.addTask { try await puller.pull(name).manifestDigest } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(digests == Array(repeating: image.manifestDigest, count: 4))
            #expect(fake.requests("/v2/busybox/manifests/latest") == 1)
            for digest in [image.configDigest] + image.layerDigests {
                #expect(fake.requests("/v2/busybox/blobs/" + digest) == 1, "\(digest)")
            }
        }
    }
}

/// A registry v2 endpoint serving one image as `busybox:latest` on 127.0.0.1.
final class FakeRegistry: Sendable {
    struct Behaviour: Sendable {
        /// Require `Authorization: Bearer <token>`, issued by `/token`.
        var token: String?
        /// The JSON field the token endpoint answers with (`token` or `access_token`).
        var tokenField = "token"
        /// Credentials the token endpoint demands, as Basic auth.
        var basicCredentials: RegistryCredentials?
        var corruptLayer = false
        var wrongManifestDigest = false
        var blobDelay: Duration?
    }

    let behaviour: Behaviour
    let image: TestRegistryImage
    let directory: String
    private let counts = Locked<[String: Int]>([:])
    private let boundPort = Locked<Int>(0)

    var host: String { "127.0.0.1:\(boundPort.withLock { $0 })" }
    var options: RegistryOptions { RegistryOptions(insecureRegistries: [host], timeout: .seconds(30)) }
    func requests(_ path: String) -> Int { counts.withLock { $0[path] ?? 0 } }

    private init(behaviour: Behaviour, image: TestRegistryImage, directory: String) {
        self.behaviour = behaviour
        self.image = image
        self.directory = directory
    }

    static func run(
        _ behaviour: Behaviour, _ body: (FakeRegistry, TestRegistryImage) async throws -> Void
    ) async throws {
        let spec = TestImageSpec.echo(name: "busybox", text: "fake")
        let image = try await runOffCooperativePool { Result { try TestRegistryImage.build(spec) } }.get()
        let directory = FileManager.default.temporaryDirectory.path + "/mesokube-fake-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fake = FakeRegistry(behaviour: behaviour, image: image, directory: directory)
        let server = HTTPServer(host: "127.0.0.1", port: 0) { request in await fake.handle(request) }
        let port = try await server.start()
        fake.boundPort.withLock { $0 = port }
        do {
            try await body(fake, image)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    private func handle(_ request: HTTPRequest) async -> HTTPResponse {
        counts.withLock { $0[request.path, default: 0] += 1 }
        if request.path == "/token" { return tokenResponse(request) }
        if let token = behaviour.token, request.headers.first(name: "Authorization") != "Bearer " + token {
            let challenge =
                #"Bearer realm="http://\#(host)/token",service="fake-registry",scope="repository:busybox:pull""#
            return Self.error(.unauthorized, "UNAUTHORIZED", "authentication required", ["WWW-Authenticate": challenge])
        }
        let prefix = "/v2/busybox/"
        if request.path == "/v2/busybox/manifests/latest"
            || request.path == prefix + "manifests/" + image.manifestDigest
        {
            let digest = behaviour.wrongManifestDigest ? image.configDigest : image.manifestDigest
            var response = HTTPResponse.bytes(
                ByteBuffer(bytes: image.manifest), contentType: TestRegistryImage.manifestMediaType)
            response.headers.add(name: "Docker-Content-Digest", value: digest)
            return response
        }
        if request.path.hasPrefix(prefix + "blobs/"),
            let blob = image.blobs[String(request.path.dropFirst(prefix.count + 6))]
        {
            if let delay = behaviour.blobDelay { try? await Task.sleep(for: delay) }
            var bytes = [UInt8](blob)
            if behaviour.corruptLayer, request.path.hasSuffix(image.layerDigests[0]) { bytes[bytes.count / 2] ^= 0xff }
            return .bytes(ByteBuffer(bytes: bytes), contentType: "application/octet-stream")
        }
        return Self.error(.notFound, "MANIFEST_UNKNOWN", "manifest unknown")
    }

    private func tokenResponse(_ request: HTTPRequest) -> HTTPResponse {
        guard request.query["service"] == "fake-registry", request.query["scope"] == "repository:busybox:pull" else {
            return .text("bad token request \(request.uri)", status: .badRequest)
        }
        if let credentials = behaviour.basicCredentials {
            let expected = "Basic " + Data("\(credentials.username):\(credentials.password)".utf8).base64EncodedString()
            guard request.headers.first(name: "Authorization") == expected else {
                return .text("wrong credentials", status: .unauthorized)
            }
        }
        return .json([behaviour.tokenField: behaviour.token ?? ""])
    }

    private static func error(
        _ status: HTTPResponseStatus, _ code: String, _ message: String, _ headers: [String: String] = [:]
    ) -> HTTPResponse {
        let body = #"{"errors":[{"code":"\#(code)","message":"\#(message)"}]}"#
        var response = HTTPResponse.bytes(ByteBuffer(string: body), contentType: "application/json", status: status)
        for (name, value) in headers { response.headers.add(name: name, value: value) }
        return response
    }
}
