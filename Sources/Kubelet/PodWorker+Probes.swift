import Containerizer
import Foundation
import KubeTypes
import KubeletCore

/// Probes and lifecycle hooks: exec inside the container, HTTP GET and TCP against the pod's
/// address, as upstream's prober and hook runner do.
extension PodWorker {
    func probe(_ request: ProbeRequest) async {
        let outcome = await runHandler(
            request.handler, container: request.container, runtimeID: request.runtimeID,
            timeout: .seconds(max(1, request.timeoutSeconds)))
        feed(
            .probeResult(
                container: request.container, runtimeID: request.runtimeID, probe: request.probe,
                success: outcome.success, message: outcome.message, at: Self.now()))
    }

    /// Runs a postStart or preStop handler; returns nil on success, else why it failed.
    func runHook(_ handler: JSON, runtimeID: String, deadline: Duration) async -> String? {
        if let seconds = handler[path: ["sleep", "seconds"]]?.intValue {
            try? await Task.sleep(for: .seconds(seconds))
            return nil
        }
        let name = containers[runtimeID]?.name ?? ""
        let outcome = await runHandler(handler, container: name, runtimeID: runtimeID, timeout: deadline)
        return outcome.success ? nil : outcome.message
    }

    /// One exec, httpGet or tcpSocket handler.
    func runHandler(
        _ handler: JSON, container: String, runtimeID: String, timeout: Duration
    ) async -> (success: Bool, message: String) {
        if let command = handler[path: ["exec", "command"]]?.arrayValue {
            return await exec(command.compactMap(\.stringValue), runtimeID: runtimeID, timeout: timeout)
        }
        let host = podIPs.first ?? context.settings.hostIP
        if let get = handler["httpGet"] {
            guard let port = port(get["port"], container: container) else {
                return (false, "httpGet port \(get["port"]?.serialized() ?? "") does not name a container port")
            }
            let path = get["path"]?.stringValue ?? "/"
            let scheme = (get["scheme"]?.stringValue ?? "HTTP").lowercased()
            let target = get["host"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? host
            let result = await HealthCheckProbes.http(
                host: target, port: port, path: path.hasPrefix("/") ? path : "/" + path, scheme: scheme,
                timeout: timeout)
            return Self.verdict(result, what: "HTTP probe")
        }
        if let socket = handler["tcpSocket"] {
            guard let port = port(socket["port"], container: container) else {
                return (false, "tcpSocket port does not name a container port")
            }
            let target = socket["host"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? host
            return Self.verdict(
                await HealthCheckProbes.tcp(host: target, port: port, timeout: timeout), what: "TCP probe")
        }
        return (false, "this node agent runs exec, httpGet and tcpSocket handlers only")
    }

    func exec(_ command: [String], runtimeID: String, timeout: Duration) async -> (success: Bool, message: String) {
        guard let running = containers[runtimeID], let argv = context.runtime.enterCommand(running, command) else {
            return (false, "the container is not running")
        }
        let output = podDirectory + "/probe-\(runtimeID).out"
        let context = ProbeContext(
            sandbox: podDirectory, environment: ["PATH": ProcessLauncher.defaultSearchPath], outputPath: output)
        let result = await HealthCheckProbes.command(
            .argv(executable: "nsenter", arguments: argv), context: context, timeout: timeout)
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: output)
        switch result {
        case .command(let status) where status.isSuccess: return (true, text)
        case .command(let status):
            return (false, text.isEmpty ? "command \(command) \(status.description)" : text)
        case .timedOut: return (false, "command timed out")
        default: return Self.verdict(result, what: "exec")
        }
    }

    static func verdict(_ result: ProbeResult, what: String) -> (success: Bool, message: String) {
        switch result {
        case .http(let code) where (200..<400).contains(code): (true, "")
        case .http(let code): (false, "\(what) failed with statuscode: \(code)")
        case .tcpConnected: (true, "")
        case .timedOut: (false, "\(what) timed out")
        case .failed(let why): (false, why)
        case .command(let status): (status.isSuccess, status.description)
        }
    }

    /// A number, or the name of one of the container's ports.
    func port(_ value: JSON?, container: String) -> Int? {
        if let number = value?.intValue { return Int(number) }
        guard let name = value?.stringValue else { return nil }
        if let number = Int(name) { return number }
        let ports = containerSpec(container)?["ports"]?.arrayValue ?? []
        return ports.first { $0["name"]?.stringValue == name }?["containerPort"]?.intValue.map(Int.init)
    }
}
