import HTTPSupport
import KubeTypes

/// The network side of the node proxy: plain HTTP to the kubelet, its log body streamed through as
/// it arrives, and upgraded (WebSocket) connections relayed byte for byte in both directions.
///
/// Each kubelet connection lives in a task of its own (the client API is scoped to a connection),
/// which reports the kubelet's answer back here before the client's response is produced.
extension KubeAPIServer {
    private enum KubeletAnswer: Sendable {
        /// 200 for a log: the body follows through the stream.
        case streaming
        /// 101: the kubelet's handshake headers and the sending side of its connection.
        case upgraded(HTTPHeaders, UpgradedWriter)
        /// Anything else, with its (bounded) body.
        case refused(HTTPResponseHead, ByteBuffer)
        case failed(String)
    }

    private static let maxErrorBody = 1 << 20

    /// `GET /containerLogs/…`: the body reaches the client chunk by chunk, so `follow` works;
    /// the kubelet connection closes as soon as the client goes away.
    func proxyLog(to endpoint: KubeletEndpoint, target: String) async throws -> HTTPResponse {
        let stream = ResponseStream()
        let (answers, answer) = AsyncStream.makeStream(of: KubeletAnswer.self)
        let task = Task {
            do {
                try await HTTPStreamClient.withConnection(host: endpoint.host, port: endpoint.port) { connection in
                    let head = try await connection.request(
                        method: .GET, target: target, headers: Self.kubeletHeaders(endpoint))
                    guard head.status == .ok else {
                        answer.yield(.refused(head, try await connection.collectBody(upTo: Self.maxErrorBody)))
                        return
                    }
                    answer.yield(.streaming)
                    while let chunk = try await connection.nextBodyChunk() { try await stream.write(chunk) }
                }
            } catch {
                answer.yield(.failed("\(error)"))
            }
            // A log cut short by the kubelet ends like a finished one: that is all there is.
            stream.finish()
            answer.finish()
        }
        stream.onClose { _ in task.cancel() }
        switch try await Self.firstAnswer(answers, from: endpoint, cancelling: task) {
        case .streaming:
            return .stream(stream, contentType: "text/plain")
        case .refused(let head, let body):
            return Self.relayedRefusal(head, body: body)
        case .failed(let reason):
            throw APIError.internalError("error dialing backend: \(reason)")
        case .upgraded, nil:
            throw APIError.internalError("unexpected answer from the node agent")
        }
    }

    /// exec, attach and port-forward. A WebSocket request is opened to the kubelet with the client's
    /// key and subprotocols, so the kubelet's 101 (accept value and chosen protocol) can be passed
    /// back unchanged and the frames relayed as bytes. Anything else (SPDY, which kubectl falls back
    /// to after a refused WebSocket) goes to the kubelet as a plain GET, whose refusal explains why.
    func proxyStream(_ http: HTTPRequest, to endpoint: KubeletEndpoint, target: String) async throws -> HTTPResponse {
        let webSocket = WebSocketHandshake.isWebSocketRequest(http.headers)
        var headers = Self.kubeletHeaders(endpoint)
        if webSocket {
            headers.add(name: "Connection", value: "Upgrade")
            headers.add(name: "Upgrade", value: "websocket")
            for name in ["Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Protocol"] {
                for value in http.headers[name] { headers.add(name: name, value: value) }
            }
        }
        let (answers, answer) = AsyncStream.makeStream(of: KubeletAnswer.self)
        let (clients, client) = AsyncStream.makeStream(of: UpgradedWriter.self)
        let kubeletSide = Task {
            do {
                try await HTTPStreamClient.withConnection(host: endpoint.host, port: endpoint.port) { connection in
                    let head = try await connection.request(method: .GET, target: target, headers: headers)
                    guard webSocket, head.status == .switchingProtocols else {
                        answer.yield(.refused(head, try await connection.collectBody(upTo: Self.maxErrorBody)))
                        return
                    }
                    let kubelet = try await connection.upgrade()
                    answer.yield(.upgraded(head.headers, kubelet.writer))
                    // The client's side reports in once its 101 is out (it always runs).
                    guard let clientWriter = await clients.first(where: { _ in true }) else { return }
                    await Self.relay(from: kubelet, to: clientWriter)
                }
            } catch {
                answer.yield(.failed("\(error)"))
            }
            answer.finish()
        }
        switch try await Self.firstAnswer(answers, from: endpoint, cancelling: kubeletSide) {
        case .upgraded(let kubeletHeaders, let kubeletWriter):
            var accepted = HTTPHeaders()
            for name in ["Sec-WebSocket-Accept", "Sec-WebSocket-Protocol"] {
                for value in kubeletHeaders[name] { accepted.add(name: name, value: value) }
            }
            return .switchingProtocols(to: "websocket", headers: accepted) { upgraded in
                client.yield(upgraded.writer)
                client.finish()
                await Self.relay(from: upgraded, to: kubeletWriter)
                await Self.awaitKubeletSide(kubeletSide, closing: kubeletWriter)
            }
        case .refused(let head, let body):
            return Self.relayedRefusal(head, body: body)
        case .failed(let reason):
            throw APIError.internalError("error dialing backend: \(reason)")
        case .streaming, nil:
            throw APIError.internalError("unexpected answer from the node agent")
        }
    }

    /// How long a kubelet may take to answer (its answer comes before any streaming starts).
    private static let answerTimeout: Duration = .seconds(30)

    /// The kubelet's answer, or a 504 once `answerTimeout` has passed (the kubelet task is then
    /// cancelled, which closes its connection).
    private static func firstAnswer(
        _ answers: AsyncStream<KubeletAnswer>, from endpoint: KubeletEndpoint, cancelling task: Task<Void, Never>
    ) async throws -> KubeletAnswer? {
        let answer = await withTaskGroup(of: KubeletAnswer?.self) { group in
            group.addTask { await answers.first { _ in true } }
            group.addTask {
                try? await Task.sleep(for: answerTimeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let answer else {
            task.cancel()
            throw APIError(
                code: 504, reason: "Timeout",
                message: "timed out waiting for the node agent at \(endpoint.host):\(endpoint.port) to answer")
        }
        return answer
    }

    /// Copies bytes until the source ends, then half-closes the destination so the end travels on
    /// (a WebSocket's closing handshake then completes end to end).
    private static func relay(from source: UpgradedConnection, to destination: UpgradedWriter) async {
        while let bytes = await source.read() {
            do {
                try await destination.write(bytes)
            } catch {
                break
            }
        }
        await destination.finish()
    }

    /// The client is done; the kubelet normally ends its side at once (it saw end-of-stream). One
    /// that does not (a partitioned node) is cut off, so the connection and a server shutdown
    /// never wait on it.
    private static func awaitKubeletSide(_ task: Task<Void, Never>, closing writer: UpgradedWriter) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: .seconds(10))
                writer.close()
            }
            await task.value
            group.cancelAll()
        }
    }

    private static func kubeletHeaders(_ endpoint: KubeletEndpoint) -> HTTPHeaders {
        ["Authorization": "Bearer \(endpoint.token)", "Accept": "*/*"]
    }

    /// The kubelet's refusal as the client's answer. The kubelet speaks Status already; anything
    /// else (a proxy in between, a crash page) is wrapped in one with the same code.
    private static func relayedRefusal(_ head: HTTPResponseHead, body: ByteBuffer) -> HTTPResponse {
        let code = Int(head.status.code)
        if let status = try? JSONReader.parse(Array(body.readableBytesView)), status["kind"]?.stringValue == "Status" {
            return jsonResponse(status, status: head.status)
        }
        let text = String(decoding: body.readableBytesView, as: UTF8.self)
        let message = text.isEmpty ? "the node agent answered \(code) \(head.status.reasonPhrase)" : text
        let reason = code == 404 ? "NotFound" : code >= 500 ? "InternalError" : "BadRequest"
        return statusResponse(APIError(code: code < 400 ? 502 : code, reason: reason, message: message))
    }
}
