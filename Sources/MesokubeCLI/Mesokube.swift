import ArgumentParser
import Foundation
import Logging

@main
struct Mesokube: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mesokube",
        abstract: "Kubernetes on a Mesos-style resource manager, as one Swift system.",
        subcommands: [
            DevCommand.self, MasterCommand.self, AgentCommand.self, ImageCommand.self, KubeletCommand.self,
        ])

    /// Every flag may also come from a `MESOKUBE_<FLAG>` environment variable
    /// (ARCHITECTURE.md §2); a flag on the command line wins.
    static func main() async {
        let given = Array(CommandLine.arguments.dropFirst())
        // Only flags the chosen subcommand has: other MESOKUBE_* variables (MESOKUBE_SUPERVISOR,
        // or flags of another subcommand) must not turn into unknown options.
        let subcommand = configuration.subcommands.first { $0.configuration.commandName == given.first }
        let known = subcommand.map { helpMessage(for: $0, columns: 1000) } ?? ""
        let arguments = EnvironmentFlags.merge(
            arguments: given, environment: ProcessInfo.processInfo.environment, knownFlags: known)
        do {
            var command = try parseAsRoot(arguments)
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

enum EnvironmentFlags {
    /// Turns `MESOKUBE_WORK_DIR=/x` into `--work-dir /x` unless `--work-dir` was given.
    /// `knownFlags`: the subcommand's help text; a variable whose flag it does not mention is
    /// left alone (nil: every variable is used).
    static func merge(arguments: [String], environment: [String: String], knownFlags: String? = nil) -> [String] {
        guard let subcommand = arguments.first, !subcommand.hasPrefix("-") else { return arguments }
        var result = arguments
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("MESOKUBE_") {
            let flag = "--" + name.dropFirst("MESOKUBE_".count).lowercased().replacingOccurrences(of: "_", with: "-")
            if arguments.contains(where: { $0 == flag || $0.hasPrefix(flag + "=") }) { continue }
            if let knownFlags, !knownFlags.contains(flag + " ") && !knownFlags.contains(flag + "\n") { continue }
            result.append(contentsOf: [flag, value])
        }
        return result
    }
}

/// Mesos duration strings (`1secs`, `500ms`, `2mins`) or plain seconds.
struct DurationFlag: ExpressibleByArgument, Sendable {
    var seconds: Double

    init(seconds: Double) { self.seconds = seconds }

    init?(argument: String) {
        let units: [(String, Double)] = [
            ("ns", 1e-9), ("us", 1e-6), ("ms", 1e-3), ("secs", 1), ("sec", 1), ("s", 1), ("mins", 60), ("min", 60),
            ("m", 60), ("hrs", 3600), ("hr", 3600), ("h", 3600), ("days", 86400), ("weeks", 604800),
        ]
        let text = argument.trimmingCharacters(in: .whitespaces)
        if let value = Double(text), value >= 0 {
            seconds = value
            return
        }
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)), value >= 0 {
                seconds = value * factor
                return
            }
        }
        return nil
    }

    var defaultValueDescription: String { "\(seconds)secs" }
}

enum LogSetup {
    static func bootstrap(level: String) {
        let parsed = Logger.Level(rawValue: level.lowercased()) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = parsed
            return handler
        }
    }
}

/// Waits for SIGINT or SIGTERM.
enum ShutdownSignal {
    static func wait() async {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        let sources = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        for await _ in stream { break }
        for source in sources { source.cancel() }
    }

    /// A shutdown that has not finished after `limit` ends the process anyway: a supervisor
    /// waiting to restart it (or a standby waiting for its lease) should not wait on a stuck stop.
    static func exitIfStuck(after limit: Duration) {
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: Double(limit.components.seconds))
            FileHandle.standardError.write(Data("shutdown did not finish in \(limit); exiting\n".utf8))
            exit(0)
        }
    }
}

/// Writes a line to stdout unbuffered, so supervisors and tests see it at once.
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
