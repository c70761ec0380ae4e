import Foundation
import HTTPSupport

/// Streams one container log: the part the options select, then (with `follow`) what the
/// container appends, until that instance stops or the client goes away.
struct ContainerLogStream: Sendable {
    let access: any KubeletContainerAccess
    let namespace: String
    let pod: String
    let container: String
    let options: ContainerLogOptions
    /// How often a followed log that has no new bytes is looked at again.
    let pollInterval: Duration

    private static let chunkBytes = 32 << 10

    func response(for location: ContainerLogLocation) throws(KubeletAccessError) -> HTTPResponse {
        let file: LogFile?
        do {
            file = try LogFile(path: location.path)
        } catch {
            throw KubeletAccessError(
                code: 500, message: "failed to read the log of container \"\(self.container)\": \(error.message)")
        }
        let start = file.map { self.startOffset(in: $0, location: location) } ?? 0
        let stream = ResponseStream()
        let follow = self.options.follow && location.running
        Task {
            await self.pump(
                file: file, path: location.path, from: start, follow: follow, isClosed: { stream.isClosed },
                send: { try await stream.write($0) })
            stream.finish()
        }
        return .stream(stream, contentType: "text/plain")
    }

    /// Where the selected part starts: after everything older than `since`, and no earlier than
    /// the last `tailLines` lines.
    ///
    /// Log lines carry no times, so `since` can only be judged per file: a file last written before
    /// the cutoff contributes nothing, and any other file is sent whole. That is exact when the
    /// instance started inside the window (`startedAt`) and may include older lines otherwise.
    func startOffset(in file: LogFile, location: ContainerLogLocation) -> Int64 {
        let status = file.status()
        var start: Int64 = 0
        if let cutoff = self.options.since, status.modified < cutoff {
            start = status.size
        }
        if let lines = self.options.tailLines {
            start = max(start, file.tailStart(lines: lines, size: status.size))
        }
        return start
    }

    /// Sends the log from `start` (and, with `follow`, what is appended while the instance runs)
    /// until `isClosed` or a failed `send`.
    func pump(
        file: LogFile?, path: String, from start: Int64, follow: Bool, isClosed: @Sendable () -> Bool,
        send: @Sendable (ByteBuffer) async throws -> Void
    ) async {
        var file = file
        var offset = start
        var remaining = self.options.limitBytes ?? Int64.max
        var following = follow
        while !isClosed() {
            if file == nil { file = try? LogFile(path: path) }
            let bytes = file?.read(at: offset, count: Int(min(Int64(Self.chunkBytes), remaining))) ?? []
            if !bytes.isEmpty {
                do {
                    try await send(ByteBuffer(bytes: bytes))
                } catch {
                    return
                }
                offset += Int64(bytes.count)
                remaining -= Int64(bytes.count)
                if remaining <= 0 { break }
                continue
            }
            guard following else { break }
            // At the end of what was written: once the instance has stopped, one more pass reads
            // whatever it wrote before it stopped, then the stream ends.
            let running = await self.access.isRunning(
                namespace: self.namespace, pod: self.pod, container: self.container, path: path)
            if !running {
                following = false
                continue
            }
            if let size = file?.status().size, size < offset { offset = 0 }  // truncated: start over
            try? await Task.sleep(for: self.pollInterval)
        }
    }
}
