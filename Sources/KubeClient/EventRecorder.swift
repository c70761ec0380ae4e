import Foundation
import KubeTypes
import Logging
import Synchronization

/// Writes core/v1 Events about the objects a component acts on, as upstream's event recorder does
/// for `kubectl describe`: controllers, the scheduler and the kubelet all use it. Events are a
/// courtesy: a failed write is logged and never fails the work it describes.
///
/// A repeat of an event already written (same object, type, reason and message) within
/// `EventSeries.window` raises that event's `count` and `lastTimestamp` instead of adding another
/// object, as upstream's correlator does — so a container in CrashLoopBackOff shows
/// `BackOff (x12 over 3m)` in `kubectl describe` rather than a wall of events. Copies of a recorder
/// share one series cache.
public struct EventRecorder: Sendable {
    public let component: String
    /// The node a kubelet's events come from (`source.host`, `reportingInstance`).
    public let host: String?
    private let client: KubeClient
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let series = EventSeries()

    public init(
        client: KubeClient, component: String, host: String? = nil, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.client = client
        self.component = component
        self.host = host
        self.logger = logger
        self.now = now
    }

    /// The kind an event is about; a name alone does not say it.
    public struct Kind: Sendable {
        public var apiVersion: String
        public var kind: String

        public init(apiVersion: String, kind: String) {
            self.apiVersion = apiVersion
            self.kind = kind
        }

        public static let pod = Kind(apiVersion: "v1", kind: "Pod")
    }

    /// The object an event is about (`involvedObject`).
    public struct Subject: Sendable {
        public var kind: Kind
        public var namespace: String
        public var name: String
        public var uid: String
        /// The part of the object, e.g. `spec.containers{web}`.
        public var fieldPath: String?

        public init(kind: Kind, namespace: String, name: String, uid: String, fieldPath: String? = nil) {
            self.kind = kind
            self.namespace = namespace
            self.name = name
            self.uid = uid
            self.fieldPath = fieldPath
        }

        /// A pod object as the subject.
        public static func pod(_ pod: JSON, fieldPath: String? = nil) -> Subject {
            Subject(kind: .pod, namespace: pod.namespace, name: pod.name, uid: pod.uid, fieldPath: fieldPath)
        }
    }

    /// Records one event; `at` defaults to the recorder's clock.
    public func record(
        _ type: KubeEventType, reason: String, message: String, about subject: Subject, at date: Date? = nil
    ) async {
        let date = date ?? now()
        let key = EventSeries.Key(
            namespace: subject.namespace, kind: subject.kind.kind, name: subject.name, uid: subject.uid,
            fieldPath: subject.fieldPath ?? "", type: type.rawValue, reason: reason, message: message)
        do {
            if let repeated = series.repeatOf(key, at: date),
                await countRepeat(repeated, namespace: subject.namespace, at: date)
            {
                return
            }
            let body = eventObject(type, reason: reason, message: message, about: subject, at: date)
            _ = try await client.create(.events, namespace: subject.namespace, body)
            series.recorded(key, name: body.name, at: date)
        } catch {
            logger.debug(
                "recording an event failed",
                metadata: [
                    "object": "\(subject.namespace)/\(subject.name)", "reason": "\(reason)", "error": "\(error)",
                ])
        }
    }

    /// Raises the stored event's count; false when it is gone (expired or deleted), so a new one
    /// is written instead.
    private func countRepeat(_ repeated: EventSeries.Repeat, namespace: String, at date: Date) async -> Bool {
        let patch: JSON = [
            "count": .int(Int64(repeated.count)),
            "lastTimestamp": .string(Timestamp.format(Int64(date.timeIntervalSince1970))),
        ]
        do {
            _ = try await client.patch(.events, namespace: namespace, name: repeated.name, patch, type: .merge)
            return true
        } catch {
            return false
        }
    }

    /// An old-style Event as upstream's recorder writes it. The name is `<object>.<hex nanoseconds>`
    /// like upstream's, which keeps two events about one object from colliding.
    func eventObject(
        _ type: KubeEventType, reason: String, message: String, about subject: Subject, at date: Date
    )
        -> JSON
    {
        let nanoseconds = Self.uniqueNanoseconds(date)
        let stamp = JSON.string(Timestamp.format(Int64(date.timeIntervalSince1970)))
        var involved: JSON = [
            "apiVersion": .string(subject.kind.apiVersion), "kind": .string(subject.kind.kind),
            "namespace": .string(subject.namespace), "name": .string(subject.name), "uid": .string(subject.uid),
        ]
        if let fieldPath = subject.fieldPath { involved["fieldPath"] = .string(fieldPath) }
        var source: JSON = ["component": .string(component)]
        if let host { source["host"] = .string(host) }
        return [
            "apiVersion": "v1", "kind": "Event",
            "metadata": [
                "name": .string("\(subject.name).\(String(nanoseconds, radix: 16))"),
                "namespace": .string(subject.namespace),
            ],
            "involvedObject": involved, "reason": .string(reason), "message": .string(message),
            "type": .string(type.rawValue), "source": source, "firstTimestamp": stamp, "lastTimestamp": stamp,
            "count": 1, "reportingComponent": .string(component), "reportingInstance": .string(host ?? ""),
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

/// The events a recorder wrote lately, so repeats become counts (shared by copies of a recorder).
final class EventSeries: Sendable {
    /// How long a written event takes repeats (upstream's correlator keeps an LRU of 4096 and
    /// Events expire after an hour; ten minutes keeps counts meaningful without unbounded growth).
    static let window: TimeInterval = 600
    static let capacity = 4096

    struct Key: Hashable {
        var namespace, kind, name, uid, fieldPath, type, reason, message: String
    }

    struct Repeat {
        var name: String
        var count: Int
    }

    private struct Entry {
        var name: String
        var count: Int
        var last: Date
    }

    private let entries = Mutex<[Key: Entry]>([:])

    /// The stored event this one repeats, with its new count; nil for a first occurrence.
    func repeatOf(_ key: Key, at date: Date) -> Repeat? {
        entries.withLock { entries in
            guard var entry = entries[key], date.timeIntervalSince(entry.last) < Self.window else { return nil }
            entry.count += 1
            entry.last = date
            entries[key] = entry
            return Repeat(name: entry.name, count: entry.count)
        }
    }

    func recorded(_ key: Key, name: String, at date: Date) {
        entries.withLock { entries in
            if entries.count >= Self.capacity {
                entries = entries.filter { date.timeIntervalSince($0.value.last) < Self.window }
                if entries.count >= Self.capacity { entries.removeAll() }
            }
            entries[key] = Entry(name: name, count: 1, last: date)
        }
    }
}
