import HTTPSupport
import Logging
import NIOCore

/// One `kubectl port-forward` connection: SPDY/3.1 inside WebSocket binary messages. For every
/// local connection kubectl opens two streams with the same `requestID`: an `error` stream (which
/// it only reads) and a `data` stream carrying the bytes for `port`. Each data stream becomes a
/// TCP connection to that port of the pod; the two directions are relayed until both are done,
/// and a failure to connect is written on the error stream in words kubectl prints.
struct PortForwardSession: Sendable {
    static let subprotocol = "SPDY/3.1+portforward.k8s.io"

    let target: PortForwardTarget
    let podName: String
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger

    /// Client streams in flight, as the reading task sees them.
    private struct Streams {
        var errorStreams: [String: UInt32] = [:]
        var inputs: [UInt32: AsyncStream<ByteBuffer?>.Continuation] = [:]
    }

    func run(_ socket: WebSocketConnection) async {
        let out: SPDYWriter
        let inflater: SPDYHeaderInflater
        do {
            out = try SPDYWriter(socket.writer)
            inflater = try SPDYHeaderInflater()
        } catch {
            await socket.writer.close(code: WebSocketCloseCode.internalError, reason: "\(error)")
            return
        }
        await withTaskGroup(of: Void.self) { group in
            var decoder = SPDYFrameDecoder()
            var streams = Streams()
            reading: while let message = await socket.receive() {
                decoder.append(message.data)
                do {
                    while let frame = try decoder.next() {
                        guard try await handle(frame, streams: &streams, inflater: inflater, out: out, group: &group)
                        else { break reading }
                    }
                } catch {
                    logger.info("port-forward: bad SPDY from the client", metadata: ["error": "\(error)"])
                    await out.send(.goAway(lastStreamID: 0, status: SPDYFrame.protocolError))
                    break reading
                }
            }
            for input in streams.inputs.values { input.finish() }
            group.cancelAll()
        }
        await socket.writer.close()
    }

    /// False once the client has said goodbye.
    private func handle(
        _ frame: SPDYFrame, streams: inout Streams, inflater: SPDYHeaderInflater, out: SPDYWriter,
        group: inout TaskGroup<Void>
    ) async throws -> Bool {
        switch frame {
        case .synStream(let id, let block, let fin):
            let headers = try SPDYHeaderBlock.decode(try inflater.inflate(block))
            await out.reply(id)
            let request = headers["requestid"] ?? ""
            switch headers["streamtype"] {
            case "error":
                streams.errorStreams[request] = id
            case "data":
                let (input, feed) = AsyncStream.makeStream(of: ByteBuffer?.self)
                if fin { feed.yield(nil) } else { streams.inputs[id] = feed }
                let port = headers["port"] ?? ""
                let errorStream = streams.errorStreams.removeValue(forKey: request)
                group.addTask {
                    await forward(dataStream: id, errorStream: errorStream, port: port, input: input, out: out)
                }
            default:
                await out.send(.rstStream(streamID: id, status: SPDYFrame.protocolError))
            }
        case .data(let id, let payload, let fin):
            guard let input = streams.inputs[id] else { return true }  // the error stream's FIN
            if !payload.isEmpty { input.yield(ByteBuffer(bytes: payload)) }
            if fin {
                input.yield(nil)
                streams.inputs.removeValue(forKey: id)
            }
        case .rstStream(let id, _):
            streams.inputs.removeValue(forKey: id)?.finish()
        case .ping(let id):
            await out.send(.ping(id: id))
        case .goAway:
            return false
        case .synReply:
            break
        }
        return true
    }

    /// One local connection of kubectl's: connect, then relay both ways.
    private func forward(
        dataStream: UInt32, errorStream: UInt32?, port: String, input: AsyncStream<ByteBuffer?>, out: SPDYWriter
    ) async {
        let connection: PortForwardDialer.Connection
        do {
            connection = try await PortForwardDialer.connect(target, port: Int(port) ?? 0, group: eventLoopGroup)
        } catch {
            let message = "error forwarding port \(port) to pod \(podName): \(error)"
            logger.info("port-forward failed", metadata: ["error": "\(message)"])
            if let errorStream { await out.send(.data(streamID: errorStream, payload: Array(message.utf8), fin: true)) }
            await out.send(.data(streamID: dataStream, payload: [], fin: true))
            return
        }
        try? await connection.executeThenClose { inbound, outbound in
            await withTaskGroup(of: Void.self) { relay in
                relay.addTask {
                    for await chunk in input {
                        guard let chunk else { break }
                        do { try await outbound.write(chunk) } catch { break }
                    }
                    outbound.finish()  // the client's FIN becomes the server's end of input
                }
                relay.addTask {
                    do {
                        for try await chunk in inbound {
                            await out.send(
                                .data(streamID: dataStream, payload: Array(chunk.readableBytesView), fin: false))
                        }
                    } catch {}
                    await out.send(.data(streamID: dataStream, payload: [], fin: true))
                }
                await relay.waitForAll()
            }
        }
        if let errorStream { await out.send(.data(streamID: errorStream, payload: [], fin: true)) }
    }
}

/// Frames to the client, one at a time: header blocks share one compression context, and frames
/// must not interleave inside the byte stream.
actor SPDYWriter {
    private let writer: WebSocketWriter
    private let deflater: SPDYHeaderDeflater

    init(_ writer: WebSocketWriter) throws(SPDYProtocolError) {
        self.writer = writer
        self.deflater = try SPDYHeaderDeflater()
    }

    /// The SYN_REPLY kubectl waits for before it uses a stream (no headers of our own).
    func reply(_ streamID: UInt32) async {
        await send(.synReply(streamID: streamID, headerBlock: deflater.deflate(SPDYHeaderBlock.encode([])), fin: false))
    }

    func send(_ frame: SPDYFrame) async {
        try? await writer.send(bytes: frame.encoded())
    }
}
