import Foundation
import Testing

@testable import Containerizer

@Suite("Fetcher: agent-wide cache")
struct FetcherCacheTests {
    @Test func secondFetchOfACachedURIIsServedFromTheCache() async throws {
        try await FetcherFixture.run { fixture in
            fixture.server.serve("/pkg.bin", text: "cached bytes")
            let first = try await fixture.fetch([uri(fixture.server.url("/pkg.bin"), cache: true)])
            let otherSandbox = fixture.root.path + "/sandbox2"
            let second = try await fixture.fetch(
                [uri(fixture.server.url("/pkg.bin"), cache: true)], into: otherSandbox)
            #expect(fixture.server.requests("/pkg.bin") == 1)
            #expect(first.map(\.fromCache) == [false])
            #expect(second.map(\.fromCache) == [true])
            #expect(contents(of: fixture.sandbox + "/pkg.bin") == "cached bytes")
            #expect(contents(of: otherSandbox + "/pkg.bin") == "cached bytes")
        }
    }

    @Test func uncachedURIsAreDownloadedEveryTime() async throws {
        try await FetcherFixture.run { fixture in
            fixture.server.serve("/pkg.bin", text: "fresh")
            _ = try await fixture.fetch([uri(fixture.server.url("/pkg.bin"))])
            _ = try await fixture.fetch([uri(fixture.server.url("/pkg.bin"))], into: fixture.root.path + "/s2")
            #expect(fixture.server.requests("/pkg.bin") == 2)
        }
    }

    @Test func usersDoNotShareCacheEntries() async throws {
        try await FetcherFixture.run { fixture in
            fixture.server.serve("/pkg.bin", text: "per user")
            _ = try await fixture.fetch([uri(fixture.server.url("/pkg.bin"), cache: true)], user: "root")
            _ = try await fixture.fetch(
                [uri(fixture.server.url("/pkg.bin"), cache: true)], into: fixture.root.path + "/s2", user: "nobody")
            #expect(fixture.server.requests("/pkg.bin") == 2)
        }
    }

    @Test func concurrentFetchesOfOneCachedURIDownloadOnce() async throws {
        try await FetcherFixture.run { fixture in
            // The delay makes the fetches overlap; the assertion holds however they interleave.
            fixture.server.serve("/shared.tgz.bin", Array("shared".utf8), delay: .milliseconds(200))
            let url = fixture.server.url("/shared.tgz.bin")
            let sandboxes = (0..<6).map { fixture.root.path + "/concurrent-\($0)" }
            let results = try await withThrowingTaskGroup(of: [FetchedFile].self) { group in
                for sandbox in sandboxes {
                    group.addTask { try await fixture.fetch([uri(url, cache: true)], into: sandbox) }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(fixture.server.requests("/shared.tgz.bin") == 1)
            #expect(results.filter { !$0.fromCache }.count == 1)
            for sandbox in sandboxes {
                #expect(contents(of: sandbox + "/shared.tgz.bin") == "shared")
            }
        }
    }

    @Test func leastRecentlyUsedEntryIsEvictedOverTheSizeBound() async throws {
        try await FetcherFixture.run(maxCacheBytes: 250) { fixture in
            for name in ["a", "b", "c"] {
                fixture.server.serve("/\(name).bin", [UInt8](repeating: 1, count: 100))
            }
            func fetch(_ name: String) async throws {
                _ = try await fixture.fetch([uri(fixture.server.url("/\(name).bin"), cache: true)])
            }
            try await fetch("a")
            try await fetch("b")
            try await fetch("a")  // a is now more recently used than b
            try await fetch("c")  // 300 bytes > 250: b goes
            try await fetch("a")
            try await fetch("c")
            #expect(fixture.server.requests("/a.bin") == 1)
            #expect(fixture.server.requests("/c.bin") == 1)
            try await fetch("b")
            #expect(fixture.server.requests("/b.bin") == 2)
        }
    }

    @Test func failedDownloadIsNotCached() async throws {
        try await FetcherFixture.run { fixture in
            let url = fixture.server.url("/later.bin")
            let error = await fixture.failure([uri(url, cache: true)])
            #expect(error?.reason == "HTTP 404 Not Found")
            fixture.server.serve("/later.bin", text: "now here")
            _ = try await fixture.fetch([uri(url, cache: true)])
            #expect(contents(of: fixture.sandbox + "/later.bin") == "now here")
            #expect(fixture.server.requests("/later.bin") == 2)
        }
    }

    @Test func cachedArchiveIsStillExtracted() async throws {
        try await FetcherFixture.run { fixture in
            try fixture.root.write("tree/hello.txt", "hello\n")
            try await sh("tar -czf hello.tgz -C tree hello.txt", in: fixture.root.path)
            fixture.server.serve("/hello.tgz", fileBytes(fixture.root.path + "/hello.tgz"))
            for sandbox in [fixture.sandbox, fixture.root.path + "/s2"] {
                let fetched = try await fixture.fetch(
                    [uri(fixture.server.url("/hello.tgz"), cache: true)], into: sandbox)
                #expect(fetched.first?.extracted == true)
                #expect(contents(of: sandbox + "/hello.txt") == "hello\n")
            }
            #expect(fixture.server.requests("/hello.tgz") == 1)
        }
    }

    @Test func hashCollisionFallsBackToAnUncachedFetch() async throws {
        try await FetcherFixture.run { fixture in
            let url = fixture.server.url("/collide.bin")
            fixture.server.serve("/collide.bin", text: "right bytes")
            // Pretend another URI already owns this URI's cache slot.
            let slot = fixture.cache + "/" + FetchCache.hashName(FetchCache.key(uri: url, user: nil))
            try FileManager.default.createDirectory(atPath: slot, withIntermediateDirectories: true)
            try "\nhttp://elsewhere/other.bin".write(toFile: slot + "/key", atomically: false, encoding: .utf8)
            try "wrong bytes".write(toFile: slot + "/blob", atomically: false, encoding: .utf8)
            let fetched = try await fixture.fetch([uri(url, cache: true)])
            #expect(fetched.map(\.fromCache) == [false])
            #expect(contents(of: fixture.sandbox + "/collide.bin") == "right bytes")
            #expect(contents(of: slot + "/blob") == "wrong bytes")
            #expect(fixture.server.requests("/collide.bin") == 1)
        }
    }
}
