import HTTPSupport
import NIOCore
import NIOPosix
import Testing

/// Forwards every inbound byte buffer to an AsyncStream and finishes it when the connection ends.
private final class ByteCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let continuation: AsyncStream<ByteBuffer>.Continuation

    init(_ continuation: AsyncStream<ByteBuffer>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.continuation.yield(Self.unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

struct RawResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        self.headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
    var bodyString: String { String(decoding: self.body, as: UTF8.self) }
}

struct RawClientError: Error, CustomStringConvertible {
    let description: String
}

/// A byte-level HTTP/1.1 client: it writes exactly what a test gives it and parses just enough
/// of the answer (status line, headers, content-length or chunked bodies) to check the server.
/// A watchdog closes the connection after `lifetime` so a broken server fails a test instead of hanging it.
final class RawHTTPClient {
    let channel: any Channel
    private var iterator: AsyncStream<ByteBuffer>.Iterator
    private var pending: [UInt8] = []
    private(set) var isClosed = false

    private init(channel: any Channel, stream: AsyncStream<ByteBuffer>) {
        self.channel = channel
        self.iterator = stream.makeAsyncIterator()
    }

    /// With `autoRead: false` the client never reads, so the server's writes back up.
    static func connect(
        port: Int, autoRead: Bool = true, lifetime: TimeAmount = .seconds(30)
    ) async throws
        -> RawHTTPClient
    {
        let (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: autoRead)
        if !autoRead {
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: 16 * 1024)
        }
        let channel =
            try await bootstrap
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteCollector(continuation))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        channel.eventLoop.scheduleTask(in: lifetime) { channel.close(promise: nil) }
        return RawHTTPClient(channel: channel, stream: stream)
    }

    func send(_ text: String) async throws {
        try await self.channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    func close() async {
        try? await self.channel.close().get()
    }

    /// Reads until the server closes the connection; returns whatever arrived meanwhile.
    func readUntilClosed() async -> [UInt8] {
        var rest = self.pending
        self.pending = []
        while let chunk = await self.iterator.next() {
            rest.append(contentsOf: chunk.readableBytesView)
        }
        self.isClosed = true
        return rest
    }

    func readResponse() async throws -> RawResponse {
        var response = try await self.readHead()
        if response.header("transfer-encoding")?.lowercased() == "chunked" {
            while let chunk = try await self.readChunk() {
                response.body += chunk
            }
        } else if let length = response.header("content-length").flatMap(Int.init) {
            response.body = try await self.readBytes(length)
        }
        return response
    }

    /// Status line and headers.
    func readHead() async throws -> RawResponse {
        let statusLine = try await self.readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw RawClientError(description: "bad status line '\(statusLine)'")
        }
        var headers: [(String, String)] = []
        while true {
            let line = try await self.readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else {
                throw RawClientError(description: "bad header '\(line)'")
            }
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t")
            headers.append((name, value))
        }
        return RawResponse(status: status, headers: headers, body: [])
    }

    /// One chunk of a chunked body, or nil for the terminating chunk.
    func readChunk() async throws -> [UInt8]? {
        let sizeLine = try await self.readLine()
        guard let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else {
            throw RawClientError(description: "bad chunk size '\(sizeLine)'")
        }
        if size == 0 {
            while try await !self.readLine().isEmpty {}  // trailers
            return nil
        }
        let data = try await self.readBytes(size)
        guard try await self.readLine().isEmpty else { throw RawClientError(description: "missing CRLF after chunk") }
        return data
    }

    private func readLine() async throws -> String {
        while true {
            if let crlf = self.findCRLF() {
                let line = String(decoding: self.pending[..<crlf], as: UTF8.self)
                self.pending.removeFirst(crlf + 2)
                return line
            }
            try await self.fill()
        }
    }

    private func readBytes(_ count: Int) async throws -> [UInt8] {
        while self.pending.count < count {
            try await self.fill()
        }
        let bytes = Array(self.pending[..<count])
        self.pending.removeFirst(count)
        return bytes
    }

    private func fill() async throws {
        guard let chunk = await self.iterator.next() else {
            self.isClosed = true
            throw RawClientError(description: "connection closed by server")
        }
        self.pending.append(contentsOf: chunk.readableBytesView)
    }

    private func findCRLF() -> Int? {
        guard self.pending.count >= 2 else { return nil }
        for index in 0..<(self.pending.count - 1)
        where self.pending[index] == UInt8(ascii: "\r") && self.pending[index + 1] == UInt8(ascii: "\n") {
            return index
        }
        return nil
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in characters: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, characters.contains(first) { slice.removeFirst() }
        while let last = slice.last, characters.contains(last) { slice.removeLast() }
        return String(slice)
    }
}

/// Runs `body` but gives up after `seconds`, returning nil (a bounded wait, never a timing assertion).
func within<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
            return nil
        }
        defer { group.cancelAll() }
        return try await group.next() ?? nil
    }
}

/// Hands values produced inside a handler over to the test.
final class Mailbox<Value: Sendable>: Sendable {
    let stream: AsyncStream<Value>
    private let continuation: AsyncStream<Value>.Continuation

    init() {
        (self.stream, self.continuation) = AsyncStream.makeStream(of: Value.self)
    }

    func post(_ value: Value) {
        self.continuation.yield(value)
    }

    /// The next posted value, or nil after `seconds`.
    func next(within seconds: Double = 10) async throws -> Value? {
        let stream = self.stream
        let value: Value?? = try await within(seconds: seconds) {
            var iterator = stream.makeAsyncIterator()
            return await iterator.next()
        }
        return value ?? nil
    }
}

/// Starts a server on an ephemeral port, runs `body`, and always shuts the server down.
func withServer(
    maxBodyBytes: Int = 16 << 20, idleTimeout: TimeAmount? = nil,
    handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse,
    _ body: (HTTPServer, Int) async throws -> Void
) async throws {
    let server = HTTPServer(
        host: "127.0.0.1", port: 0, maxBodyBytes: maxBodyBytes, idleTimeout: idleTimeout, handler: handler)
    let port = try await server.start()
    do {
        try await body(server, port)
    } catch {
        await server.shutdown()
        throw error
    }
    await server.shutdown()
}

/// A client session shut down whatever `body` throws: one left to its deinit crashes the whole
/// test process (AsyncHTTPClient insists on shutdown), taking every other test with it.
func withSession(_ body: (HTTPClientSession) async throws -> Void) async throws {
    let session = HTTPClientSession(defaultTimeout: .seconds(10))
    do {
        try await body(session)
    } catch {
        try? await session.shutdown()
        throw error
    }
    try await session.shutdown()
}

/// Decodes every RecordIO record contained in `chunks`.
func records(in chunks: [[UInt8]]) throws -> [String] {
    var decoder = RecordIODecoder()
    var result: [String] = []
    for chunk in chunks {
        result += try decoder.feed(chunk).map { String(decoding: $0, as: UTF8.self) }
    }
    return result
}
