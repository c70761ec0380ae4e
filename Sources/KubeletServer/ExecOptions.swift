import HTTPSupport

/// The query of `/exec/{namespace}/{pod}/{container}`, read the way the kubelet reads it.
/// Stream flags are accepted under both the names the API server forwards (`stdin`, `stdout`,
/// `stderr`) and the ones upstream's API server sends (`input`, `output`, `error`).
struct ExecOptions: Sendable, Equatable {
    var command: [String]
    var stdin: Bool
    var stdout: Bool
    var stderr: Bool
    var tty: Bool

    init(command: [String], stdin: Bool = false, stdout: Bool = true, stderr: Bool = true, tty: Bool = false) {
        self.command = command
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.tty = tty
    }

    init(_ request: HTTPRequest) throws(KubeletAccessError) {
        self.command = request.queryValues["command"] ?? []
        self.stdin = QueryValue.bool(request, "stdin", "input") ?? false
        self.stdout = QueryValue.bool(request, "stdout", "output") ?? false
        self.stderr = QueryValue.bool(request, "stderr", "error") ?? false
        self.tty = QueryValue.bool(request, "tty") ?? false
        guard !self.command.isEmpty, !self.command[0].isEmpty else {
            throw KubeletAccessError(code: 400, message: "you must specify at least one command for the container")
        }
        // A terminal has one output; upstream drops stderr rather than refusing.
        if self.tty { self.stderr = false }
        guard self.stdin || self.stdout || self.stderr else {
            throw KubeletAccessError(code: 400, message: "you must specify at least 1 of stdin, stdout, stderr")
        }
    }
}

/// The channel protocol spoken over the exec WebSocket: every binary message is one channel byte
/// followed by the payload.
enum ExecChannel {
    static let stdin: UInt8 = 0
    static let stdout: UInt8 = 1
    static let stderr: UInt8 = 2
    /// The final `Status` (v4 and later: JSON).
    static let error: UInt8 = 3
    /// Terminal size changes from the client: `{"Width":W,"Height":H}`.
    static let resize: UInt8 = 4
    /// v5: the client closes one of its streams (`[255, channel]`), e.g. stdin at end of input.
    static let close: UInt8 = 255

    static let v5 = "v5.channel.k8s.io"
    static let v4 = "v4.channel.k8s.io"
    /// Earlier versions report errors as plain text and cannot carry an exit code.
    static let supported = [v5, v4]

    /// The first protocol the client offered that is spoken here (the client's order wins, as in
    /// upstream's WebSocket server).
    static func negotiate(_ offered: [String]) throws(KubeletAccessError) -> String {
        if let chosen = offered.first(where: { supported.contains($0) }) { return chosen }
        let list = offered.isEmpty ? "none" : "[\(offered.joined(separator: " "))]"
        throw KubeletAccessError(
            code: 400,
            message: "requested protocol(s) are not supported: \(list); supports [\(supported.joined(separator: " "))]")
    }
}
