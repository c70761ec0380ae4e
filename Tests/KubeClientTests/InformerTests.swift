import Foundation
import KubeClient
import KubeTestSupport
import KubeTypes
import Synchronization
import Testing

@testable import KubeAPIServer

/// What an informer's handler was told, in order.
final class EventLog: Sendable {
    private let entries = Mutex<[String]>([])

    func record(_ event: InformerEvent) {
        let text: String
        switch event {
        case .added(let object): text = "added \(object.name)"
        case .updated(_, let new): text = "updated \(new.name) \(new["data"]?["k"]?.stringValue ?? "")"
        case .deleted(let object): text = "deleted \(object.name)"
        }
        entries.withLock { $0.append(text) }
    }

    var all: [String] { entries.withLock { $0 } }

    func waitFor(_ entry: String, seconds: Double = 10) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if all.contains(entry) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}

@Suite struct InformerTests {
    @Test func listThenWatchTellsHandlersEveryChange() async throws {
        let live = try await LiveAPIServer.start()
        _ = try await live.client.create(.configMaps, namespace: "default", configMap("before"))
        let informer = Informer(client: live.client, resource: .configMaps, namespace: "default")
        let log = EventLog()
        await informer.addHandler { log.record($0) }
        await informer.start()
        await informer.waitForSync()
        #expect(log.all == ["added before"])

        _ = try await live.client.create(.configMaps, namespace: "default", configMap("after"))
        _ = try await live.client.patch(.configMaps, namespace: "default", name: "after", ["data": ["k": "v2"]])
        try await live.client.delete(.configMaps, namespace: "default", name: "before")
        #expect(await log.waitFor("deleted before"))
        #expect(log.all == ["added before", "added after", "updated after v2", "deleted before"])
        #expect(await informer.get(namespace: "default", name: "after")?["data"] == ["k": "v2"])
        #expect(await informer.count == 1)

        // A handler added late hears about what is already there.
        let late = EventLog()
        await informer.addHandler { late.record($0) }
        #expect(late.all == ["added after"])
        await informer.stop()
        await live.stop()
    }

    @Test func expiredHistoryMakesTheInformerListAgain() async throws {
        var options = KubeAPIOptions()
        options.compactionRetain = 5
        options.compactionInterval = .seconds(3600)
        options.bookmarkInterval = .seconds(3600)
        let live = try await LiveAPIServer.start(options: options)
        // Short watches, so the informer resumes often from its last configmap revision.
        let informer = Informer(
            client: live.client, resource: .configMaps, namespace: "default", watchTimeoutSeconds: 1)
        let log = EventLog()
        await informer.addHandler { log.record($0) }
        await informer.start()
        await informer.waitForSync()
        _ = try await live.client.create(.configMaps, namespace: "default", configMap("kept"))
        #expect(await log.waitFor("added kept"))
        // Writes to other objects move the store on; compaction then forgets the informer's revision.
        for index in 0..<20 {
            _ = try await live.client.create(
                .secrets, namespace: "default",
                ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": .string("s\(index)")]])
        }
        try await live.server.compact()
        let listsBefore = live.counting.requests.filter {
            $0.hasPrefix("GET /api/v1/namespaces/default/configmaps?limit")
        }.count
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline,
            live.counting.requests.filter({ $0.hasPrefix("GET /api/v1/namespaces/default/configmaps?limit") }).count
                == listsBefore
        {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(
            live.counting.requests.filter { $0.hasPrefix("GET /api/v1/namespaces/default/configmaps?limit") }.count
                > listsBefore)
        // Still following after the new list, with no spurious events for unchanged objects.
        _ = try await live.client.patch(.configMaps, namespace: "default", name: "kept", ["data": ["k": "v3"]])
        #expect(await log.waitFor("updated kept v3"))
        #expect(log.all == ["added kept", "updated kept v3"])
        await informer.stop()
        await live.stop()
    }
}
