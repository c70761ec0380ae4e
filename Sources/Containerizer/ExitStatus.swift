import Glibc

/// How a launched process ended, decoded from its `waitpid` status.
public enum ExitStatus: Sendable, Hashable, CustomStringConvertible {
    /// The process called `exit` (or returned from `main`) with this code (0...255).
    case exited(Int32)
    /// The process was terminated by this signal number.
    case signaled(Int32)

    /// Decodes a raw `waitpid` status. Stopped/continued statuses never reach here because the
    /// reaper does not pass `WUNTRACED`/`WCONTINUED`.
    public init(waitStatus status: Int32) {
        let termSignal = status & 0x7f
        if termSignal == 0 {
            self = .exited((status >> 8) & 0xff)
        } else {
            self = .signaled(termSignal)
        }
    }

    /// The raw wait status (`code << 8` or the signal number), as `waitpid` would report it
    /// minus the core-dump bit; Mesos carries this value in some status fields.
    public var waitStatus: Int32 {
        switch self {
        case .exited(let code): return (code & 0xff) << 8
        case .signaled(let signal): return signal & 0x7f
        }
    }

    /// True only for a clean `exit(0)`.
    public var isSuccess: Bool { self == .exited(0) }

    /// The message Mesos' command executor puts in a terminal TaskStatus
    /// (stout's `WSTRINGIFY` prefixed with "Command").
    public var mesosMessage: String { "Command " + description }

    /// "exited with status 3" / "terminated with signal Killed".
    public var description: String {
        switch self {
        case .exited(let code): return "exited with status \(code)"
        case .signaled(let signal): return "terminated with signal \(ExitStatus.signalName(signal))"
        }
    }

    /// The C library's human-readable signal description ("Killed", "Terminated").
    static func signalName(_ signal: Int32) -> String {
        guard let text = strsignal(signal) else { return "Unknown signal \(signal)" }
        return String(cString: text)
    }
}
