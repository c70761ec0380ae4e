// Request and response values shared by every front door (Mesos v1 APIs, legacy endpoints,
// the Kubernetes and Marathon APIs). They are plain Sendable values so handlers can live in actors.

// Consumers (Master, Agent, ...) use ByteBuffer, HTTPHeaders, HTTPMethod and HTTPResponseStatus in
// their handlers; re-exporting spares every one of them a direct NIO dependency.
@_exported import NIOCore
@_exported import NIOHTTP1

/// One complete HTTP request as the server hands it to a handler (the body is fully buffered,
/// bounded by the server's `maxBodyBytes`).
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The request target exactly as sent (path plus optional query).
    public var uri: String
    /// Percent-decoded path without the query string.
    public var path: String
    /// Query parameters; when a name repeats, the last value wins (see `queryValues` for all).
    public var query: [String: String]
    /// Every value of every query parameter, in order of appearance.
    public var queryValues: [String: [String]]
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: ByteBuffer
    /// `ip:port` of the peer, when known.
    public var remoteAddress: String?

    public init(
        method: HTTPMethod,
        uri: String,
        version: HTTPVersion = .http1_1,
        headers: HTTPHeaders = [:],
        body: ByteBuffer = ByteBuffer(),
        remoteAddress: String? = nil
    ) {
        self.method = method
        self.uri = uri
        self.version = version
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        let target = RequestTarget(uri)
        self.path = target.path
        self.query = target.query
        self.queryValues = target.queryValues
    }

    /// The body as an array of bytes.
    public var bodyBytes: [UInt8] { Array(self.body.readableBytesView) }

    /// The body decoded as UTF-8 (invalid sequences repaired).
    public var bodyString: String { String(decoding: self.body.readableBytesView, as: UTF8.self) }
}

/// A response produced by a handler: either a complete body or a chunked stream.
public struct HTTPResponse: Sendable {
    public enum Body: Sendable {
        case bytes(ByteBuffer)
        /// Sent with `Transfer-Encoding: chunked`; the connection stays open until the stream
        /// finishes or the client leaves, whatever `Connection` header the request carried.
        case stream(ResponseStream)
        /// `101 Switching Protocols`: after the head the connection belongs to the upgrade
        /// (see `HTTPResponse.switchingProtocols`).
        case upgrade(HTTPUpgrade)
    }

    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: Body

    public init(status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:], body: Body = .bytes(ByteBuffer())) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON body encoded with `MesosJSON`; an unencodable value becomes a 500 naming the failure.
    public static func json<T: Encodable>(_ value: T, status: HTTPResponseStatus = .ok) -> HTTPResponse {
        do {
            let bytes = try MesosJSON.encode(value)
            return .bytes(bytes, contentType: "application/json", status: status)
        } catch {
            return .text("Failed to encode response: \(error)", status: .internalServerError)
        }
    }

    /// A plain-text body, as Mesos uses for errors ("400 Bad Request" + message).
    public static func text(_ text: String, status: HTTPResponseStatus = .ok) -> HTTPResponse {
        .bytes(ByteBuffer(string: text), contentType: "text/plain; charset=utf-8", status: status)
    }

    /// A response with no body (for example `202 Accepted` to a scheduler call).
    public static func empty(status: HTTPResponseStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status)
    }

    /// Raw bytes with the given content type.
    public static func bytes(
        _ bytes: ByteBuffer, contentType: String, status: HTTPResponseStatus = .ok
    ) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: .bytes(bytes))
    }

    /// A chunked streaming response; the caller keeps the stream and writes to it.
    public static func stream(
        _ stream: ResponseStream, contentType: String, status: HTTPResponseStatus = .ok,
        headers: HTTPHeaders = [:]
    ) -> HTTPResponse {
        var allHeaders = headers
        allHeaders.replaceOrAdd(name: "Content-Type", value: contentType)
        return HTTPResponse(status: status, headers: allHeaders, body: .stream(stream))
    }

    /// Runs `body`, turning a thrown `HTTPError` into its response and any other error into a 500.
    public static func catching(_ body: () async throws -> HTTPResponse) async -> HTTPResponse {
        do {
            return try await body()
        } catch let error as HTTPError {
            return error.response
        } catch {
            return .text("Internal error: \(error)", status: .internalServerError)
        }
    }
}

/// An error that maps onto an HTTP status with a plain-text message (the Mesos convention).
public struct HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: HTTPResponseStatus
    public var message: String
    /// Extra headers for the error response (for example `Location` on a 307, `Allow` on a 405).
    public var headers: HTTPHeaders

    public init(_ status: HTTPResponseStatus, _ message: String, headers: HTTPHeaders = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    public static func badRequest(_ message: String) -> HTTPError { HTTPError(.badRequest, message) }
    public static func notFound(_ message: String = "Not found") -> HTTPError { HTTPError(.notFound, message) }
    public static func forbidden(_ message: String) -> HTTPError { HTTPError(.forbidden, message) }
    public static func conflict(_ message: String) -> HTTPError { HTTPError(.conflict, message) }
    public static func unsupportedMediaType(_ message: String) -> HTTPError {
        HTTPError(.unsupportedMediaType, message)
    }
    public static func notAcceptable(_ message: String) -> HTTPError { HTTPError(.notAcceptable, message) }
    public static func serviceUnavailable(_ message: String) -> HTTPError {
        HTTPError(.serviceUnavailable, message)
    }
    public static func methodNotAllowed(allowed: [HTTPMethod], got: HTTPMethod) -> HTTPError {
        let names = allowed.map(\.rawValue).joined(separator: ", ")
        return HTTPError(
            .methodNotAllowed, "Expecting one of { '\(names)' }, but received '\(got.rawValue)'",
            headers: ["Allow": names])
    }
    public static func payloadTooLarge(limit: Int) -> HTTPError {
        HTTPError(.payloadTooLarge, "Request body exceeds the limit of \(limit) bytes")
    }

    /// The plain-text response for this error.
    public var response: HTTPResponse {
        var response = HTTPResponse.text(self.message, status: self.status)
        for (name, value) in self.headers {
            response.headers.replaceOrAdd(name: name, value: value)
        }
        return response
    }

    public var description: String { "\(self.status.code) \(self.status.reasonPhrase): \(self.message)" }

    public static func == (lhs: HTTPError, rhs: HTTPError) -> Bool {
        lhs.status == rhs.status && lhs.message == rhs.message && lhs.headers == rhs.headers
    }
}

/// Something that answers requests. Requests on one connection are handled one after another.
public protocol HTTPHandler: Sendable {
    func handle(_ request: HTTPRequest) async -> HTTPResponse
}

/// Adapts a closure to `HTTPHandler`.
public struct ClosureHTTPHandler: HTTPHandler {
    private let body: @Sendable (HTTPRequest) async -> HTTPResponse

    public init(_ body: @escaping @Sendable (HTTPRequest) async -> HTTPResponse) {
        self.body = body
    }

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        await self.body(request)
    }
}

/// The request target split into a decoded path and query parameters.
struct RequestTarget {
    var path: String
    var query: [String: String] = [:]
    var queryValues: [String: [String]] = [:]

    init(_ uri: String) {
        var rawPath = Substring(uri)
        var rawQuery: Substring = ""
        if let mark = uri.firstIndex(of: "?") {
            rawPath = uri[..<mark]
            rawQuery = uri[uri.index(after: mark)...]
        }
        // Absolute-form targets ("http://host/path") are legal in HTTP/1.1; keep only the path.
        if rawPath.hasPrefix("http://") || rawPath.hasPrefix("https://"),
            let schemeEnd = rawPath.range(of: "://")
        {
            let afterScheme = rawPath[schemeEnd.upperBound...]
            rawPath = afterScheme.firstIndex(of: "/").map { afterScheme[$0...] } ?? "/"
        }
        self.path = PercentCoding.decode(rawPath, plusIsSpace: false)
        for pair in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = PercentCoding.decode(parts[0], plusIsSpace: true)
            let value = parts.count > 1 ? PercentCoding.decode(parts[1], plusIsSpace: true) : ""
            self.query[name] = value
            self.queryValues[name, default: []].append(value)
        }
    }
}

/// Percent-decoding of URL components (RFC 3986), tolerant of malformed escapes.
public enum PercentCoding {
    /// Decodes `%XX` escapes; malformed escapes are kept literally. With `plusIsSpace`,
    /// `+` becomes a space (HTML form encoding, used in query strings).
    public static func decode<S: StringProtocol>(_ text: S, plusIsSpace: Bool) -> String {
        let utf8 = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), index + 2 < utf8.count,
                let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
                continue
            }
            out.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
