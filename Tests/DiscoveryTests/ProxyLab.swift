import Foundation

@testable import Discovery

/// A throwaway network made of namespaces, for real-traffic proxy tests: a "node" namespace routes
/// between one namespace per backend ("pods" 10.77.<k>.2, each serving its own name over HTTP on
/// :8080 with busybox httpd) and a client namespace (10.78.0.2; the node is 10.78.0.1 there).
/// Every namespace is named `mkp-<random>-…` and deleted by `destroy()`.
final class ProxyLab: @unchecked Sendable {
    static let nodeAddress = "10.78.0.1"
    static let clientAddress = "10.78.0.2"
    static let podCIDR = "10.77.0.0/16"

    let tag = "mkp-" + String(UUID().uuidString.prefix(8)).lowercased()
    let backendCount: Int
    private let documentRoot: String
    private var servers: [Process] = []
    private var created: [String] = []

    var node: String { "\(tag)-n" }
    var client: String { "\(tag)-c" }
    func backend(_ index: Int) -> String { "\(tag)-b\(index)" }
    static func podIP(_ index: Int) -> String { "10.77.\(index).2" }

    /// Root, iptables, ip and busybox: without them these tests cannot run here.
    static var available: Bool {
        getuid() == 0
            && ["/usr/sbin/iptables-restore", "/usr/sbin/ip", "/usr/bin/curl"].allSatisfy {
                FileManager.default.isExecutableFile(atPath: $0)
            } && busybox != nil
    }

    static var busybox: String? {
        ["/usr/bin/busybox", "/bin/busybox"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private init(backends: Int) {
        backendCount = backends
        documentRoot = NSTemporaryDirectory() + "/\(tag)"
    }

    /// Builds the lab, runs `body`, and always tears the lab down.
    static func with(backends: Int = 3, _ body: (ProxyLab) async throws -> Void) async throws {
        let lab = ProxyLab(backends: backends)
        do {
            try await lab.build()
            try await body(lab)
        } catch {
            await lab.destroy()
            throw error
        }
        await lab.destroy()
    }

    private func build() async throws {
        for name in [node, client] + (1...backendCount).map(backend) {
            try await sh(["ip", "netns", "add", name])
            created.append(name)
            try await sh(["ip", "-n", name, "link", "set", "lo", "up"])
        }
        for index in 1...backendCount {
            try await link(node: "vb\(index)", "10.77.\(index).1/24", to: backend(index), Self.podIP(index) + "/24")
        }
        try await link(node: "vc", Self.nodeAddress + "/24", to: client, Self.clientAddress + "/24")
        // ClusterIPs must be routable from the node itself (clusters have a default route).
        try await sh(["ip", "-n", node, "route", "add", "default", "via", Self.clientAddress])
        for index in 1...backendCount { try await startServer(index) }
    }

    private func link(node side: String, _ nodeAddress: String, to peer: String, _ peerAddress: String) async throws {
        try await sh(["ip", "-n", node, "link", "add", side, "type", "veth", "peer", "name", "eth0", "netns", peer])
        try await sh(["ip", "-n", node, "addr", "add", nodeAddress, "dev", side])
        try await sh(["ip", "-n", node, "link", "set", side, "up"])
        try await sh(["ip", "-n", peer, "addr", "add", peerAddress, "dev", "eth0"])
        try await sh(["ip", "-n", peer, "link", "set", "eth0", "up"])
        let gateway = String(nodeAddress.prefix { $0 != "/" })
        try await sh(["ip", "-n", peer, "route", "add", "default", "via", gateway])
    }

    /// busybox httpd serving `b<k>`; restarted until it answers (binding right after the address
    /// was added can fail), for at most 60 s.
    private func startServer(_ index: Int) async throws {
        let root = "\(documentRoot)/b\(index)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try "b\(index)\n".write(toFile: "\(root)/index.html", atomically: true, encoding: .utf8)
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            process.arguments = [
                "netns", "exec", backend(index), Self.busybox!, "httpd", "-f", "-p", "\(Self.podIP(index)):8080", "-h",
                root,
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            servers.append(process)
            for _ in 0..<20 where process.isRunning {
                if await get(from: node, "http://\(Self.podIP(index)):8080/") == "b\(index)" { return }
                try await Task.sleep(for: .milliseconds(250))
            }
            stop(process)
        }
        throw ServiceProxyError.commandFailed(["httpd", backend(index)], -1, "backend b\(index) never answered")
    }

    /// The body of one HTTP GET made from namespace `namespace` on a new connection, nil on failure.
    func get(from namespace: String, _ url: String) async -> String? {
        guard
            let outcome = try? await ProxyCommand.run([
                "ip", "netns", "exec", namespace, "curl", "-s", "--max-time", "5", url,
            ]), outcome.status == 0
        else { return nil }
        return outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// How many of `count` GETs each backend answered (failures count under "").
    func spread(from namespace: String, _ url: String, count: Int) async -> [String: Int] {
        var answers: [String: Int] = [:]
        for _ in 0..<count { answers[await get(from: namespace, url) ?? "", default: 0] += 1 }
        return answers
    }

    @discardableResult
    func sh(_ arguments: [String]) async throws -> String {
        let outcome = try await ProxyCommand.run(arguments)
        guard outcome.status == 0 else {
            throw ServiceProxyError.commandFailed(arguments, outcome.status, outcome.stderr)
        }
        return outcome.stdout
    }

    /// SIGKILL, not `terminate()`: children started from a dispatch thread inherit its blocked
    /// signal mask, SIGTERM included.
    private func stop(_ process: Process) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func destroy() async {
        for server in servers { stop(server) }
        for name in created.reversed() { _ = try? await ProxyCommand.run(["ip", "netns", "del", name]) }
        created = []
        try? FileManager.default.removeItem(atPath: documentRoot)
    }
}
