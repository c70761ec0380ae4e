import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

/// Client calls to a master or agent: plain request/response calls with a timeout, and
/// long-lived POSTs whose chunked body is a RecordIO event stream (scheduler/executor SUBSCRIBE).
///
/// Redirects are never followed: a Mesos 307 names the leading master and the caller has to learn
/// it. Each session owns an `HTTPClient`, which must be shut down with `shutdown()` before the
/// session goes away — except `shared`, which lives for the whole process.
public final class HTTPClientSession: Sendable {
    /// A complete response.
    public struct Response: Sendable {
        public var status: HTTPResponseStatus
        public var headers: HTTPHeaders
        public var body: [UInt8]

        /// The body as UTF-8 text.
        public var bodyString: String { String(decoding: self.body, as: UTF8.self) }
    }

    /// The answer to `postStream`.
    public struct StreamResponse: Sendable {
        public var status: HTTPResponseStatus
        public var headers: HTTPHeaders
        /// For a 200 response: the RecordIO records as they arrive. It finishes normally if the
        /// server ends the body, and throws if the connection breaks or the framing is bad.
        /// Cancelling the consuming task, leaving the loop, or `records.cancel()` closes the connection.
        /// For any other status it is empty and `body` holds the server's answer.
        public var records: RecordStream
        /// The full body of a non-200 response (for example a 400's message); empty otherwise.
        public var body: [UInt8]
    }

    /// The call took longer than its timeout.
    public struct TimeoutError: Error, Sendable, CustomStringConvertible {
        public let url: String
        public let timeout: TimeAmount
        public var description: String {
            "HTTP call to \(self.url) timed out after \(self.timeout.nanoseconds / 1_000_000) ms"
        }
    }

    /// A process-wide session (never shut down).
    public static let shared = HTTPClientSession()

    /// A process-wide session for calls to masters, which fail over (never shut down). A master
    /// that died refuses connections at once, but async-http-client's pool retries a refused
    /// connection until the connect timeout: with the default 10 s a framework whose leader was
    /// killed waited that long before asking the next master (`forMasters`).
    public static let masters = HTTPClientSession.forMasters()

    /// A session for a client of masters (an agent, a scheduler driver): a call to a master that
    /// cannot be connected to fails within 2 s, so the client moves on to the next master. (Turning
    /// the pool's retries off instead, which async-http-client advises against, failed refused
    /// calls at once but the benchmark's fleet crashed at 10,000 agents with it; a later crash at
    /// that size, with the same signal, was the process running out of file descriptors, and that
    /// one was not re-examined.)
    public static func forMasters(connectionsPerHost: Int? = nil, idleTimeout: TimeAmount? = nil) -> HTTPClientSession {
        HTTPClientSession(connectTimeout: .seconds(2), connectionsPerHost: connectionsPerHost, idleTimeout: idleTimeout)
    }

    private let client: HTTPClient
    /// Timeout for whole calls when none is given.
    public let defaultTimeout: TimeAmount
    /// Larger complete bodies are an error.
    public let maxResponseBytes: Int

    public init(
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        connectTimeout: TimeAmount = .seconds(10),
        defaultTimeout: TimeAmount = .seconds(75),
        maxResponseBytes: Int = 64 << 20,
        connectionsPerHost: Int? = nil,
        idleTimeout: TimeAmount? = nil
    ) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(connect: connectTimeout, read: nil))
        configuration.httpVersion = .http1Only
        // A client holding many event streams to one host (the benchmark's hollow agents) needs
        // more than the pool's default of 8 connections, or its other calls wait for a free one.
        if let connectionsPerHost {
            configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connectionsPerHost
        }
        // How long a pooled connection may stay unused (the pool's default: 60 s).
        if let idleTimeout { configuration.connectionPool.idleTimeout = idleTimeout }
        self.client = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: configuration)
        self.defaultTimeout = defaultTimeout
        self.maxResponseBytes = maxResponseBytes
    }

    /// Closes pooled connections and releases the client. Open streams fail.
    public func shutdown() async throws {
        try await self.client.shutdown()
    }

    /// `GET url`.
    public func get(url: String, headers: HTTPHeaders = [:], timeout: TimeAmount? = nil) async throws -> Response {
        try await self.call(.GET, url: url, body: nil, headers: headers, timeout: timeout)
    }

    /// `POST url` with raw bytes.
    public func post(
        url: String, body: [UInt8], headers: HTTPHeaders = [:], timeout: TimeAmount? = nil
    ) async throws -> Response {
        try await self.call(.POST, url: url, body: body, headers: headers, timeout: timeout)
    }

    /// `POST url` with a JSON body (`Content-Type` and `Accept` set to `application/json`).
    public func post<Body: Encodable>(
        url: String, json: Body, headers: HTTPHeaders = [:], timeout: TimeAmount? = nil
    ) async throws -> Response {
        let bytes = try MesosJSON.encodeBytes(json)
        return try await self.post(url: url, body: bytes, headers: Self.jsonHeaders(headers), timeout: timeout)
    }

    /// Any method, raw body.
    public func call(
        _ method: HTTPMethod, url: String, body: [UInt8]?, headers: HTTPHeaders = [:], timeout: TimeAmount? = nil
    ) async throws -> Response {
        let request = Self.makeRequest(method, url: url, body: body, headers: headers)
        let timeout = timeout ?? self.defaultTimeout
        let limit = self.maxResponseBytes
        let client = self.client
        return try await Self.withTimeout(timeout, url: url) {
            let response = try await client.execute(request, timeout: timeout)
            let body = try await response.body.collect(upTo: limit)
            return Response(status: response.status, headers: response.headers, body: Array(body.readableBytesView))
        }
    }

    /// `POST url` and read the response body as a RecordIO stream (see `StreamResponse`).
    /// `timeout` bounds the wait for the response head only; the stream itself has no timeout
    /// (heartbeat supervision belongs to the caller).
    public func postStream(
        url: String, body: [UInt8], headers: HTTPHeaders = [:], timeout: TimeAmount? = nil,
        maxRecordBytes: Int = 64 << 20
    ) async throws -> StreamResponse {
        let request = Self.makeRequest(.POST, url: url, body: body, headers: headers)
        let timeout = timeout ?? self.defaultTimeout
        let response = try await self.client.execute(request, timeout: timeout)
        guard response.status == .ok else {
            let limit = self.maxResponseBytes
            let body = try await Self.withTimeout(timeout, url: url) {
                try await response.body.collect(upTo: limit)
            }
            return StreamResponse(
                status: response.status, headers: response.headers,
                records: RecordStream(base: AsyncThrowingStream { $0.finish() }, cancel: {}),
                body: Array(body.readableBytesView))
        }
        let (records, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let reader = Task {
            var decoder = RecordIODecoder(maxRecordBytes: maxRecordBytes)
            do {
                for try await chunk in response.body {
                    for record in try decoder.feed(chunk) {
                        continuation.yield(record)
                    }
                }
                try decoder.finish()
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        // Cancelling the body iteration makes AsyncHTTPClient close the connection.
        continuation.onTermination = { _ in reader.cancel() }
        return StreamResponse(
            status: response.status, headers: response.headers,
            records: RecordStream(base: records, cancel: { reader.cancel() }), body: [])
    }

    /// `postStream` with a JSON body (`Content-Type` and `Accept` set to `application/json`).
    public func postStream<Body: Encodable>(
        url: String, json: Body, headers: HTTPHeaders = [:], timeout: TimeAmount? = nil
    ) async throws -> StreamResponse {
        let bytes = try MesosJSON.encodeBytes(json)
        return try await self.postStream(url: url, body: bytes, headers: Self.jsonHeaders(headers), timeout: timeout)
    }

    // MARK: Helpers

    private static func makeRequest(
        _ method: HTTPMethod, url: String, body: [UInt8]?, headers: HTTPHeaders
    ) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers = headers
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return request
    }

    private static func jsonHeaders(_ headers: HTTPHeaders) -> HTTPHeaders {
        var headers = headers
        if !headers.contains(name: "content-type") { headers.add(name: "Content-Type", value: "application/json") }
        if !headers.contains(name: "accept") { headers.add(name: "Accept", value: "application/json") }
        return headers
    }

    /// Runs `body`, cancelling it and throwing `TimeoutError` once `timeout` has passed.
    private static func withTimeout<T: Sendable>(
        _ timeout: TimeAmount, url: String, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(max(0, timeout.nanoseconds)))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw TimeoutError(url: url, timeout: timeout)
            }
            return value
        }
    }
}

/// The records of a streamed response (see `HTTPClientSession.postStream`). Single-consumer.
public struct RecordStream: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    private let base: AsyncThrowingStream<[UInt8], any Error>
    private let cancelReader: @Sendable () -> Void

    init(base: AsyncThrowingStream<[UInt8], any Error>, cancel: @escaping @Sendable () -> Void) {
        self.base = base
        self.cancelReader = cancel
    }

    /// Stops reading and closes the connection; iteration then ends.
    public func cancel() {
        self.cancelReader()
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(base: self.base.makeAsyncIterator(), abandonment: AbandonmentGuard(self.cancelReader))
    }

    public struct Iterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<[UInt8], any Error>.AsyncIterator
        /// Shared by copies of the iterator; when the last one goes (the loop was left), the
        /// connection is closed instead of lingering until the stream object dies.
        let abandonment: AbandonmentGuard

        public mutating func next() async throws -> [UInt8]? {
            try await self.base.next()
        }
    }

    final class AbandonmentGuard: Sendable {
        private let onAbandon: @Sendable () -> Void

        init(_ onAbandon: @escaping @Sendable () -> Void) {
            self.onAbandon = onAbandon
        }

        deinit {
            self.onAbandon()
        }
    }
}
