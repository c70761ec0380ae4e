import Foundation
import Testing

@testable import Containerizer

@Suite("Registry references and challenges")
struct RegistryReferenceTests {
    static let digest = "sha256:" + String(repeating: "ab", count: 32)

    private func parse(_ text: String, _ options: RegistryOptions = RegistryOptions()) throws -> RegistryReference {
        try RegistryReference(parsing: text, options: options)
    }

    @Test func dockerHubNamesGetTheLibraryPrefix() throws {
        let plain = try parse("busybox")
        #expect(plain.registry == "registry-1.docker.io")
        #expect(plain.repository == "library/busybox")
        #expect(plain.tag == "latest")
        #expect(plain.usesDefaultRegistry)
        let tagged = try parse("library/busybox:1.36")
        #expect(tagged.repository == "library/busybox")
        #expect(tagged.tag == "1.36")
        let explicit = try parse("docker.io/nginx")
        #expect(explicit.registry == "registry-1.docker.io")
        #expect(explicit.repository == "library/nginx")
        #expect(!explicit.usesDefaultRegistry)
        #expect(try parse("someone/tool:v2").repository == "someone/tool")
    }

    @Test func registryHostsAreRecognisedByDotColonOrLocalhost() throws {
        let local = try parse("localhost:5000/hello_world:latest")
        #expect(local.registry == "localhost:5000")
        #expect(local.repository == "hello_world")
        #expect(local.tag == "latest")
        #expect(try parse("localhost/x").registry == "localhost")
        #expect(try parse("quay.io/org/app").registry == "quay.io")
        let pinned = try parse("127.0.0.1:5000/repo@\(Self.digest)")
        #expect(pinned.registry == "127.0.0.1:5000")
        #expect(pinned.repository == "repo")
        #expect(pinned.digest == Self.digest)
        #expect(pinned.manifestReference == Self.digest)
        #expect(try parse("host:1/repo:v1@\(Self.digest)").manifestReference == Self.digest)
    }

    @Test func aCustomDefaultRegistryHasNoLibraryPrefixUnlessAsked() throws {
        let options = RegistryOptions(defaultRegistry: "127.0.0.1:5000")
        let plain = try parse("nginx", options)
        #expect(plain.registry == "127.0.0.1:5000")
        #expect(plain.repository == "nginx")
        var prefixed = options
        prefixed.libraryPrefix = true
        #expect(try parse("nginx", prefixed).repository == "library/nginx")
        #expect(try parse("team/nginx", prefixed).repository == "team/nginx")
    }

    @Test func invalidReferencesAreRefused() {
        for bad in ["", "UPPER/case", "repo@sha256:short", "repo@md5:abc", "a//b", "repo:", "repo:bad!tag"] {
            #expect(throws: ImageError.self, "\(bad)") { try parse(bad) }
        }
    }

    @Test func schemeFollowsTheInsecureList() {
        let options = RegistryOptions(insecureRegistries: ["127.0.0.1:5000"])
        #expect(options.scheme(for: "127.0.0.1:5000") == "http")
        #expect(options.scheme(for: "quay.io") == "https")
    }

    @Test func indexesAreRecognisedInBothDialects() throws {
        func manifest(_ json: String) throws -> RegistryManifest {
            try JSONDecoder().decode(RegistryManifest.self, from: Data(json.utf8))
        }
        let dockerList =
            #"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[]}"#
        #expect(try manifest(dockerList).isIndex)
        #expect(try manifest(#"{"schemaVersion":2,"manifests":[]}"#).isIndex)
        let dockerImage =
            #"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"digest":"sha256:x"},"layers":[]}"#
        #expect(try !manifest(dockerImage).isIndex)
    }

    @Test func bearerChallengesAreParsed() throws {
        let header =
            #"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push""#
        let challenge = try #require(RegistryChallenge(header))
        #expect(challenge.scheme == "bearer")
        #expect(
            challenge.parameters
                == [
                    "realm": "https://auth.example/token", "service": "registry.example",
                    "scope": "repository:a/b:pull,push",
                ])
        #expect(RegistryChallenge(#"Basic realm="x""#)?.scheme == "basic")
        #expect(RegistryChallenge("") == nil)
    }
}
