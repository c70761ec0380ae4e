import Foundation
import KubeClient
import KubeControllers
import KubeTestSupport
import KubeTypes
import Logging
import Synchronization
import Testing

/// A level-triggered controller built from the shared pieces: every ConfigMap labelled
/// `mirror=yes` gets a Secret with the same keys; a reconcile that fails is retried with backoff.
@Suite struct ControllerLoopTests {
    @Test func informerEventsDriveReconcilesThatWriteThroughTheAPI() async throws {
        let live = try await LiveAPIServer.start()
        let factory = InformerFactory(client: live.client)
        let configMaps = await factory.informer(for: .configMaps)
        let queue = WorkQueue<String>(baseDelay: .milliseconds(20))
        await configMaps.addHandler { event in queue.add(Informer.key(event.object)) }
        let failOnce = Mutex(true)
        let client = live.client.managed(by: "mirror-controller")
        let loop = ControllerLoop(name: "mirror", queue: queue, logger: Logger(label: "test")) { key in
            let parts = key.split(separator: "/").map(String.init)
            guard let source = await configMaps.get(namespace: parts[0], name: parts[1]),
                source.labels["mirror"] == "yes"
            else { return }
            if failOnce.withLock({ flag in
                defer { flag = false }
                return flag
            }) {
                throw KubeClientError.protocolViolation("first attempt fails on purpose")
            }
            let secret: JSON = [
                "apiVersion": "v1", "kind": "Secret", "metadata": ["name": .string(source.name)],
                "stringData": source["data"] ?? .emptyObject,
            ]
            do {
                _ = try await client.create(.secrets, namespace: parts[0], secret)
            } catch let error as KubeAPIError where error.isAlreadyExists {
                _ = try await client.patch(
                    .secrets, namespace: parts[0], name: source.name, ["stringData": source["data"] ?? .emptyObject])
            }
        }
        await factory.start()
        await factory.waitForSync()
        let running = Task { await loop.run() }

        _ = try await live.client.create(
            .configMaps, namespace: "default", configMap("m", labels: ["mirror": "yes"], data: ["k": "v1"]))
        _ = try await live.client.create(.configMaps, namespace: "default", configMap("ignored"))
        let secret = try await eventually { try? await live.client.get(.secrets, namespace: "default", name: "m") }
        #expect(secret?["data"]?["k"] == .string(Data("v1".utf8).base64EncodedString()))
        #expect(secret?[path: ["metadata", "managedFields"]]?.arrayValue?.first?["manager"] == "mirror-controller")
        _ = try await live.client.patch(.configMaps, namespace: "default", name: "m", ["data": ["k": "v2"]])
        let updated = try await eventually {
            let current = try? await live.client.get(.secrets, namespace: "default", name: "m")
            return current?["data"]?["k"] == .string(Data("v2".utf8).base64EncodedString()) ? current : nil
        }
        #expect(updated != nil)
        await #expect(throws: KubeAPIError.self) {
            try await live.client.get(.secrets, namespace: "default", name: "ignored")
        }

        queue.shutdown()
        await running.value
        await factory.stop()
        await live.stop()
    }

    func eventually<T: Sendable>(_ probe: @Sendable () async throws -> T?) async throws -> T? {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let value = try await probe() { return value }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }
}
