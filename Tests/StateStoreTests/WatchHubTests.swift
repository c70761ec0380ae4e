import Foundation
import Testing

@testable import StateStore

/// The hub alone, so that the order of activation and publishing is the test's, not a race's.
@Suite struct WatchHubTests {
    @Test("A watch activated before its start revision is written ignores the earlier writes published after")
    func liveEventsBeforeTheStartAreSkipped() async throws {
        let hub = WatchHub()
        let (id, stream) = hub.reserve(prefix: "")
        hub.activate(id, fromRevision: 3, replay: [])
        hub.publish([.delete(key: "k2", previous: nil, revision: 2)])
        hub.publish([.delete(key: "k3", previous: nil, revision: 3)])
        hub.close()
        var seen: [Int64] = []
        do {
            for try await event in stream { seen.append(event.revision) }
        } catch {}
        #expect(seen == [3])
    }
}
