import Containerizer
import Foundation
import Glibc
import Testing

@Suite("Fetcher: archive extraction")
struct FetcherArchiveTests {
    /// Builds `<root>/archives/<name>` from a small tree (bin/start.sh executable, conf/app.conf).
    private static func buildTree(_ fixture: FetcherFixture) throws {
        try fixture.root.write("tree/bin/start.sh", "#!/bin/sh\necho started\n", mode: 0o755)
        try fixture.root.write("tree/conf/app.conf", "answer=42\n")
        try FileManager.default.createDirectory(
            atPath: fixture.root.path + "/archives", withIntermediateDirectories: true)
    }

    @Test(arguments: [
        ("app.tar", "tar -cf ../archives/app.tar bin conf"),
        ("app.tar.gz", "tar -czf ../archives/app.tar.gz bin conf"),
        ("app.tgz", "tar -czf ../archives/app.tgz bin conf"),
        ("app.tar.bz2", "tar -cjf ../archives/app.tar.bz2 bin conf"),
        ("app.tar.xz", "tar -cJf ../archives/app.tar.xz bin conf"),
        ("app.txz", "tar -cJf ../archives/app.txz bin conf"),
        ("app.zip", "zip -qr ../archives/app.zip bin conf"),
    ])
    func extractsArchivesIntoTheSandbox(name: String, build: String) async throws {
        try await FetcherFixture.run { fixture in
            try Self.buildTree(fixture)
            try await sh(build, in: fixture.root.path + "/tree")
            fixture.server.serve("/" + name, fileBytes(fixture.root.path + "/archives/" + name))
            let fetched = try await fixture.fetch([uri(fixture.server.url("/" + name))])
            #expect(fetched.first?.extracted == true)
            #expect(contents(of: fixture.sandbox + "/conf/app.conf") == "answer=42\n")
            #expect(contents(of: fixture.sandbox + "/bin/start.sh") == "#!/bin/sh\necho started\n")
            #expect(mode(fixture.sandbox + "/bin/start.sh") & 0o100 != 0)
            // The archive itself stays, as in Mesos; no scratch directories are left behind.
            #expect(exists(fixture.sandbox + "/" + name))
            let entries = try FileManager.default.contentsOfDirectory(atPath: fixture.sandbox).sorted()
            #expect(entries == ["bin", "conf", name].sorted())
        }
    }

    @Test func gzipOfASingleFileIsDecompressed() async throws {
        try await FetcherFixture.run { fixture in
            try fixture.root.write("notes.txt", "compressed words\n")
            try await sh("gzip -k notes.txt", in: fixture.root.path)
            fixture.server.serve("/notes.txt.gz", fileBytes(fixture.root.path + "/notes.txt.gz"))
            _ = try await fixture.fetch([uri(fixture.server.url("/notes.txt.gz"))])
            #expect(contents(of: fixture.sandbox + "/notes.txt") == "compressed words\n")
        }
    }

    @Test func extractFalseLeavesTheArchiveAlone() async throws {
        try await FetcherFixture.run { fixture in
            try Self.buildTree(fixture)
            try await sh("tar -czf ../archives/app.tgz bin conf", in: fixture.root.path + "/tree")
            fixture.server.serve("/app.tgz", fileBytes(fixture.root.path + "/archives/app.tgz"))
            let fetched = try await fixture.fetch([uri(fixture.server.url("/app.tgz"), extract: false)])
            #expect(fetched.first?.extracted == false)
            #expect(listing(fixture.sandbox) == ["app.tgz"])
        }
    }

    @Test func extractionMergesIntoExistingDirectories() async throws {
        try await FetcherFixture.run { fixture in
            try Self.buildTree(fixture)
            try await sh("tar -cf ../archives/app.tar bin conf", in: fixture.root.path + "/tree")
            try fixture.root.write("sandbox/conf/local.conf", "kept\n")
            fixture.server.serve("/app.tar", fileBytes(fixture.root.path + "/archives/app.tar"))
            _ = try await fixture.fetch([uri(fixture.server.url("/app.tar"))])
            #expect(contents(of: fixture.sandbox + "/conf/local.conf") == "kept\n")
            #expect(contents(of: fixture.sandbox + "/conf/app.conf") == "answer=42\n")
        }
    }

    /// Every malicious archive must fail with nothing written outside the sandbox and no member
    /// extracted inside it. The sandbox sits at <root>/sandbox, so `../evil` means <root>/evil.
    @Test(arguments: [
        ("dotdot.tar", "mkdir -p a && echo bad > evil && cd a && tar -cPf ../archives/dotdot.tar ../evil"),
        ("absolute.tar", "echo bad > evil && tar -cPf archives/absolute.tar \"$PWD/evil\""),
        ("outlink.tar", "mkdir -p t && ln -s ../../evil t/link && tar -cf archives/outlink.tar -C t link"),
        ("abslink.tar", "mkdir -p t && ln -s /etc t/etc && tar -cf archives/abslink.tar -C t etc"),
        (
            "through.tar",
            "mkdir -p t u/etc && ln -s \"$PWD\" t/door && echo bad > u/evil"
                + " && tar -cf archives/through.tar -C t door && tar -rf archives/through.tar -C u"
                + " --transform 's,^evil,door/evil,' evil"
        ),
        (
            "dotdot.zip",
            "python3 -c \"import zipfile; z=zipfile.ZipFile('archives/dotdot.zip','w');"
                + " z.writestr('../evil','bad'); z.writestr('ok.txt','ok'); z.close()\""
        ),
        (
            "link.zip",
            "python3 -c \"import zipfile; z=zipfile.ZipFile('archives/link.zip','w');"
                + " i=zipfile.ZipInfo('link'); i.create_system=3; i.external_attr=0o120777<<16;"
                + " z.writestr(i,'/etc'); z.close()\""
        ),
    ])
    func maliciousArchivesAreRefused(name: String, build: String) async throws {
        try await FetcherFixture.run { fixture in
            try FileManager.default.createDirectory(
                atPath: fixture.root.path + "/archives", withIntermediateDirectories: true)
            try await sh(build, in: fixture.root.path)
            try? FileManager.default.removeItem(atPath: fixture.root.path + "/evil")
            let before = try FileManager.default.contentsOfDirectory(atPath: fixture.root.path).sorted()
            fixture.server.serve("/" + name, fileBytes(fixture.root.path + "/archives/" + name))
            let error = await fixture.failure([uri(fixture.server.url("/" + name))])
            let reason = try #require(error?.reason)
            #expect(reason.contains("escape") || reason.contains("outside") || reason.contains("not a directory"))
            #expect(!exists(fixture.root.path + "/evil"))
            #expect(listing(fixture.root.path) == before)
            // Only the downloaded archive is in the sandbox: nothing was extracted from it.
            #expect(listing(fixture.sandbox) == [name])
        }
    }
}
