import Foundation
import KubeClient
import KubeTestSupport
import KubeTypes
import Logging
import Testing

/// Events as `kubectl describe` shows them: repeats raise a count instead of adding objects.
@Suite struct EventRecorderTests {
    static let pod: JSON = [
        "apiVersion": "v1", "kind": "Pod",
        "metadata": ["name": "web", "namespace": "default", "uid": "u-1"],
    ]

    @Test func repeatsOfAnEventBecomeItsCountAndLastTimestamp() async throws {
        let live = try await LiveAPIServer.start()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let recorder = EventRecorder(client: live.client, component: "kubelet", logger: Logger(label: "test"))
        for second in 0..<3 {
            await recorder.record(
                .warning, reason: "BackOff", message: "Back-off restarting failed container", about: .pod(Self.pod),
                at: start.addingTimeInterval(Double(second * 10)))
        }
        await recorder.record(.normal, reason: "Pulled", message: "pulled", about: .pod(Self.pod), at: start)
        let events = try await live.client.listAll(.events, namespace: "default").items
        let backOff = events.filter { $0["reason"]?.stringValue == "BackOff" }
        #expect(backOff.count == 1)
        #expect(backOff.first?["count"]?.intValue == 3)
        #expect(backOff.first?["firstTimestamp"]?.stringValue == Timestamp.format(1_800_000_000))
        #expect(backOff.first?["lastTimestamp"]?.stringValue == Timestamp.format(1_800_000_020))
        #expect(events.count == 2)

        // A deleted event is written anew; so is a repeat after the series window.
        try await live.client.delete(.events, namespace: "default", name: backOff[0].name)
        let copy = recorder
        await copy.record(
            .warning, reason: "BackOff", message: "Back-off restarting failed container", about: .pod(Self.pod),
            at: start.addingTimeInterval(40))
        await copy.record(
            .warning, reason: "BackOff", message: "Back-off restarting failed container", about: .pod(Self.pod),
            at: start.addingTimeInterval(40 + 601))
        let later = try await live.client.listAll(.events, namespace: "default").items.filter {
            $0["reason"]?.stringValue == "BackOff"
        }
        #expect(later.count == 2)
        #expect(later.allSatisfy { $0["count"]?.intValue == 1 })
        await live.stop()
    }
}
