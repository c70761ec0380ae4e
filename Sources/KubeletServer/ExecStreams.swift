import NIOCore
import NIOPosix

/// The command's standard streams as async channels (non-blocking, with back-pressure both ways).
struct ExecStreams: Sendable {
    var stdin: NIOAsyncChannelOutboundWriter<ByteBuffer>?
    /// stdout, or everything the terminal prints.
    var stdout: NIOAsyncChannelInboundStream<ByteBuffer>?
    var stderr: NIOAsyncChannelInboundStream<ByteBuffer>?
    var isTerminal: Bool

    /// Hands each descriptor to NIO and runs `body` with the streams; they close when it returns.
    /// Each channel is consumed through `executeThenClose` as soon as it exists, as NIO requires.
    static func with(
        _ descriptors: ExecDescriptors, group: any EventLoopGroup, _ body: (ExecStreams) async -> Void
    ) async throws {
        let bootstrap = NIOPipeBootstrap(group: group)
        if let terminal = descriptors.terminal {
            let channel = try await bootstrap.takingOwnershipOfDescriptor(inputOutput: terminal) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
            try await channel.executeThenClose { inbound, outbound in
                await body(ExecStreams(stdin: outbound, stdout: inbound, stderr: nil, isTerminal: true))
            }
            return
        }
        try await Self.reading(descriptors.stdout, bootstrap) { stdout in
            try await Self.reading(descriptors.stderr, bootstrap) { stderr in
                try await Self.writing(descriptors.stdin, bootstrap) { stdin in
                    await body(ExecStreams(stdin: stdin, stdout: stdout, stderr: stderr, isTerminal: false))
                }
            }
        }
    }

    private static func reading(
        _ descriptor: Int32?, _ bootstrap: NIOPipeBootstrap,
        _ body: (NIOAsyncChannelInboundStream<ByteBuffer>?) async throws -> Void
    ) async throws {
        guard let descriptor else { return try await body(nil) }
        let channel = try await bootstrap.takingOwnershipOfDescriptor(input: descriptor) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, Never>(wrappingChannelSynchronously: channel)
            }
        }
        try await channel.executeThenClose { inbound in try await body(inbound) }
    }

    private static func writing(
        _ descriptor: Int32?, _ bootstrap: NIOPipeBootstrap,
        _ body: (NIOAsyncChannelOutboundWriter<ByteBuffer>?) async throws -> Void
    ) async throws {
        guard let descriptor else { return try await body(nil) }
        let channel = try await bootstrap.takingOwnershipOfDescriptor(output: descriptor) { channel in
            channel.eventLoop.makeCompletedFuture {
                // Half-closure lets `finish()` close just the pipe: the command reads end-of-input.
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                    wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
            }
        }
        try await channel.executeThenClose { _, outbound in try await body(outbound) }
    }
}
