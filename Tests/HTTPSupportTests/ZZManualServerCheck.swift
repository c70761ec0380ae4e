import HTTPSupport
import NIOCore
import Testing

@Test func zzManualServerForExternalClients() async throws {
    let server = HTTPServer(host: "127.0.0.1", port: 18089, handler: { request in
        if request.path == "/api/v1/scheduler", request.bodyString.contains("SUBSCRIBE") {
            let stream = ResponseStream()
            stream.sendRecord(Array(#"{"type":"SUBSCRIBED","subscribed":{"framework_id":{"value":"f-0000"},"heartbeat_interval_seconds":15}}"#.utf8))
            Task {
                for _ in 0..<3 {
                    try? await Task.sleep(nanoseconds: 300_000_000)
                    stream.sendRecord(Array(#"{"type":"HEARTBEAT"}"#.utf8))
                }
                let reason = try? await stream.waitUntilClosed()
                print("STREAM CLOSED: \(String(describing: reason))")
            }
            return .stream(stream, contentType: "application/json", headers: ["Mesos-Stream-Id": "sid"])
        }
        return request.method == .POST ? .empty(status: .accepted) : .json(["version": "1.11.0"])
    })
    _ = try await server.start()
    try await Task.sleep(nanoseconds: 8_000_000_000)
    await server.shutdown()
}
