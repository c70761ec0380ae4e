import Foundation
import HTTPSupport
import KubeTypes
import Testing

/// `kubectl logs` and `kubectl exec` (kubectl 1.37: WebSocket v5) against the API server and a
/// KubeletServer. Runs when a kubectl is found: `$KUBECTL`, else the e2e venv's `.venv/bin/kubectl`.
@Suite(.enabled(if: KubectlBinary.path != nil, "no kubectl: set KUBECTL or run `make deps-test`"))
struct KubectlNodeProxyTests {
    struct Run: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs kubectl with a kubeconfig for the cluster and a scratch HOME (empty discovery cache).
    static func kubectl(
        _ cluster: NodeProxyTests.Cluster, _ arguments: [String], stdin: String? = nil, terminal: Bool = false
    ) async throws
        -> Run
    {
        let home = cluster.directory + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let ca = Data((cluster.live.configuration.certificateAuthorityPEM ?? "").utf8).base64EncodedString()
        let kubeconfig = """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "https://127.0.0.1:\(cluster.apiPort)", certificate-authority-data: \(ca)}}]
            users: [{name: u, user: {token: test-token}}]
            contexts: [{name: x, context: {cluster: c, user: u, namespace: default}}]
            current-context: x
            """
        try kubeconfig.write(toFile: home + "/config", atomically: true, encoding: .utf8)
        let process = Process()
        let kubectl = [KubectlBinary.path!, "--kubeconfig", home + "/config"] + arguments
        if terminal {
            // `script` gives kubectl a terminal of its own, as `kubectl exec -it` needs.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            process.arguments = ["-qec", kubectl.map { "'\($0)'" }.joined(separator: " "), "/dev/null"]
        } else {
            process.executableURL = URL(fileURLWithPath: kubectl[0])
            process.arguments = Array(kubectl.dropFirst())
        }
        process.environment = ["HOME": home, "PATH": "/usr/bin:/bin"]
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
                return
            }
            if let stdin {
                input.fileHandleForWriting.write(Data(stdin.utf8))
                try? input.fileHandleForWriting.close()
            }
        }
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return Run(status: status, stdout: stdout, stderr: stderr)
    }

    @Test func logsAndExecWithTheRealClient() async throws {
        let cluster = try await NodeProxyTests.Cluster.start()
        defer { Task { await cluster.stop() } }
        try await cluster.createPod("web-0")
        let target = Process()
        target.executableURL = URL(fileURLWithPath: "/bin/sleep")
        target.arguments = ["60"]
        try target.run()
        defer { kill(target.processIdentifier, SIGKILL) }
        let path = try cluster.writeLog("web.log", "one\ntwo\n")
        cluster.access.set("default/web-0/web", logPath: path, running: false, pid: target.processIdentifier)

        let logs = try await Self.kubectl(cluster, ["logs", "web-0"])
        #expect(logs.status == 0, "\(logs.stderr)")
        #expect(logs.stdout == "one\ntwo\n")
        #expect(try await Self.kubectl(cluster, ["logs", "web-0", "--tail=1"]).stdout == "two\n")
        #expect(try await Self.kubectl(cluster, ["logs", "web-0", "-f", "--limit-bytes=3"]).stdout == "one")

        let exec = try await Self.kubectl(
            cluster, ["exec", "web-0", "--", "sh", "-c", "echo hi; echo err >&2; exit 3"])
        #expect(exec.status == 3, "\(exec.stderr)")
        #expect(exec.stdout == "hi\n")
        #expect(exec.stderr.hasPrefix("err\n"))

        let piped = try await Self.kubectl(cluster, ["exec", "-i", "web-0", "--", "cat"], stdin: "through stdin\n")
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stdout == "through stdin\n")

        if FileManager.default.isExecutableFile(atPath: "/usr/bin/script") {
            let interactive = try await Self.kubectl(
                cluster, ["exec", "-it", "web-0", "--", "sh", "-c", "tty; exit 5"], terminal: true)
            #expect(interactive.status == 5, "\(interactive.stdout) \(interactive.stderr)")
            #expect(interactive.stdout.contains("/dev/pts/"), "\(interactive.stdout)")
        }

        let timestamps = try await Self.kubectl(cluster, ["logs", "web-0", "--timestamps"])
        #expect(timestamps.status != 0)
        #expect(timestamps.stderr.contains("timestamps are not supported by this node agent yet"))
    }
}

enum KubectlBinary {
    static let path: String? = {
        if let path = ProcessInfo.processInfo.environment["KUBECTL"], FileManager.default.isExecutableFile(atPath: path)
        {
            return path
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let venv = root.appendingPathComponent(".venv/bin/kubectl").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }()
}
