import HTTPSupport
import NIOCore

/// `kubectl attach` to a running container over the exec channel protocol. Containers here never
/// get a stdin or a terminal (pods asking for them are refused), so attaching streams what the
/// container writes from now on — stdout and stderr as one stream, the way its log keeps them —
/// until that instance stops, then ends with a success Status as upstream does.
struct AttachSession: Sendable {
    let log: ContainerLogStream
    let location: ContainerLogLocation
    let subprotocol: String
    /// The log's size when the attach was accepted, before the upgrade was answered: what the
    /// container writes once the client has its answer must reach it, however late this
    /// session starts running.
    let start: Int64
    /// How long the client has to answer our close frame before the connection is dropped.
    var closeGrace: Duration = .seconds(5)

    func run(_ socket: WebSocketConnection) async {
        let writer = socket.writer
        let file = try? LogFile(path: location.path)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await log.pump(
                    file: file, path: location.path, from: start, follow: true, isClosed: { Task.isCancelled },
                    send: { chunk in
                        var message = ByteBuffer(integer: ExecChannel.stdout)
                        message.writeImmutableBuffer(chunk)
                        try await writer.send(message)
                    })
                guard !Task.isCancelled else { return }
                try? await writer.send(bytes: [ExecChannel.error] + KubeletStatus.success.serializedBytes())
                await writer.close()
                try? await Task.sleep(for: closeGrace)
                writer.disconnect()
            }
            // Nothing the client sends matters (no stdin, no terminal); its leaving ends the attach.
            while await socket.receive() != nil {}
            group.cancelAll()
        }
    }
}

extension KubeletServer {
    /// Stream flags as exec takes them; stdin and tty are refused, since no container has them.
    static func attachOptions(_ request: HTTPRequest) throws(KubeletAccessError) {
        if QueryValue.bool(request, "stdin", "input") == true || QueryValue.bool(request, "tty") == true {
            throw KubeletAccessError(
                code: 400,
                message: "containers here are never started with stdin or a TTY: attach can only stream their output "
                    + "(use kubectl attach without -i/-t)")
        }
        let stdout = QueryValue.bool(request, "stdout", "output") ?? false
        let stderr = QueryValue.bool(request, "stderr", "error") ?? false
        guard stdout || stderr else {
            throw KubeletAccessError(code: 400, message: "you must specify at least 1 of stdin, stdout, stderr")
        }
    }
}
