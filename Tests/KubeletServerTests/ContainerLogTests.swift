import Foundation
import HTTPSupport
import KubeTypes
import Testing

@testable import KubeletServer

@Suite struct ContainerLogTests {
    static let log = "one\ntwo\nthree\nfour\n"

    private func harness() async throws -> KubeletHarness {
        let harness = try await KubeletHarness.start()
        let path = try harness.writeLog("web.log", Self.log)
        let previous = try harness.writeLog("web-previous.log", "old run\n")
        harness.access.set("default", "web-0", "web", .init(logPath: path, previousLogPath: previous, running: false))
        return harness
    }

    @Test func wholeLogTailAndLimit() async throws {
        let harness = try await harness()
        defer { Task { await harness.stop() } }
        let whole = try await harness.get("/containerLogs/default/web-0/web")
        #expect(whole.status == 200)
        #expect(whole.body == Self.log)
        #expect(try await harness.get("/containerLogs/default/web-0/web?tailLines=2").body == "three\nfour\n")
        #expect(try await harness.get("/containerLogs/default/web-0/web?tailLines=0").body == "")
        #expect(try await harness.get("/containerLogs/default/web-0/web?tailLines=99").body == Self.log)
        #expect(try await harness.get("/containerLogs/default/web-0/web?limitBytes=5").body == "one\nt")
        #expect(try await harness.get("/containerLogs/default/web-0/web?tailLines=2&limitBytes=3").body == "thr")
        #expect(try await harness.get("/containerLogs/default/web-0/web?previous=true").body == "old run\n")
    }

    @Test func tailCountsAFinalLineWithoutNewline() async throws {
        let harness = try await KubeletHarness.start()
        defer { Task { await harness.stop() } }
        let path = try harness.writeLog("partial.log", "a\nb\nc")
        harness.access.set("default", "p", "c", .init(logPath: path, running: false))
        #expect(try await harness.get("/containerLogs/default/p/c?tailLines=2").body == "b\nc")
        #expect(try await harness.get("/containerLogs/default/p/c?tailLines=1").body == "c")
    }

    @Test func sinceSkipsAFileWrittenBeforeTheWindow() async throws {
        let harness = try await harness()
        defer { Task { await harness.stop() } }
        let path = harness.directory + "/web.log"
        let old = Date().addingTimeInterval(-3600)
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: path)
        #expect(try await harness.get("/containerLogs/default/web-0/web?sinceSeconds=60").body == "")
        #expect(try await harness.get("/containerLogs/default/web-0/web?sinceSeconds=7200").body == Self.log)
        let since = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-60))
        #expect(try await harness.get("/containerLogs/default/web-0/web?sinceTime=\(since)").body == "")
    }

    @Test func followStreamsAppendedBytesUntilTheContainerStops() async throws {
        let harness = try await KubeletHarness.start()
        defer { Task { await harness.stop() } }
        let path = try harness.writeLog("follow.log", "first\n")
        harness.access.set("default", "web-0", "web", .init(logPath: path, running: true))
        let received = try await HTTPStreamClient.withConnection(host: "127.0.0.1", port: harness.port) {
            connection in
            let head = try await connection.request(
                method: .GET, target: "/containerLogs/default/web-0/web?follow=true",
                headers: ["Authorization": "Bearer \(KubeletHarness.token)"])
            #expect(head.status == .ok)
            var text = ""
            while !text.hasSuffix("first\n"), let chunk = try await connection.nextBodyChunk() {
                text += String(buffer: chunk)
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("second\n".utf8))
            while !text.hasSuffix("second\n"), let chunk = try await connection.nextBodyChunk() {
                text += String(buffer: chunk)
            }
            // Written just before the container stops: still delivered, then the stream ends.
            try handle.write(contentsOf: Data("last\n".utf8))
            try handle.close()
            harness.access.setRunning("default", "web-0", "web", false)
            while let chunk = try await connection.nextBodyChunk() { text += String(buffer: chunk) }
            return text
        }
        #expect(received == "first\nsecond\nlast\n")
    }

    @Test func followStopsWhenTheClientGoesAway() async throws {
        let harness = try await KubeletHarness.start()
        defer { Task { await harness.stop() } }
        let path = try harness.writeLog("follow.log", "first\n")
        harness.access.set("default", "web-0", "web", .init(logPath: path, running: true))
        try await HTTPStreamClient.withConnection(host: "127.0.0.1", port: harness.port) { connection in
            _ = try await connection.request(
                method: .GET, target: "/containerLogs/default/web-0/web?follow=true",
                headers: ["Authorization": "Bearer \(KubeletHarness.token)"])
            _ = try await connection.nextBodyChunk()
        }
        // The follower polls every 50 ms while the client is there; gone, it stops asking. How
        // soon the server notices depends on the machine's load, so the count is watched until it
        // holds still for 300 ms (six polls), for at most 10 s.
        var settled = false
        var previous = harness.access.isRunningCalls
        for _ in 0..<33 where !settled {
            try await Task.sleep(for: .milliseconds(300))
            let now = harness.access.isRunningCalls
            settled = now == previous
            previous = now
        }
        #expect(settled, "the follower was still polling 10 s after its client left")
    }

    @Test func followOfAStoppedContainerEndsAtOnce() async throws {
        let harness = try await harness()
        defer { Task { await harness.stop() } }
        #expect(try await harness.get("/containerLogs/default/web-0/web?follow=true").body == Self.log)
    }

    @Test func badRequestsGetStatusErrors() async throws {
        let harness = try await harness()
        defer { Task { await harness.stop() } }
        let cases: [(String, String?, Int, String)] = [
            ("/containerLogs/default/web-0/web", nil, 401, "Unauthorized"),
            ("/containerLogs/default/web-0/web", "wrong", 401, "Unauthorized"),
            (
                "/containerLogs/default/web-0/nope", KubeletHarness.token, 404,
                "container \"nope\" in pod \"web-0\" not found"
            ),
            (
                "/containerLogs/default/web-0", KubeletHarness.token, 404,
                "the server could not find the requested resource"
            ),
            (
                "/containerLogs/default/web-0/web?timestamps=true", KubeletHarness.token, 400,
                "timestamps are not supported by this node agent yet"
            ),
            (
                "/containerLogs/default/web-0/web?tailLines=-1", KubeletHarness.token, 400,
                "tailLines: Invalid value: -1: must be greater than or equal to 0"
            ),
            (
                "/containerLogs/default/web-0/web?tailLines=x", KubeletHarness.token, 400,
                "tailLines: invalid integer value \"x\""
            ),
            (
                "/containerLogs/default/web-0/web?limitBytes=0", KubeletHarness.token, 400,
                "limitBytes: Invalid value: 0: must be greater than 0"
            ),
            (
                "/containerLogs/default/web-0/web?sinceSeconds=5&sinceTime=2020-01-01T00:00:00Z", KubeletHarness.token,
                400, "at most one of `sinceTime` or `sinceSeconds` may be specified"
            ),
            (
                "/portForward/default/web-0", KubeletHarness.token, 400,
                "port-forward needs a WebSocket upgrade with protocol SPDY/3.1+portforward.k8s.io; "
                    + "plain SPDY is not supported by this node agent"
            ),
            (
                "/attach/default/web-0/web", KubeletHarness.token, 400,
                "you must specify at least 1 of stdin, stdout, stderr"
            ),
        ]
        for (target, token, code, message) in cases {
            let answer = try await harness.get(target, token: token)
            #expect(answer.status == code, "\(target)")
            let status = try JSONReader.parse(answer.body)
            #expect(status["kind"] == "Status")
            #expect(status["code"]?.intValue == Int64(code))
            #expect(status["message"]?.stringValue == message, "\(target)")
        }
        harness.access.set("default", "web-1", "web", .init(logPath: harness.directory + "/web.log"))
        let missingPrevious = try await harness.get("/containerLogs/default/web-1/web?previous=true")
        #expect(missingPrevious.status == 400)
        #expect(
            try JSONReader.parse(missingPrevious.body)["message"]
                == "previous terminated container \"web\" in pod \"web-1\" not found")
    }

    @Test func servesOnlyItsOwnPaths() {
        #expect(KubeletServer.serves(path: "/containerLogs/a/b/c"))
        #expect(KubeletServer.serves(path: "/exec/a/b/c"))
        #expect(!KubeletServer.serves(path: "/healthz"))
    }
}
