import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// The opening handshake of RFC 6455, for servers and clients.
public enum WebSocketHandshake {
    /// Appended to the client's key before hashing (RFC 6455 §1.3).
    public static let keyGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key`.
    public static func acceptValue(forKey key: String) -> String {
        let digest = Insecure.SHA1.hash(data: Array((key + keyGUID).utf8))
        return Data(digest).base64EncodedString()
    }

    /// A fresh random `Sec-WebSocket-Key`.
    public static func makeKey() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
    }

    /// Whether the headers ask for a WebSocket (`Upgrade: websocket` and a `Connection: upgrade` token).
    public static func isWebSocketRequest(_ headers: HTTPHeaders) -> Bool {
        headers[canonicalForm: "upgrade"].contains { $0.lowercased() == "websocket" }
            && headers[canonicalForm: "connection"].contains { $0.lowercased() == "upgrade" }
    }

    /// The subprotocols a client offered, in its order of preference.
    public static func offeredProtocols(_ headers: HTTPHeaders) -> [String] {
        headers[canonicalForm: "sec-websocket-protocol"].map { String($0) }.filter { !$0.isEmpty }
    }

    /// Checks a server-side opening request; returns the client's key, or why it is not acceptable.
    public static func clientKey(of request: HTTPRequest) -> Result<String, WebSocketHandshakeError> {
        guard request.method == .GET else { return .failure(.init("a WebSocket upgrade must use GET")) }
        guard isWebSocketRequest(request.headers) else {
            return .failure(.init("the request does not ask for a WebSocket upgrade"))
        }
        guard request.headers.first(name: "sec-websocket-version") == "13" else {
            return .failure(.init("unsupported Sec-WebSocket-Version (only 13 is spoken)"))
        }
        guard let key = request.headers.first(name: "sec-websocket-key"), !key.isEmpty else {
            return .failure(.init("missing Sec-WebSocket-Key"))
        }
        return .success(key)
    }
}

/// Why an opening handshake was refused.
public struct WebSocketHandshakeError: Error, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

extension HTTPResponse {
    /// Accepts a WebSocket: `101` with the accept value for `key` and the chosen subprotocol, then
    /// `run` gets the server side of the connection.
    public static func webSocket(
        key: String, subprotocol: String?, maxMessageBytes: Int = WebSocketConnection.defaultMaxMessageBytes,
        _ run: @escaping @Sendable (WebSocketConnection) async -> Void
    ) -> HTTPResponse {
        var headers: HTTPHeaders = ["Sec-WebSocket-Accept": WebSocketHandshake.acceptValue(forKey: key)]
        if let subprotocol { headers.add(name: "Sec-WebSocket-Protocol", value: subprotocol) }
        return .switchingProtocols(to: "websocket", headers: headers) { upgraded in
            await run(WebSocketConnection(upgraded, role: .server, maxMessageBytes: maxMessageBytes))
        }
    }
}

/// One complete data message (fragments already joined).
public struct WebSocketMessage: Sendable, Equatable {
    public var isText: Bool
    public var data: ByteBuffer

    public init(isText: Bool = false, data: ByteBuffer) {
        self.isText = isText
        self.data = data
    }

    public var bytes: [UInt8] { Array(self.data.readableBytesView) }
}

/// A WebSocket over an upgraded connection: messages in (answering pings and the closing
/// handshake on the way), frames out through the Sendable `writer`.
public final class WebSocketConnection {
    public enum Role: Sendable {
        /// Sends unmasked frames and closes the TCP connection after the closing handshake.
        case server
        /// Masks every frame it sends, as RFC 6455 requires of clients.
        case client
    }

    public static let defaultMaxMessageBytes = 16 << 20

    public let writer: WebSocketWriter
    public let role: Role
    /// The status code of the peer's close frame, once one arrived.
    public private(set) var peerCloseCode: UInt16?
    private let connection: UpgradedConnection
    private let maxMessageBytes: Int
    private var buffer = ByteBuffer()
    private var fragments: (isText: Bool, data: ByteBuffer)?
    private var closed = false

    public init(_ connection: UpgradedConnection, role: Role, maxMessageBytes: Int = defaultMaxMessageBytes) {
        self.connection = connection
        self.role = role
        self.maxMessageBytes = maxMessageBytes
        self.writer = WebSocketWriter(connection.writer, masked: role == .client)
    }

    /// The next data message; nil once the connection is closing or gone. A close frame from the
    /// peer is answered (if we had not closed first) before nil is returned.
    public func receive() async -> WebSocketMessage? {
        while !self.closed {
            switch WebSocketFrame.parse(&self.buffer, maxPayload: self.maxMessageBytes) {
            case .frame(let frame):
                if let message = await self.handle(frame) { return message }
            case .needMore:
                guard var more = await self.connection.read() else {
                    self.closed = true
                    return nil
                }
                self.buffer.writeBuffer(&more)
            case .invalid(let code):
                await self.fail(code)
            }
        }
        return nil
    }

    private func handle(_ frame: WebSocketFrame) async -> WebSocketMessage? {
        switch frame.opcode {
        case .text, .binary:
            guard self.fragments == nil else {
                await self.fail(WebSocketCloseCode.protocolError)
                return nil
            }
            if frame.fin { return WebSocketMessage(isText: frame.opcode == .text, data: frame.payload) }
            self.fragments = (frame.opcode == .text, frame.payload)
        case .continuation:
            guard var partial = self.fragments else {
                await self.fail(WebSocketCloseCode.protocolError)
                return nil
            }
            var payload = frame.payload
            guard partial.data.readableBytes + payload.readableBytes <= self.maxMessageBytes else {
                await self.fail(WebSocketCloseCode.messageTooBig)
                return nil
            }
            partial.data.writeBuffer(&payload)
            self.fragments = frame.fin ? nil : partial
            if frame.fin { return WebSocketMessage(isText: partial.isText, data: partial.data) }
        case .ping:
            try? await self.writer.sendFrame(.pong, payload: frame.payload)
        case .pong:
            break
        case .close:
            await self.peerClosed(frame.payload)
        }
        return nil
    }

    /// The peer's close frame ends reading: it is echoed unless we closed first, and a server then
    /// ends the TCP connection once its frames are out, as RFC 6455 §7.1.1 asks of servers.
    private func peerClosed(_ payload: ByteBuffer) async {
        let code = payload.getInteger(at: payload.readerIndex, as: UInt16.self) ?? WebSocketCloseCode.noStatus
        self.peerCloseCode = code
        self.closed = true
        await self.writer.close(code: code == WebSocketCloseCode.noStatus ? WebSocketCloseCode.normal : code)
        if self.role == .server { await self.connection.writer.finish() }
    }

    private func fail(_ code: UInt16) async {
        self.closed = true
        await self.writer.close(code: code)
        await self.connection.writer.finish()
    }
}

/// Close status codes used here (RFC 6455 §7.4.1).
public enum WebSocketCloseCode {
    public static let normal: UInt16 = 1000
    public static let goingAway: UInt16 = 1001
    public static let protocolError: UInt16 = 1002
    public static let noStatus: UInt16 = 1005
    public static let messageTooBig: UInt16 = 1009
    public static let internalError: UInt16 = 1011
}

/// Sends WebSocket frames; usable from any task. Each frame is written in one piece, so frames
/// from concurrent senders never interleave.
public struct WebSocketWriter: Sendable {
    private let raw: UpgradedWriter
    private let masked: Bool
    private let closeSent: NIOLockedValueBox<Bool>

    init(_ raw: UpgradedWriter, masked: Bool) {
        self.raw = raw
        self.masked = masked
        self.closeSent = NIOLockedValueBox(false)
    }

    /// Sends one binary (or text) message as a single frame.
    public func send(_ payload: ByteBuffer, text: Bool = false) async throws {
        try await self.sendFrame(text ? .text : .binary, payload: payload)
    }

    /// Sends one binary message made of `bytes`.
    public func send(bytes: [UInt8]) async throws {
        try await self.sendFrame(.binary, payload: ByteBuffer(bytes: bytes))
    }

    /// Sends the close frame (once; later calls do nothing). Errors are ignored: a peer that is gone
    /// has nothing left to be told.
    public func close(code: UInt16 = WebSocketCloseCode.normal, reason: String = "") async {
        let first = self.closeSent.withLockedValue { sent in
            defer { sent = true }
            return !sent
        }
        guard first else { return }
        var payload = ByteBuffer()
        payload.writeInteger(code)
        payload.writeString(String(reason.utf8.prefix(123)) ?? "")
        try? await self.writeFrame(.close, payload: payload)
    }

    /// Whether our close frame has gone out.
    public var hasSentClose: Bool { self.closeSent.withLockedValue { $0 } }

    /// Closes the TCP connection at once.
    public func disconnect() {
        self.raw.close()
    }

    func sendFrame(_ opcode: WebSocketFrame.Opcode, payload: ByteBuffer) async throws {
        // Data after our close frame would violate the protocol; the caller learns it is closed.
        if self.closeSent.withLockedValue({ $0 }) { throw WebSocketClosedError() }
        try await self.writeFrame(opcode, payload: payload)
    }

    private func writeFrame(_ opcode: WebSocketFrame.Opcode, payload: ByteBuffer) async throws {
        try await self.raw.write(WebSocketFrame.encode(opcode: opcode, payload: payload, masked: self.masked))
    }
}

/// Thrown when sending after the close frame went out.
public struct WebSocketClosedError: Error, Sendable {}

/// How a client's opening handshake ended.
public enum WebSocketOpening {
    case opened(WebSocketConnection, subprotocol: String?)
    /// The server answered with something other than 101; its head and (bounded) body.
    case refused(HTTPResponseHead, body: ByteBuffer)
}

extension HTTPStreamConnection {
    /// Opens a WebSocket at `target`, offering `subprotocols` in order of preference.
    public func openWebSocket(
        target: String, subprotocols: [String] = [], headers: HTTPHeaders = [:],
        maxMessageBytes: Int = WebSocketConnection.defaultMaxMessageBytes
    ) async throws -> WebSocketOpening {
        let key = WebSocketHandshake.makeKey()
        var allHeaders = headers
        allHeaders.replaceOrAdd(name: "Connection", value: "Upgrade")
        allHeaders.replaceOrAdd(name: "Upgrade", value: "websocket")
        allHeaders.replaceOrAdd(name: "Sec-WebSocket-Version", value: "13")
        allHeaders.replaceOrAdd(name: "Sec-WebSocket-Key", value: key)
        if !subprotocols.isEmpty {
            allHeaders.replaceOrAdd(name: "Sec-WebSocket-Protocol", value: subprotocols.joined(separator: ", "))
        }
        let head = try await self.request(method: .GET, target: target, headers: allHeaders)
        guard head.status == .switchingProtocols else {
            return .refused(head, body: try await self.collectBody(upTo: 1 << 20))
        }
        guard head.headers.first(name: "sec-websocket-accept") == WebSocketHandshake.acceptValue(forKey: key) else {
            throw HTTPStreamClientError.unexpectedResponse("wrong Sec-WebSocket-Accept")
        }
        let upgraded = try await self.upgrade()
        let chosen = head.headers.first(name: "sec-websocket-protocol")
        return .opened(
            WebSocketConnection(upgraded, role: .client, maxMessageBytes: maxMessageBytes), subprotocol: chosen)
    }
}
