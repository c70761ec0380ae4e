import Foundation
import HTTPSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Connections accepted while the server shuts down used to drop their NIO async writer
/// unfinished, a precondition failure that killed the whole process.
@Suite("HTTP server shutdown races", .timeLimit(.minutes(1)))
struct ShutdownRaceTests {
    final class StopFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var stopped = false
        var isStopped: Bool { lock.withLock { stopped } }
        func stop() { lock.withLock { stopped = true } }
    }

    /// True if a TCP connection to 127.0.0.1:`port` is accepted.
    static func connects(to port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0
    }

    @Test func connectionsArrivingDuringShutdownDoNotCrashTheProcess() async throws {
        for _ in 0..<20 {
            let server = HTTPServer(host: "127.0.0.1", port: 0, handler: { _ in .text("ok") })
            let port = try await server.start()
            let flag = StopFlag()
            for _ in 0..<2 {
                Thread {
                    while !flag.isStopped { _ = ShutdownRaceTests.connects(to: port) }
                }.start()
            }
            try await Task.sleep(for: .milliseconds(20))
            await server.shutdown()
            flag.stop()
            // The listener is gone once shutdown returns.
            #expect(!ShutdownRaceTests.connects(to: port))
        }
    }
}
