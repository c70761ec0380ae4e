import Foundation
import StateStore

/// The StateStore protocol on an etcd v3 cluster (3.4 or later), for several masters sharing
/// one state (`--store etcd://host:port[,host:port...]`).
///
/// It speaks etcd's gRPC-JSON gateway over HTTP/1.1 rather than gRPC: the gateway is part of
/// every etcd server, needs no generated code and no extra packages in the build, and every
/// call the protocol needs (range, txn, delete, compaction, watch, leases) is there. The price
/// is JSON with base64 keys and values, and one HTTP stream per watch.
///
/// Every write is one etcd transaction, so the semantics match the other drivers exactly:
/// create is `create_revision == 0` then put; an update keeps the key's lease (`ignore_lease`);
/// a conditional write compares `mod_revision`; a failed comparison reads the key back in the
/// same transaction to tell "missing" from "changed". Revisions are etcd's minus one (see
/// `EtcdRevision`). Leases are etcd's own: their TTLs run on the etcd leader's clock, in whole
/// seconds, with etcd's minimum (about 2 s with default timing).
public final class EtcdStateStore: StateStore {
    public struct Options: Sendable {
        /// Deadline for one call to one member before moving to the next.
        public var requestTimeout: Duration
        /// How long a broken watch keeps trying members before it fails.
        public var watchRetryWindow: Duration

        public init(requestTimeout: Duration = .seconds(5), watchRetryWindow: Duration = .seconds(30)) {
            self.requestTimeout = requestTimeout
            self.watchRetryWindow = watchRetryWindow
        }
    }

    let gateway: EtcdGateway
    let options: Options
    let lifecycle = LockedBox(Lifecycle())

    struct Lifecycle {
        var closed = false
        var watches: [UInt64: Task<Void, Never>] = [:]
        var nextWatch: UInt64 = 0
    }

    /// `endpoints`: client URLs such as `http://127.0.0.1:2379`. Nothing is contacted until the
    /// first call.
    public init(endpoints: [String], options: Options = Options()) throws {
        guard !endpoints.isEmpty else { throw StoreError.invalidArgument("no etcd endpoints given") }
        for endpoint in endpoints where URL(string: endpoint)?.host == nil {
            throw StoreError.invalidArgument("not an etcd client URL: \(endpoint)")
        }
        gateway = EtcdGateway(endpoints: endpoints, requestTimeout: options.requestTimeout)
        self.options = options
    }

    /// Parses `etcd://host:port[,host:port...]` into client URLs.
    public static func endpoints(fromStoreURL url: String) throws -> [String] {
        guard url.hasPrefix("etcd://") else { throw StoreError.invalidArgument("not an etcd:// URL: \(url)") }
        let members = url.dropFirst("etcd://".count).split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard !members.isEmpty else { throw StoreError.invalidArgument("etcd:// names no members") }
        return try members.map { member in
            let parts = member.split(separator: ":")
            guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (1...65535).contains(port) else {
                throw StoreError.invalidArgument("etcd member must be host:port, got '\(member)'")
            }
            return "http://\(member)"
        }
    }

    func checkOpen() throws {
        if lifecycle.withLock({ $0.closed }) { throw StoreError.closed }
    }

    // MARK: - Reads

    public func get(_ key: String) async throws -> KeyValue? {
        try checkOpen()
        try StoreValidation.key(key)
        let response = try await gateway.call(
            "/v3/kv/range", RangeRequest(key: Data(key.utf8)), as: RangeResponse.self, retry: .idempotent)
        return response.kvs.first?.storeValue
    }

    public func list(prefix: String, limit: Int?, startKey: String?, revision: Int64?) async throws -> ListPage {
        try checkOpen()
        try StoreValidation.limit(limit)
        if let revision { try StoreValidation.revision(revision) }
        let range = KeyRange(prefix: prefix, startKey: startKey)
        let request = RangeRequest(
            key: Data(range.lower.isEmpty ? [0] : range.lower), rangeEnd: Data(range.upper ?? [0]),
            limit: limit.map(Int64.init), revision: revision.map(EtcdRevision.toEtcd))
        do {
            let response = try await gateway.call("/v3/kv/range", request, as: RangeResponse.self, retry: .idempotent)
            // etcd's header names its current revision even for a read at an older one.
            let read = revision ?? EtcdRevision.fromEtcd(response.header.revision)
            return (response.kvs.map(\.storeValue), read, response.more)
        } catch RevisionOutOfReach.compacted {
            throw StoreError.compacted(requested: revision ?? 0, compactedAt: try await compactedAt())
        } catch RevisionOutOfReach.future {
            throw StoreError.futureRevision(requested: revision ?? 0, current: try await currentRevision())
        }
    }

    public func currentRevision() async throws -> Int64 {
        try checkOpen()
        let request = RangeRequest(key: Data([0]), rangeEnd: Data([0]), limit: 1, countOnly: true)
        let response = try await gateway.call("/v3/kv/range", request, as: RangeResponse.self, retry: .idempotent)
        return EtcdRevision.fromEtcd(response.header.revision)
    }

    // MARK: - Writes

    @discardableResult
    public func create(_ key: String, value: Data, lease: Int64?) async throws -> KeyValue {
        try checkOpen()
        try StoreValidation.key(key)
        let bytes = Data(key.utf8)
        let txn = TxnRequest(
            compare: [Compare(key: bytes, target: .create, result: .equal, operand: 0)],
            success: [RequestOp(put: PutRequest(key: bytes, value: value, lease: lease))],
            failure: [])
        let response: TxnResponse
        do {
            response = try await transaction(txn)
        } catch StoreError.leaseNotFound {
            throw StoreError.leaseNotFound(lease ?? 0)
        }
        guard response.succeeded else { throw StoreError.keyExists(key) }
        let revision = EtcdRevision.fromEtcd(response.header.revision)
        return KeyValue(
            key: key, value: value, createRevision: revision, modRevision: revision, version: 1, lease: lease)
    }

    @discardableResult
    public func update(_ key: String, value: Data, expectedModRevision: Int64?) async throws -> KeyValue {
        try checkOpen()
        try StoreValidation.key(key)
        let bytes = Data(key.utf8)
        let replace = RequestOp(put: PutRequest(key: bytes, value: value, prevKV: true, ignoreLease: true))
        let txn: TxnRequest
        if let expected = expectedModRevision {
            txn = TxnRequest(
                compare: [Compare(key: bytes, target: .mod, result: .equal, operand: EtcdRevision.toEtcd(expected))],
                success: [replace], failure: [RequestOp(range: RangeRequest(key: bytes))])
        } else {
            // `ignore_lease` refuses a key that does not exist, so creating takes the other branch.
            txn = TxnRequest(
                compare: [Compare(key: bytes, target: .version, result: .greater, operand: 0)],
                success: [replace], failure: [RequestOp(put: PutRequest(key: bytes, value: value))])
        }
        let response = try await transaction(txn)
        let revision = EtcdRevision.fromEtcd(response.header.revision)
        if expectedModRevision != nil && !response.succeeded {
            throw Self.comparisonFailure(key, expected: expectedModRevision, read: response.responses.first?.range)
        }
        guard let previous = response.responses.first?.put?.prevKV?.storeValue else {
            return KeyValue(
                key: key, value: value, createRevision: revision, modRevision: revision, version: 1, lease: nil)
        }
        var written = previous
        written.value = value
        written.modRevision = revision
        written.version += 1
        return written
    }

    @discardableResult
    public func delete(_ key: String, expectedModRevision: Int64?) async throws -> KeyValue {
        try checkOpen()
        try StoreValidation.key(key)
        let bytes = Data(key.utf8)
        let compare =
            expectedModRevision.map {
                [Compare(key: bytes, target: .mod, result: .equal, operand: EtcdRevision.toEtcd($0))]
            } ?? [Compare(key: bytes, target: .version, result: .greater, operand: 0)]
        let txn = TxnRequest(
            compare: compare, success: [RequestOp(deleteRange: DeleteRangeRequest(key: bytes, prevKV: true))],
            failure: [RequestOp(range: RangeRequest(key: bytes))])
        let response = try await transaction(txn)
        guard response.succeeded, let previous = response.responses.first?.deleteRange?.prevKVs.first else {
            throw Self.comparisonFailure(key, expected: expectedModRevision, read: response.responses.first?.range)
        }
        return previous.storeValue
    }

    private func transaction(_ txn: TxnRequest) async throws -> TxnResponse {
        try await gateway.call("/v3/kv/txn", txn, as: TxnResponse.self, retry: .write)
    }

    /// Why a compare failed, from the key as the failure branch read it.
    static func comparisonFailure(_ key: String, expected: Int64?, read: RangeResponse?) -> StoreError {
        guard let current = read?.kvs.first?.storeValue else { return .notFound(key) }
        return .revisionMismatch(key: key, expected: expected ?? 0, actual: current.modRevision)
    }

    // MARK: - Compaction

    public func compact(before revision: Int64) async throws {
        try checkOpen()
        try StoreValidation.revision(revision)
        // etcd keeps the compaction revision itself readable and refuses one it has not reached:
        // compacting at R is the store's "before R", clamped to the current revision.
        let target = min(EtcdRevision.toEtcd(revision), EtcdRevision.toEtcd(try await currentRevision()))
        guard target > 1 else { return }
        do {
            _ = try await gateway.call(
                "/v3/kv/compaction", CompactionRequest(revision: target, physical: false), as: WireHeaderOnly.self,
                retry: .idempotent)
        } catch RevisionOutOfReach.compacted {
            // Already compacted at or past this point: nothing to do, as the protocol says.
        }
    }

    /// Where history starts, in store revisions. etcd reports it only to a watch that asks for
    /// history it no longer has, so ask for revision 1 of a key nobody writes.
    func compactedAt() async throws -> Int64 {
        let probe = WatchCreateRequest(
            create: .init(key: Data("\u{0}compaction-probe".utf8), rangeEnd: Data(), startRevision: 1, prevKV: false))
        let response = try await gateway.openStream("/v3/watch", probe, endpoint: gateway.preferredEndpoint)
        var lines = WatchLines()
        for try await buffer in response.body {
            for line in lines.append(buffer) {
                let message = try JSONDecoder().decode(StreamedMessage<WatchResponse>.self, from: line)
                guard let result = message.result else { continue }
                if result.compactRevision > 0 { return EtcdRevision.fromEtcd(result.compactRevision) }
                if result.canceled { return 0 }
                // First comes the "created" message; the cancellation naming the point follows.
                // Only called after etcd said "compacted", so it does follow.
            }
        }
        return 0
    }

    // MARK: - Leases

    public func grantLease(ttl: Duration) async throws -> Int64 {
        try checkOpen()
        try StoreValidation.ttl(ttl)
        let (seconds, attoseconds) = ttl.components
        let wholeSeconds = max(1, seconds + (attoseconds > 0 ? 1 : 0))
        let response = try await gateway.call(
            "/v3/lease/grant", LeaseRequest(ttl: wholeSeconds), as: LeaseGrantResponse.self, retry: .write)
        return response.id
    }

    /// Renewals are the leader's heartbeat: one member gets a second to answer before the next
    /// is asked, so a member cut off from its cluster cannot hold the renewal up for long.
    public func keepAlive(lease: Int64) async throws {
        try checkOpen()
        let response = try await gateway.call(
            "/v3/lease/keepalive", LeaseRequest(id: lease), as: StreamedMessage<LeaseGrantResponse>.self,
            retry: .idempotent, timeout: .seconds(1))
        // etcd answers a lease it does not know with TTL 0 (or nothing at all).
        guard let result = response.result, result.ttl > 0 else { throw StoreError.leaseNotFound(lease) }
    }

    public func revokeLease(_ lease: Int64) async throws {
        try checkOpen()
        do {
            _ = try await gateway.call(
                "/v3/lease/revoke", LeaseRequest(id: lease), as: WireHeaderOnly.self, retry: .idempotent)
        } catch StoreError.leaseNotFound {
            throw StoreError.leaseNotFound(lease)
        }
    }

    // MARK: - Closing

    public func close() async {
        let watches = lifecycle.withLock { state in
            state.closed = true
            defer { state.watches = [:] }
            return Array(state.watches.values)
        }
        for watch in watches { watch.cancel() }
        for watch in watches { await watch.value }
        await gateway.shutdown()
    }
}

/// A response whose content does not matter beyond success.
struct WireHeaderOnly: Decodable {}
