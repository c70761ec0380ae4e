import Foundation
import HTTPSupport
import NIOCore
import StateStoreSQLite
import Testing

@testable import KubeAPIServer

/// Issue 4 item 5: under churn, scheduled compaction keeps the SQLite database bounded.
@Suite struct CompactionTests {
    static let updates = 50_000
    /// The bound this test holds the database (plus its WAL) to after 50,000 updates of one object.
    static let maximumBytes: Int64 = 16 << 20

    @Test func fiftyThousandUpdatesKeepTheDatabaseUnderItsBound() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("compaction-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("registry.sqlite").path
        let store = try SQLiteStateStore(path: path)
        var options = KubeAPIOptions()
        options.compactionRetain = 1000
        options.compactionInterval = .seconds(3600)
        let server = KubeAPIServer(store: store, options: options)
        try await server.start()

        let created = await server.handle(
            Self.request(
                .POST, "/api/v1/namespaces/default/configmaps",
                #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"churn"},"data":{"n":"0"}}"#))
        #expect(created.status == .created)
        for index in 1...Self.updates {
            let response = await server.handle(
                Self.request(
                    .PATCH, "/api/v1/namespaces/default/configmaps/churn", #"{"data":{"n":"\#(index)"}}"#,
                    contentType: "application/merge-patch+json"))
            #expect(response.status == .ok)
            if index % 2000 == 0 { try await server.compact() }
        }
        try await server.compact()
        let final = await server.handle(Self.request(.GET, "/api/v1/namespaces/default/configmaps/churn", nil))
        guard case .bytes(let body) = final.body else {
            Issue.record("no body")
            return
        }
        #expect(String(buffer: body).contains(#""n":"\#(Self.updates)""#))
        await server.stop()
        await store.close()

        let size = Self.fileSize(path) + Self.fileSize(path + "-wal")
        // The figure docs/benchmarks.md quotes; a size, not a timing.
        FileHandle.standardError.write(Data("compaction: \(Self.updates) updates -> \(size) bytes on disk\n".utf8))
        #expect(size < Self.maximumBytes, "database and WAL hold \(size) bytes after \(Self.updates) updates")
    }

    static func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int64) ?? 0
    }

    static func request(
        _ method: HTTPMethod, _ uri: String, _ body: String?, contentType: String = "application/json"
    )
        -> HTTPRequest
    {
        var headers: HTTPHeaders = ["Accept": "application/json"]
        if body != nil { headers.add(name: "Content-Type", value: contentType) }
        return HTTPRequest(method: method, uri: uri, headers: headers, body: ByteBuffer(string: body ?? ""))
    }
}
