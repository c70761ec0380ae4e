import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// A failure talking to a registry, already phrased for the "Failed to pull image" message.
struct RegistryFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One registry host as the puller talks to it: scheme, host and the repository in use.
struct RegistryEndpoint: Sendable, Equatable {
    var host: String
    var scheme: String
    var repository: String

    func url(_ kind: String, _ reference: String) -> String {
        "\(scheme)://\(host)/v2/\(repository)/\(kind)/\(reference)"
    }
}

/// HTTP exchanges with OCI distribution registries: anonymous access, and the bearer-token
/// handshake (401 + `WWW-Authenticate: Bearer realm=…,service=…,scope=…` → GET the realm →
/// retry with the token). Tokens are cached per host and repository for the life of the client.
final class RegistryClient: Sendable {
    let httpClient: HTTPClient
    let options: RegistryOptions
    /// `host repository` → the `Authorization` header value that last worked there.
    private let authorizations = RegistryLocked<[String: String]>([:])

    init(httpClient: HTTPClient, options: RegistryOptions) {
        self.httpClient = httpClient
        self.options = options
    }

    /// GETs `url` (authenticating when challenged) and returns a 2xx response with its body
    /// still unread; a non-2xx status becomes a `RegistryFailure` naming the registry's error.
    func get(_ url: String, endpoint: RegistryEndpoint, accept: [String] = []) async throws -> HTTPClientResponse {
        let key = endpoint.host + " " + endpoint.repository
        var authorization = authorizations.withLock { $0[key] }
        var response = try await send(url, accept: accept, authorization: authorization)
        if response.status.code == 401 {
            let challenge = response.headers.first(name: "WWW-Authenticate") ?? ""
            _ = try? await response.body.collect(upTo: 1 << 20)
            authorization = try await authorize(challenge: challenge, endpoint: endpoint, url: url)
            authorizations.withLock { $0[key] = authorization }
            response = try await send(url, accept: accept, authorization: authorization)
        }
        guard (200..<300).contains(response.status.code) else {
            let body = try? await response.body.collect(upTo: 1 << 20)
            throw RegistryFailure(Self.explain(response, body: body, url: url))
        }
        return response
    }

    /// Streams a 2xx body into `file`, refusing more than `limit` bytes when the size is known.
    func download(_ response: HTTPClientResponse, to file: String, limit: Int?, url: String) async throws {
        guard FileManager.default.createFile(atPath: file, contents: nil),
            let handle = FileHandle(forWritingAtPath: file)
        else { throw RegistryFailure("cannot create \(file)") }
        defer { try? handle.close() }
        var written = 0
        for try await chunk in response.body {
            written += chunk.readableBytes
            if let limit, written > limit {
                throw RegistryFailure("\(url) sent more than the \(limit) bytes its descriptor declares")
            }
            try handle.write(contentsOf: Data(chunk.readableBytesView))
        }
    }

    private func send(_ url: String, accept: [String], authorization: String?) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url)
        if !accept.isEmpty { request.headers.add(name: "Accept", value: accept.joined(separator: ", ")) }
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        do {
            return try await httpClient.execute(request, timeout: Self.timeAmount(options.timeout))
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw RegistryFailure("timed out after \(options.timeout) (from \(url))")
        } catch {
            throw RegistryFailure("cannot reach \(url): \(Self.transportReason(error))")
        }
    }

    /// "connection refused" rather than NIO's nested error descriptions.
    static func transportReason(_ error: any Error) -> String {
        var underlying: any Error = error
        if let connection = error as? NIOConnectionError {
            if let dns = connection.dnsAError ?? connection.dnsAAAAError { return "cannot resolve host: \(dns)" }
            if let last = connection.connectionErrors.last { underlying = last.error }
        }
        if let io = underlying as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        return "\(underlying)"
    }

    /// Answers a 401 challenge with an `Authorization` header value.
    private func authorize(challenge: String, endpoint: RegistryEndpoint, url: String) async throws -> String {
        let parsed = RegistryChallenge(challenge)
        let credentials = options.credentials[endpoint.host]
        switch parsed?.scheme {
        case "bearer":
            guard let realm = parsed?.parameters["realm"] else {
                throw RegistryFailure("unauthorized: Bearer challenge without a realm (401 from \(url))")
            }
            let scope = parsed?.parameters["scope"] ?? "repository:\(endpoint.repository):pull"
            let token = try await fetchToken(
                realm: realm, service: parsed?.parameters["service"], scope: scope, credentials: credentials)
            return "Bearer " + token
        case "basic" where credentials != nil:
            return Self.basic(credentials!)
        default:
            throw RegistryFailure("unauthorized (401 from \(url))")
        }
    }

    private func fetchToken(
        realm: String, service: String?, scope: String, credentials: RegistryCredentials?
    ) async throws -> String {
        guard var components = URLComponents(string: realm), components.scheme != nil else {
            throw RegistryFailure("token realm '\(realm)' is not a URL")
        }
        var query = components.queryItems ?? []
        if let service { query.append(URLQueryItem(name: "service", value: service)) }
        query.append(URLQueryItem(name: "scope", value: scope))
        components.queryItems = query
        guard let tokenURL = components.string else { throw RegistryFailure("token realm '\(realm)' is not a URL") }
        let response = try await send(tokenURL, accept: [], authorization: credentials.map(Self.basic))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status.code == 200 else {
            throw RegistryFailure(Self.explain(response, body: body, url: tokenURL, what: "token request failed"))
        }
        struct TokenReply: Decodable {
            var token: String?
            var accessToken: String?
            enum CodingKeys: String, CodingKey { case token, accessToken = "access_token" }
        }
        let reply = try? JSONDecoder().decode(TokenReply.self, from: Data(body.readableBytesView))
        guard let token = reply?.token ?? reply?.accessToken, !token.isEmpty else {
            throw RegistryFailure("token endpoint \(tokenURL) returned no token")
        }
        return token
    }

    /// "manifest unknown (404 from http://…)": the registry's own error message when it sent
    /// one (`{"errors":[{"code":…,"message":…}]}`), else the HTTP reason phrase.
    static func explain(_ response: HTTPClientResponse, body: ByteBuffer?, url: String, what: String? = nil) -> String {
        struct Errors: Decodable {
            struct Entry: Decodable {
                var code: String?
                var message: String?
            }
            var errors: [Entry]?
        }
        let entries = body.flatMap { try? JSONDecoder().decode(Errors.self, from: Data($0.readableBytesView)) }?.errors
        let messages = (entries ?? []).compactMap { $0.message ?? $0.code?.lowercased() }
        let reason =
            what ?? (messages.isEmpty ? response.status.reasonPhrase.lowercased() : messages.joined(separator: "; "))
        return "\(reason) (\(response.status.code) from \(url))"
    }

    private static func basic(_ credentials: RegistryCredentials) -> String {
        "Basic " + Data("\(credentials.username):\(credentials.password)".utf8).base64EncodedString()
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// A parsed `WWW-Authenticate` header: scheme (lowercased) and its `key="value"` parameters.
struct RegistryChallenge: Equatable {
    var scheme: String
    var parameters: [String: String]

    init?(_ header: String) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") else {
            if trimmed.isEmpty { return nil }
            scheme = trimmed.lowercased()
            parameters = [:]
            return
        }
        scheme = trimmed[..<space].lowercased()
        parameters = Self.parameters(trimmed[trimmed.index(after: space)...])
    }

    /// Splits `a="x,y",b=z` on commas outside quotes.
    private static func parameters(_ text: Substring) -> [String: String] {
        var result: [String: String] = [:]
        var key = ""
        var value = ""
        var inKey = true
        var quoted = false
        func flush() {
            let name = key.trimmingCharacters(in: .whitespaces).lowercased()
            if !name.isEmpty { result[name] = value }
            key = ""
            value = ""
            inKey = true
        }
        for character in text {
            switch character {
            case "\"": quoted.toggle()
            case "=" where inKey && !quoted: inKey = false
            case "," where !quoted: flush()
            default:
                if inKey { key.append(character) } else { value.append(character) }
            }
        }
        flush()
        return result
    }
}

/// A value behind a lock, for the client's small shared tables.
final class RegistryLocked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
