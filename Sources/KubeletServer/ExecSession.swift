import HTTPSupport
import KubeTypes
import NIOCore

/// One exec over an accepted WebSocket: starts the command, relays the channels both ways and
/// ends with the command's `Status` on the error channel and a close frame.
struct ExecSession: Sendable {
    let options: ExecOptions
    let target: ContainerExecTarget
    let subprotocol: String
    let nsenter: String
    let eventLoopGroup: any EventLoopGroup
    /// How long output may still flow once the command exited: a background child can keep the
    /// pipes open forever, and the exit status must not wait for it.
    var drainGrace: Duration = .seconds(2)
    /// How long the client has to answer our close frame before the connection is dropped.
    var closeGrace: Duration = .seconds(5)

    func run(_ socket: WebSocketConnection) async {
        let process: ExecProcess
        do {
            process = try ExecProcess.start(self.options, in: self.target, nsenter: self.nsenter)
        } catch {
            await self.end(socket, status: KubeletStatus.execFailed(error.description))
            return
        }
        do {
            try await ExecStreams.with(process.descriptors, group: self.eventLoopGroup) { streams in
                await self.relay(socket, process: process, streams: streams)
            }
        } catch {
            process.hangUp()
            await self.end(socket, status: KubeletStatus.execFailed("cannot relay the command's streams: \(error)"))
        }
    }

    /// Output and the final status go out from a child task while this task reads the client's
    /// messages (it owns the socket's reading side). If the client leaves first, the command is
    /// hung up as a closed terminal would.
    private func relay(_ socket: WebSocketConnection, process: ExecProcess, streams: ExecStreams) async {
        let writer = socket.writer
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                if let code = await self.forwardOutput(streams, process: process, to: writer) {
                    let status = code == 0 ? KubeletStatus.success : KubeletStatus.nonZeroExit(code)
                    try? await writer.send(bytes: [ExecChannel.error] + status.serializedBytes())
                }
                await writer.close()
                try? await Task.sleep(for: self.closeGrace)
                writer.disconnect()
            }
            await self.forwardInput(socket, process: process, streams: streams)
            if !process.hasExited { process.hangUp() }
            group.cancelAll()
        }
    }

    private enum OutputEvent: Sendable {
        case drained
        case exited(Int32?)
        case graceOver
    }

    /// Relays stdout and stderr until both end and the command has exited (or the drain grace is
    /// over); returns the exit code, nil if cancelled first.
    private func forwardOutput(_ streams: ExecStreams, process: ExecProcess, to writer: WebSocketWriter) async -> Int32?
    {
        await withTaskGroup(of: OutputEvent.self) { group in
            var open = 0
            let outputs = [
                (streams.stdout, ExecChannel.stdout, self.options.stdout), (streams.stderr, ExecChannel.stderr, true),
            ]
            for case let (stream?, channel, forward) in outputs {
                open += 1
                group.addTask {
                    await Self.pump(stream, channel: channel, forward: forward, to: writer)
                    return .drained
                }
            }
            group.addTask { .exited(await process.exitCode()) }
            var exited = false
            var exitCode: Int32?
            while let event = await group.next() {
                switch event {
                case .drained:
                    open -= 1
                case .exited(let code):
                    exited = true
                    exitCode = code
                    if open > 0 {
                        group.addTask {
                            try? await Task.sleep(for: self.drainGrace)
                            return .graceOver
                        }
                    }
                case .graceOver:
                    open = 0
                }
                if exited && open == 0 { break }
            }
            group.cancelAll()
            return exitCode
        }
    }

    private static func pump(
        _ stream: NIOAsyncChannelInboundStream<ByteBuffer>, channel: UInt8, forward: Bool, to writer: WebSocketWriter
    ) async {
        do {
            for try await chunk in stream where forward {
                var message = ByteBuffer()
                message.reserveCapacity(chunk.readableBytes + 1)
                message.writeInteger(channel)
                message.writeImmutableBuffer(chunk)
                try await writer.send(message)
            }
        } catch {
            // A terminal reports EIO once the command is gone; a failed send means the client is.
        }
    }

    /// Client → command: stdin bytes, terminal sizes and (v5) the end of stdin.
    private func forwardInput(_ socket: WebSocketConnection, process: ExecProcess, streams: ExecStreams) async {
        var stdin = self.options.stdin ? streams.stdin : nil
        while let message = await socket.receive() {
            var data = message.data
            guard let channel = data.readInteger(as: UInt8.self) else { continue }
            switch channel {
            case ExecChannel.stdin:
                do {
                    try await stdin?.write(data)
                } catch {
                    stdin = nil  // the command closed its stdin
                }
            case ExecChannel.resize where streams.isTerminal:
                if let (width, height) = Self.terminalSize(data) { process.resize(width: width, height: height) }
            case ExecChannel.close where self.subprotocol == ExecChannel.v5:
                if data.readInteger(as: UInt8.self) == ExecChannel.stdin, let writer = stdin {
                    await Self.endInput(writer, terminal: streams.isTerminal)
                    stdin = nil
                }
            default:
                continue  // channels a client may not write to, as upstream ignores them
            }
        }
        if let writer = stdin { await Self.endInput(writer, terminal: streams.isTerminal) }
    }

    /// A pipe is closed; a terminal cannot be, so it gets ^D, its end-of-input character.
    private static func endInput(_ writer: NIOAsyncChannelOutboundWriter<ByteBuffer>, terminal: Bool) async {
        if terminal {
            try? await writer.write(ByteBuffer(bytes: [0x04]))
        } else {
            writer.finish()
        }
    }

    /// `{"Width":W,"Height":H}` as kubectl sends it.
    static func terminalSize(_ data: ByteBuffer) -> (UInt16, UInt16)? {
        guard let size = try? JSONReader.parse(Array(data.readableBytesView)),
            let width = size["Width"]?.intValue, let height = size["Height"]?.intValue,
            (0...Int64(UInt16.max)).contains(width), (0...Int64(UInt16.max)).contains(height)
        else { return nil }
        return (UInt16(width), UInt16(height))
    }

    /// Sends a final status and closes, for an exec that never got to run.
    private func end(_ socket: WebSocketConnection, status: JSON) async {
        let writer = socket.writer
        try? await writer.send(bytes: [ExecChannel.error] + status.serializedBytes())
        await writer.close()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: self.closeGrace)
                writer.disconnect()
            }
            while await socket.receive() != nil {}
            group.cancelAll()
        }
    }
}
