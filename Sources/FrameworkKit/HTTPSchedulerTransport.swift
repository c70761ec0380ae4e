import Foundation
import HTTPSupport
import MesosModel

/// The scheduler API over HTTP: every call is a JSON `POST /api/v1/scheduler`; SUBSCRIBE's
/// response is the chunked RecordIO event stream.
///
/// SUBSCRIBE follows `307 Location: //host:port/path` to the leading master, and the other calls
/// then go to that same master (they must reach the one holding the stream). When the remembered
/// master cannot be reached, the next SUBSCRIBE starts again from the configured address, which
/// will redirect to whoever leads by then.
public struct HTTPSchedulerTransport: SchedulerTransport {
    /// The scheduler endpoint path.
    public static let schedulerPath = "/api/v1/scheduler"

    private let session: HTTPClientSession
    private let target: MasterTarget
    private let maxRedirects: Int
    private let extraHeaders: [String: String]

    /// - Parameters:
    ///   - master: `host:port` (port defaults to 5050), or a URL such as `http://host:port`
    ///     (the path defaults to `/api/v1/scheduler`).
    ///   - session: the HTTP client to use; the caller owns (and shuts down) it. The default's short
    ///     connect timeout lets a re-subscription move on from a leader that died
    ///     (`HTTPClientSession.masters`).
    ///   - maxRedirects: how many 307s a SUBSCRIBE follows before giving up.
    ///   - headers: added to every request (for example `Authorization`).
    public init(
        master: String, session: HTTPClientSession = .masters, maxRedirects: Int = 3, headers: [String: String] = [:]
    ) {
        self.session = session
        self.target = MasterTarget(seed: Self.schedulerURL(for: master))
        self.maxRedirects = max(0, maxRedirects)
        self.extraHeaders = headers
    }

    /// The scheduler URL calls currently go to (the leader found by the last SUBSCRIBE).
    public var currentURL: String {
        get async { await target.current }
    }

    public func subscribe(
        _ call: SchedulerCall
    ) async throws -> (
        streamID: String, events: AsyncThrowingStream<SchedulerEvent, any Error>
    ) {
        var url = await target.current
        for _ in 0...maxRedirects {
            let response: HTTPClientSession.StreamResponse
            do {
                response = try await session.postStream(url: url, json: call, headers: headers())
            } catch {
                // Unreachable: forget the learned leader so the next attempt asks the seed again.
                await target.reset()
                throw error
            }
            let status = Int(response.status.code)
            switch status {
            case 200:
                await target.use(url)
                let streamID = response.headers.first(name: "Mesos-Stream-Id") ?? ""
                return (streamID, Self.events(from: response.records))
            case 301, 302, 303, 307, 308:
                guard let location = response.headers.first(name: "Location"),
                    let next = Self.resolve(location: location, against: url)
                else {
                    throw SchedulerCallError(status: status, message: "Redirect without a usable Location header")
                }
                url = next
            default:
                throw SchedulerCallError(status: status, message: String(decoding: response.body, as: UTF8.self))
            }
        }
        await target.reset()
        throw SchedulerCallError(status: 307, message: "Gave up after \(maxRedirects) redirects (last: \(url))")
    }

    public func send(_ call: SchedulerCall, streamID: String) async throws {
        var headers = headers()
        headers.replaceOrAdd(name: "Mesos-Stream-Id", value: streamID)
        let response = try await session.post(url: await target.current, json: call, headers: headers)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw SchedulerCallError(status: Int(response.status.code), message: response.bodyString)
        }
    }

    // MARK: Helpers

    private func headers() -> HTTPHeaders {
        var headers = HTTPHeaders()
        for (name, value) in extraHeaders.sorted(by: { $0.key < $1.key }) {
            headers.replaceOrAdd(name: name, value: value)
        }
        return headers
    }

    /// Turns the RecordIO records into decoded events. Ending the consumer closes the connection.
    static func events(from records: RecordStream) -> AsyncThrowingStream<SchedulerEvent, any Error> {
        let (events, continuation) = AsyncThrowingStream<SchedulerEvent, any Error>.makeStream()
        let reader = Task {
            do {
                let decoder = MesosJSON.decoder
                for try await record in records {
                    continuation.yield(try decoder.decode(SchedulerEvent.self, from: Data(record)))
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in
            reader.cancel()
            records.cancel()
        }
        return events
    }

    /// `host:port`, `host`, `http://host:port`, or a full URL → the scheduler endpoint URL.
    static func schedulerURL(for master: String) -> String {
        var text = master.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("//") { text = "http:" + text }
        if !text.contains("://") { text = "http://" + text }
        guard let schemeEnd = text.range(of: "://") else { return text }
        let afterScheme = text[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
        var authority = String(afterScheme[..<authorityEnd])
        var path = String(afterScheme[authorityEnd...])
        // A bare host gets the Mesos master port; `[v6]` literals keep their brackets.
        let hostPart = authority.split(separator: "]", omittingEmptySubsequences: false).last ?? ""
        if !hostPart.contains(":") { authority += ":5050" }
        if path.isEmpty || path == "/" { path = schedulerPath }
        return String(text[..<schemeEnd.upperBound]) + authority + path
    }

    /// Resolves a redirect target: protocol-relative (`//host:port/path`, what Mesos sends),
    /// absolute, or path-only.
    static func resolve(location: String, against current: String) -> String? {
        if location.hasPrefix("//") { return "http:" + location }
        if location.hasPrefix("http://") || location.hasPrefix("https://") { return location }
        if location.hasPrefix("/"), let schemeEnd = current.range(of: "://") {
            let afterScheme = current[schemeEnd.upperBound...]
            let authorityEnd = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
            return String(current[..<authorityEnd]) + location
        }
        return nil
    }
}

/// Where calls go: the configured master, or the leader it redirected us to.
private actor MasterTarget {
    let seed: String
    private(set) var current: String

    init(seed: String) {
        self.seed = seed
        self.current = seed
    }

    func use(_ url: String) { current = url }
    func reset() { current = seed }
}
