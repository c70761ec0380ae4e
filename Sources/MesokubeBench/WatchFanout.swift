import AsyncHTTPClient
import Foundation
import KubeTypes
import NIOCore
import Synchronization

/// Watch fan-out: W watchers on the namespace's pods, then U pod updates; each watcher must see
/// every update once. Latency runs from the update's acknowledgement at its client to the event's
/// arrival at each watcher, which is what a controller reacting to a write experiences.
enum WatchFanout {
    /// One event as a watcher received it.
    struct Receipt: Sendable {
        var revision: Int64
        var at: ContinuousClock.Instant
    }

    /// Counters the coordinator polls while watchers connect and events arrive.
    final class Progress: Sendable {
        let connected = Atomic<Int>(0)
        let delivered = Atomic<Int>(0)
    }

    /// When each update was acknowledged, by the revision it created.
    final class Acknowledgements: Sendable {
        private let byRevision = Mutex<[Int64: ContinuousClock.Instant]>([:])

        func record(_ revision: Int64, at instant: ContinuousClock.Instant) {
            byRevision.withLock { $0[revision] = instant }
        }

        var snapshot: [Int64: ContinuousClock.Instant] { byRevision.withLock { $0 } }
    }

    static let clock = ContinuousClock()
    static let modifiedSuffix = Array(#""type":"MODIFIED"}"#.utf8)
    /// How long a watcher set may make no progress before the phase gives up waiting for events.
    static let stallLimit = Duration.seconds(15)

    static func run(_ settings: KubeAPIBenchmark.Settings, _ harness: KubeAPIHarness) async throws -> PhaseFigure {
        let collection = BenchKind.pod.collectionPath
        let listed = try await harness.send(.GET, collection + "?limit=1")
        guard let revision = JSONScan.lastString(of: "resourceVersion", in: listed.readableBytesView) else {
            throw RequestFailure(method: .GET, path: collection, detail: "list carried no resourceVersion")
        }
        let watchPath = collection + "?watch=true&resourceVersion=\(revision)"
        let progress = Progress()
        let acknowledgements = Acknowledgements()
        let expected = settings.watchers * settings.updates

        let (receipts, updates) = try await withThrowingTaskGroup(
            of: [Receipt].self, returning: ([Receipt], (latencies: [Duration], wall: Duration)).self
        ) { group in
            for _ in 0..<settings.watchers {
                group.addTask { try await watch(watchPath, harness, progress) }
            }
            try await waitForWatchers(settings.watchers, progress)
            let updates = try await harness.drive(settings.updates, clients: settings.clients) { index in
                let path = BenchKind.pod.objectPath(index % settings.objects)
                let body = try await harness.send(
                    .PATCH, path,
                    body: KubeAPIBenchmark.annotationPatch("bench.mesokube.io/watch-sequence", String(index)),
                    contentType: "application/merge-patch+json")
                let acknowledged = clock.now
                guard let text = JSONScan.firstString(of: "resourceVersion", in: body.readableBytesView),
                    let revision = Int64(text)
                else { throw RequestFailure(method: .PATCH, path: path, detail: "answer carried no resourceVersion") }
                acknowledgements.record(revision, at: acknowledged)
            }
            await waitForEvents(expected, progress)
            group.cancelAll()
            var all: [Receipt] = []
            for try await part in group { all += part }
            return (all, updates)
        }
        return figure(settings, receipts: receipts, acknowledgements: acknowledgements.snapshot, updates: updates)
    }

    /// One watcher: reads the chunked stream of JSON lines until cancelled, noting when each
    /// event arrived. A stream that ends or fails before cancellation is a failure.
    static func watch(_ path: String, _ harness: KubeAPIHarness, _ progress: Progress) async throws -> [Receipt] {
        let response = try await harness.openWatch(path)
        progress.connected.add(1, ordering: .relaxed)
        var receipts: [Receipt] = []
        var pending: [UInt8] = []
        do {
            for try await chunk in response.body {
                let arrived = clock.now
                pending.append(contentsOf: chunk.readableBytesView)
                var lineStart = 0
                while let newline = pending[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
                    let line = pending[lineStart..<newline]
                    lineStart = newline + 1
                    guard !line.isEmpty else { continue }
                    // Members are sorted, so `type` closes the line; only updates are expected here.
                    guard line.suffix(modifiedSuffix.count).elementsEqual(modifiedSuffix),
                        let text = JSONScan.firstString(of: "resourceVersion", in: line), let revision = Int64(text)
                    else {
                        let excerpt = String(decoding: line.prefix(300), as: UTF8.self)
                        throw RequestFailure(method: .GET, path: path, detail: "unexpected watch event \(excerpt)")
                    }
                    receipts.append(Receipt(revision: revision, at: arrived))
                    progress.delivered.add(1, ordering: .relaxed)
                }
                pending.removeFirst(lineStart)
            }
        } catch let failure as RequestFailure {
            throw failure
        } catch {
            if Task.isCancelled { return receipts }
            throw RequestFailure(method: .GET, path: path, detail: "watch broke: \(error)")
        }
        if Task.isCancelled { return receipts }
        throw RequestFailure(method: .GET, path: path, detail: "watch ended before the phase did")
    }

    static func waitForWatchers(_ count: Int, _ progress: Progress) async throws {
        let deadline = clock.now + stallLimit
        while progress.connected.load(ordering: .relaxed) < count {
            guard clock.now < deadline else {
                let connected = progress.connected.load(ordering: .relaxed)
                throw RequestFailure(
                    method: .GET, path: "watch", detail: "only \(connected) of \(count) watchers connected")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits for every expected event, or until delivery stalls; then a little longer, so that
    /// duplicate events would be counted too.
    static func waitForEvents(_ expected: Int, _ progress: Progress) async {
        var last = progress.delivered.load(ordering: .relaxed)
        var lastChange = clock.now
        while last < expected, clock.now - lastChange < stallLimit {
            try? await Task.sleep(for: .milliseconds(10))
            let now = progress.delivered.load(ordering: .relaxed)
            if now != last {
                last = now
                lastChange = clock.now
            }
        }
        try? await Task.sleep(for: .milliseconds(500))
    }

    static func figure(
        _ settings: KubeAPIBenchmark.Settings, receipts: [Receipt],
        acknowledgements: [Int64: ContinuousClock.Instant], updates: (latencies: [Duration], wall: Duration)
    ) -> PhaseFigure {
        var latencies: [Duration] = []
        var early = 0
        var stray = 0
        var first: ContinuousClock.Instant?
        var last: ContinuousClock.Instant?
        for receipt in receipts {
            guard let acknowledged = acknowledgements[receipt.revision] else {
                stray += 1
                continue
            }
            // On one machine the server may push the event before the writer has read its answer.
            if receipt.at < acknowledged { early += 1 }
            latencies.append(max(.zero, receipt.at - acknowledged))
            first = min(first ?? acknowledged, acknowledged)
            last = max(last ?? receipt.at, receipt.at)
        }
        let expected = settings.watchers * settings.updates
        let updateLatency = LatencySample(updates.latencies)
        var extra: [(key: String, value: JSON, text: String)] = [
            ("events_expected", .int(Int64(expected)), "\(latencies.count)/\(expected) events delivered"),
            ("events_delivered", .int(Int64(latencies.count)), ""),
            ("events_before_ack", .int(Int64(early)), "\(early) before the write's ack (counted as 0)"),
            (
                "update_p99_ms", .double(PhaseFigure.rounded(updateLatency.percentile(99).milliseconds)),
                "updates \(PhaseFigure.fixed(Double(settings.updates) / updates.wall.seconds, 0))/s"
                    + " p50 \(PhaseFigure.milliseconds(updateLatency.percentile(50)))"
                    + " p99 \(PhaseFigure.milliseconds(updateLatency.percentile(99)))"
            ),
        ]
        if latencies.count != expected || stray > 0 {
            let warning =
                "MISMATCH: \(settings.watchers) watchers x \(settings.updates) updates = \(expected) events expected, "
                + "\(latencies.count) delivered, \(stray) unexpected"
            FileHandle.standardError.write(Data("kube-api watch: \(warning)\n".utf8))
            extra.append(("events_unexpected", .int(Int64(stray)), warning))
        }
        return PhaseFigure(
            name: "watch_fanout", label: "watch fan-out \(settings.watchers)x\(settings.updates)",
            operations: latencies.count, wall: first.flatMap { first in last.map { $0 - first } } ?? .zero,
            latency: LatencySample(latencies), extra: extra)
    }
}
