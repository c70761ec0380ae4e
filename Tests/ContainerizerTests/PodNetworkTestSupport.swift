import Foundation
import Glibc
import TestSupport

@testable import Containerizer

/// One agent's pod network with names of its own (`mkt<hex>` bridge and namespace prefix, a
/// 10.250.x.0/24 CIDR no other fixture of this process uses), so tests running in parallel —
/// and the e2e agents of this host — never meet. `tearDown()` kills the servers it started,
/// removes every namespace and veth of its prefix and the bridge, whatever the test left.
final class PodNetworkFixture: @unchecked Sendable {
    let directory: TemporaryDirectory
    let configuration: PodNetworkConfiguration
    let network: PodNetwork
    private let launcher = ProcessLauncher()
    private let lock = NSLock()
    private var servers: [ProcessHandle] = []

    init() throws {
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        directory = try TemporaryDirectory("podnet")
        configuration = PodNetworkConfiguration(
            subnet: try IPv4Subnet("10.250.\(Self.nextThirdOctet()).0/24"), stateFile: directory.path + "/state.json",
            bridgeName: "mkt" + tag, namespacePrefix: "mkt\(tag)-")
        network = try PodNetwork(configuration)
    }

    private static let octets = OctetCounter()

    /// Starts at a random octet so that two test processes on one host rarely pick the same.
    private static func nextThirdOctet() -> Int { octets.next() }

    func namespace(_ podID: String) -> String { configuration.namespacePrefix + podID }

    /// Runs `ip netns exec <pod> argv` (or `argv` on the host); stdout, or nil on failure.
    func run(_ argv: [String], in podID: String? = nil) -> String? {
        let prefix = podID.map { [network.ipPath, "netns", "exec", namespace($0)] } ?? []
        return try? ImageShell.run(prefix + argv)
    }

    /// `busybox httpd` on port 80 inside the pod, serving `page`. Bounded by `timeout` so a
    /// crashed test run does not leave it behind for long.
    func startHTTPServer(in podID: String, page: String) throws {
        try directory.write("www-\(podID)/index.html", page)
        let handle = try launcher.launch(
            LaunchSpec(
                command: .argv(
                    executable: "timeout",
                    arguments: [
                        "timeout", "120", "ip", "netns", "exec", namespace(podID), "busybox", "httpd", "-f", "-p", "80",
                        "-h", directory.path + "/www-\(podID)",
                    ]),
                environment: ["PATH": ProcessLauncher.defaultSearchPath], workingDirectory: directory.path,
                stdoutPath: "httpd-\(podID).out", stderrPath: "httpd-\(podID).err"))
        lock.withLock { servers.append(handle) }
    }

    /// Fetches `url` with busybox wget from the pod (or the host), retrying while the server
    /// starts; nil if it never answered. Bounded by `timeout`: Debian's busybox 1.35 wget
    /// crashes when given its own `-T`.
    func fetch(_ url: String, from podID: String? = nil) async -> String? {
        for _ in 0..<100 {
            let page = await runOffCooperativePool {
                self.run(["timeout", "5", "busybox", "wget", "-Y", "off", "-q", "-O", "-", url], in: podID)
            }
            if let page { return page }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// Namespaces of this fixture's prefix that exist on the host.
    var namespaces: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: PodNetworkConfiguration.namespaceDirectory)) ?? [])
            .filter { $0.hasPrefix(configuration.namespacePrefix) }
    }

    /// Ports of the bridge (its `brif` directory).
    var bridgePorts: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/net/\(configuration.bridgeName)/brif")) ?? []
    }

    func tearDown() {
        for server in lock.withLock({ servers }) { launcher.signalSession(server, SIGKILL) }
        for name in namespaces {
            let podID = String(name.dropFirst(configuration.namespacePrefix.count))
            if let host = try? configuration.hostInterface(podID: podID) {
                _ = run([network.ipPath, "link", "del", host])
            }
            _ = run([network.ipPath, "netns", "del", name])
        }
        try? network.removeBridge()
        directory.remove()
    }
}

private final class OctetCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = Int.random(in: 0..<256)

    func next() -> Int {
        lock.withLock {
            value = (value + 1) % 256
            return value
        }
    }
}
