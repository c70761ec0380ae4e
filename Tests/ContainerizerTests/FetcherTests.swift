import Containerizer
import Foundation
import Glibc
import MesosModel
import Testing

@Suite("Fetcher: sources, naming, permissions and errors")
struct FetcherTests {
    @Test func fetchesPlainFileNamedAfterTheURIPath() async throws {
        try await FetcherFixture.run { fixture in
            fixture.server.serve("/files/app.conf", text: "port=8080\n")
            let fetched = try await fixture.fetch([uri(fixture.server.url("/files/app.conf") + "?v=2")])
            #expect(fetched.map(\.path) == [fixture.sandbox + "/app.conf"])
            #expect(fetched.first?.extracted == false)
            #expect(contents(of: fixture.sandbox + "/app.conf") == "port=8080\n")
        }
    }

    @Test func outputFileRenamesAndMayNameASubdirectory() async throws {
        try await FetcherFixture.run { fixture in
            fixture.server.serve("/data.bin", text: "payload")
            _ = try await fixture.fetch([uri(fixture.server.url("/data.bin"), outputFile: "conf/renamed.txt")])
            #expect(contents(of: fixture.sandbox + "/conf/renamed.txt") == "payload")
            #expect(!exists(fixture.sandbox + "/data.bin"))
        }
    }

    @Test(arguments: ["../escape.txt", "/tmp/absolute.txt", "a/../../b", ""])
    func outputFileMayNotEscapeTheSandbox(outputFile: String) async throws {
        try await FetcherFixture.run { fixture in
            fixture.server.serve("/data.bin", text: "payload")
            let error = await fixture.failure([uri(fixture.server.url("/data.bin"), outputFile: outputFile)])
            #expect(error?.reason.contains("Invalid output_file") == true)
            #expect(fixture.server.requests("/data.bin") == 0)
            #expect(listing(fixture.root.path) == ["sandbox"])
        }
    }

    @Test func executableIsChmodded0755AndNeverExtracted() async throws {
        try await FetcherFixture.run { fixture in
            try await sh("mkdir src && echo hi > src/inner.txt && tar -czf tool.tar.gz -C src .", in: fixture.root.path)
            fixture.server.serve("/tool.tar.gz", fileBytes(fixture.root.path + "/tool.tar.gz"))
            fixture.server.serve("/run.sh", text: "#!/bin/sh\necho run\n")
            let fetched = try await fixture.fetch([
                uri(fixture.server.url("/run.sh"), executable: true),
                uri(fixture.server.url("/tool.tar.gz"), executable: true),
            ])
            #expect(mode(fixture.sandbox + "/run.sh") == 0o755)
            #expect(mode(fixture.sandbox + "/tool.tar.gz") == 0o755)
            #expect(fetched.map(\.extracted) == [false, false])
            #expect(!exists(fixture.sandbox + "/inner.txt"))
        }
    }

    @Test func followsRedirects() async throws {
        try await FetcherFixture.run { fixture in
            fixture.server.redirect("/old/name.txt", to: "/new/name.txt")
            fixture.server.serve("/new/name.txt", text: "moved")
            let fetched = try await fixture.fetch([uri(fixture.server.url("/old/name.txt"))])
            // Named after the requested URI, as Mesos does, not after the redirect target.
            #expect(fetched.map(\.path) == [fixture.sandbox + "/name.txt"])
            #expect(contents(of: fixture.sandbox + "/name.txt") == "moved")
            #expect(fixture.server.requests("/new/name.txt") == 1)
        }
    }

    @Test func notFoundFailsWithMesosStyleMessage() async throws {
        try await FetcherFixture.run { fixture in
            let missing = fixture.server.url("/missing.tgz")
            let error = await fixture.failure([uri(missing)])
            #expect(error?.description == "Failed to fetch '\(missing)': HTTP 404 Not Found")
            #expect(listing(fixture.sandbox).isEmpty)
        }
    }

    @Test func stopsAtTheFirstFailingURI() async throws {
        try await FetcherFixture.run { fixture in
            fixture.server.serve("/later.txt", text: "later")
            let error = await fixture.failure([
                uri(fixture.server.url("/absent.txt")), uri(fixture.server.url("/later.txt")),
            ])
            #expect(error?.uri == fixture.server.url("/absent.txt"))
            #expect(fixture.server.requests("/later.txt") == 0)
        }
    }

    @Test(arguments: [
        ("ftp://example.com/file.tar", "Unsupported URI scheme 'ftp'"),
        ("hdfs://namenode/data", "Unsupported URI scheme 'hdfs'"),
        ("relative/path.txt", "Unsupported URI"),
    ])
    func unsupportedSchemesAreRejected(value: String, expected: String) async throws {
        try await FetcherFixture.run { fixture in
            let error = await fixture.failure([uri(value)])
            #expect(error?.description.hasPrefix("Failed to fetch '\(value)': \(expected)") == true)
        }
    }

    @Test func copiesFileURIsAndAbsolutePaths() async throws {
        try await FetcherFixture.run { fixture in
            try fixture.root.write("source/one.txt", "first")
            try fixture.root.write("source/two.txt", "second")
            let fetched = try await fixture.fetch([
                uri("file://" + fixture.root.path + "/source/one.txt"), uri(fixture.root.path + "/source/two.txt"),
            ])
            #expect(fetched.map(\.path) == [fixture.sandbox + "/one.txt", fixture.sandbox + "/two.txt"])
            #expect(contents(of: fixture.sandbox + "/one.txt") == "first")
            #expect(contents(of: fixture.sandbox + "/two.txt") == "second")
            #expect(contents(of: fixture.root.path + "/source/one.txt") == "first")
        }
    }

    @Test func missingLocalFileIsAnError() async throws {
        try await FetcherFixture.run { fixture in
            let path = fixture.root.path + "/nope.txt"
            let error = await fixture.failure([uri(path)])
            #expect(error?.description.hasPrefix("Failed to fetch '\(path)': Failed to read") == true)
        }
    }

    @Test func slowServerTimesOut() async throws {
        try await FetcherFixture.run(timeout: .milliseconds(300)) { fixture in
            fixture.server.serve("/slow.txt", Array("late".utf8), delay: .seconds(20))
            let error = await fixture.failure([uri(fixture.server.url("/slow.txt"))])
            #expect(error?.reason.hasPrefix("Timed out after") == true)
            #expect(!exists(fixture.sandbox + "/slow.txt"))
        }
    }

    @Test func oversizedDownloadIsRefused() async throws {
        try await FetcherFixture.run(maxFileBytes: 10) { fixture in
            fixture.server.serve("/big.bin", [UInt8](repeating: 7, count: 100))
            let error = await fixture.failure([uri(fixture.server.url("/big.bin"))])
            #expect(error?.reason == "Download exceeds the limit of 10 bytes")
            #expect(listing(fixture.sandbox).isEmpty)
        }
    }

    @Test func userOwnsTheSandboxAfterFetching() async throws {
        try await FetcherFixture.run { fixture in
            fixture.server.serve("/owned.txt", text: "mine")
            _ = try await fixture.fetch([uri(fixture.server.url("/owned.txt"))], user: "nobody")
            var info = stat()
            #expect(stat(fixture.sandbox + "/owned.txt", &info) == 0)
            let nobody = try #require(getpwnam("nobody"))
            // Only root can give files away; otherwise ownership stays with the agent's user.
            #expect(info.st_uid == (geteuid() == 0 ? nobody.pointee.pw_uid : geteuid()))
        }
    }

    @Test func unknownUserIsAnError() async throws {
        try await FetcherFixture.run { fixture in
            fixture.server.serve("/owned.txt", text: "mine")
            let error = await fixture.failure(
                [uri(fixture.server.url("/owned.txt"))], user: "no-such-user-mesokube")
            #expect(error?.reason == "Unknown user 'no-such-user-mesokube'")
        }
    }
}
