import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

@_silgen_name("setns") private func linuxSetns(_ descriptor: Int32, _ type: Int32) -> Int32

/// Opens the TCP connections port-forward relays. Inside a pod's network namespace the socket is
/// created by a thread of its own that first joins the namespace (`setns` moves only the calling
/// thread; the thread ends right after, so no other work ever runs in the pod's namespace); the
/// socket stays in that namespace and is handed to NIO.
enum PortForwardDialer {
    typealias Connection = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    static func connect(_ target: PortForwardTarget, port: Int, group: any EventLoopGroup) async throws -> Connection {
        guard (1...65535).contains(port) else { throw DialError(message: "invalid port \(port)") }
        let bootstrap = ClientBootstrap(group: group).connectTimeout(.seconds(10))
        guard let namespace = target.networkNamespace else {
            return try await bootstrap.connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try wrap(channel) }
            }
        }
        let descriptor = try await connectedSocket(inNamespace: namespace, port: port)
        return try await bootstrap.withConnectedSocket(descriptor) { channel in
            channel.eventLoop.makeCompletedFuture { try wrap(channel) }
        }
    }

    struct DialError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    private static func wrap(_ channel: any Channel) throws -> Connection {
        // Half-closure: the client's end of input reaches the server as a FIN, and the server's
        // answer can still come back.
        try Connection(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
    }

    private static func connectedSocket(inNamespace path: String, port: Int) async throws -> Int32 {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try blockingConnect(namespace: path, port: port) })
            }
            thread.start()
        }
    }

    private static func blockingConnect(namespace path: String, port: Int) throws -> Int32 {
        let namespace = open(path, O_RDONLY | O_CLOEXEC)
        guard namespace >= 0 else {
            throw DialError(message: "cannot open the pod's network namespace: \(errorText())")
        }
        defer { close(namespace) }
        let cloneNewNet: Int32 = 0x4000_0000
        guard linuxSetns(namespace, cloneNewNet) == 0 else {
            throw DialError(message: "cannot enter the pod's network namespace: \(errorText())")
        }
        let socketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let descriptor = socket(AF_INET, socketType, 0)
        guard descriptor >= 0 else { throw DialError(message: "socket: \(errorText())") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: UInt32(0x7f00_0001).bigEndian)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let reason = errorText()
            close(descriptor)
            throw DialError(message: "connect to localhost:\(port) in the pod's network namespace: \(reason)")
        }
        return descriptor
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
