import Dispatch
import Foundation

/// Runs one short iptables/sysctl command to its end, off the cooperative thread pool (the child
/// takes milliseconds, but waiting blocks a thread), with the arguments as given: no shell.
enum ProxyCommand {
    struct Outcome: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], input: String? = nil) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runBlocking(arguments, input: input) })
            }
        }
    }

    private static func runBlocking(_ arguments: [String], input: String?) throws -> Outcome {
        guard let program = arguments.first else { throw ServiceProxyError.commandFailed(arguments, 0, "no command") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try resolve(program))
        process.arguments = Array(arguments.dropFirst())
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        // Input goes through a deleted temporary file, not a pipe: writing to a pipe whose reader
        // died would raise SIGPIPE in this process.
        let feed = try input.map(inputFile) ?? FileHandle.nullDevice
        defer { try? feed.close() }
        process.standardInput = feed
        do {
            try process.run()
        } catch {
            throw ServiceProxyError.commandFailed(arguments, -1, "\(program) could not start: \(error)")
        }
        // Each pipe is drained on its own thread so that neither can fill up and stall the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var errorData = Data()
        DispatchQueue.global().async(group: group) { errorData = errors.fileHandleForReading.readDataToEndOfFile() }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: errorData, as: UTF8.self))
    }

    private static func inputFile(_ text: String) throws -> FileHandle {
        let path = NSTemporaryDirectory() + "/mesokube-proxy-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)),
            let handle = FileHandle(forReadingAtPath: path)
        else { throw ServiceProxyError.commandFailed([path], -1, "could not write the rules to \(path)") }
        try? FileManager.default.removeItem(atPath: path)
        return handle
    }

    /// `Process` wants a path; look bare names up in PATH plus the sbin directories where iptables
    /// lives (a non-root PATH often lacks them).
    private static func resolve(_ program: String) throws -> String {
        if program.contains("/") { return program }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/\(program)") {
            return "\(directory)/\(program)"
        }
        throw ServiceProxyError.commandFailed([program], -1, "\(program): command not found")
    }
}
