import Foundation
import KubeClient
import KubeControllersCore
import KubeTypes
import Logging
import Synchronization

/// Writes core/v1 Events about the objects a controller acts on, as upstream's event recorder does
/// for `kubectl describe`. Events are a courtesy: a failed write is logged and never fails a sync.
public struct EventRecorder: Sendable {
    public let component: String
    private let client: KubeClient
    private let logger: Logger
    private let now: @Sendable () -> Date

    public init(
        client: KubeClient, component: String, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.client = client
        self.component = component
        self.logger = logger
        self.now = now
    }

    /// The kind an event is about; the reference alone does not say it.
    public struct Kind: Sendable {
        public var apiVersion: String
        public var kind: String

        public static let replicaSet = Kind(apiVersion: "apps/v1", kind: "ReplicaSet")
        public static let deployment = Kind(apiVersion: "apps/v1", kind: "Deployment")
        public static let job = Kind(apiVersion: "batch/v1", kind: "Job")
    }

    public func record(_ event: ControllerEvent, about object: ObjectReference, kind: Kind) async {
        let body = Self.eventObject(event, about: object, kind: kind, component: component, at: now())
        do {
            _ = try await client.create(.events, namespace: object.namespace, body)
        } catch {
            logger.debug(
                "recording an event failed",
                metadata: ["object": "\(object)", "reason": "\(event.reason)", "error": "\(error)"])
        }
    }

    public func record(
        _ type: KubeEventType, reason: String, message: String, about object: ObjectReference, kind: Kind
    ) async {
        await record(ControllerEvent(type, reason: reason, message: message), about: object, kind: kind)
    }

    /// An old-style Event as upstream's recorder writes it. The name is `<object>.<hex nanoseconds>`
    /// like upstream's, which keeps two events about one object from colliding.
    static func eventObject(
        _ event: ControllerEvent, about object: ObjectReference, kind: Kind, component: String, at date: Date
    ) -> JSON {
        let nanoseconds = uniqueNanoseconds(date)
        let stamp = JSON.string(Timestamp.format(Int64(date.timeIntervalSince1970)))
        return [
            "apiVersion": "v1", "kind": "Event",
            "metadata": [
                "name": .string("\(object.name).\(String(nanoseconds, radix: 16))"),
                "namespace": .string(object.namespace),
            ],
            "involvedObject": [
                "apiVersion": .string(kind.apiVersion), "kind": .string(kind.kind),
                "namespace": .string(object.namespace), "name": .string(object.name), "uid": .string(object.uid),
            ],
            "reason": .string(event.reason), "message": .string(event.message), "type": .string(event.type.rawValue),
            "source": ["component": .string(component)], "firstTimestamp": stamp, "lastTimestamp": stamp,
            "count": 1, "reportingComponent": .string(component), "reportingInstance": "",
        ]
    }

    private static let lastNanoseconds = Mutex<UInt64>(0)

    /// The clock's nanoseconds, nudged past the last value handed out: the clock may read the same
    /// microsecond twice, and two events about one object must not get one name.
    static func uniqueNanoseconds(_ date: Date) -> UInt64 {
        let reading = UInt64(max(0, date.timeIntervalSince1970 * 1_000_000_000))
        return lastNanoseconds.withLock { last in
            last = max(reading, last + 1)
            return last
        }
    }
}
