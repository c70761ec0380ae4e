import DiscoveryCore
import Foundation

public enum ServiceProxyError: Error, Equatable, CustomStringConvertible {
    /// A command exited unsuccessfully: its arguments, exit status and what it wrote to stderr.
    case commandFailed([String], Int32, String)

    public var description: String {
        switch self {
        case .commandFailed(let arguments, let status, let stderr):
            let detail = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            return "\(arguments.prefix(4).joined(separator: " ")) failed (status \(status)): \(detail)"
        }
    }
}

/// The agent's service proxy: keeps this node's iptables rules (kube-proxy's iptables mode, plus
/// Marathon service ports as marathon-lb publishes them) equal to the latest discovery snapshot.
/// `ProxyRules` decides the rules; this actor applies them with one atomic `iptables-restore` per
/// change and owns nothing else: every chain it creates starts with `MK-`.
public actor ServiceProxy {
    public let node: ProxyNode
    private let commandPrefix: [String]
    private let configureKernel: Bool
    private var kernelConfigured = false
    /// The rules last applied successfully (without stale-chain deletions); an unchanged snapshot
    /// renders the same text and is skipped.
    public private(set) var appliedRules: String?

    /// - Parameters:
    ///   - commandPrefix: put before every command, e.g. `["ip", "netns", "exec", "ns1"]` to program
    ///     another network namespace (tests); empty runs `iptables` here.
    ///   - configureKernel: set the sysctls proxied traffic needs (IP forwarding, route_localnet so
    ///     NodePorts answer on 127.0.0.1, bridge-nf-call-iptables) before the first apply.
    public init(node: ProxyNode = ProxyNode(), commandPrefix: [String] = [], configureKernel: Bool = true) {
        self.node = node
        self.commandPrefix = commandPrefix
        self.configureKernel = configureKernel
    }

    /// Renders `snapshot` and, unless the result equals what was last applied (or `force`), replaces
    /// every MK- chain in one `iptables-restore --noflush` transaction, deleting chains of services
    /// that are gone, then makes sure the jumps from the built-in chains exist. Throws
    /// `ServiceProxyError` with the failing command's stderr; the caller logs and retries.
    public func apply(_ snapshot: DiscoverySnapshot, force: Bool = false) async throws {
        let rules = ProxyRules.build(snapshot, node: node)
        let desired = rules.restoreInput()
        if !force, desired == appliedRules { return }
        appliedRules = nil
        if configureKernel, !kernelConfigured {
            try await setSysctls()
            kernelConfigured = true
        }
        let existing = ProxyRules.ownedChains(inSave: try await run(["iptables-save"]).stdout)
        try await run(["iptables-restore", "-w", "--noflush"], input: rules.restoreInput(stale: existing))
        try await ensureJumps()
        appliedRules = desired
    }

    /// Deletes the jumps into MK- chains and every MK- chain (tests, and agents asked to clean up
    /// when they stop).
    public func removeAll() async throws {
        appliedRules = nil
        for jump in ProxyRules.jumps {
            // A jump inserted twice (by hand, or a crash between -C and -I) is deleted twice.
            var deletions = 0
            while deletions < 8, try await exists(jump) {
                try await run(["iptables", "-w", "-t", jump.table, "-D", jump.chain] + jump.rule)
                deletions += 1
            }
        }
        let existing = ProxyRules.ownedChains(inSave: try await run(["iptables-save"]).stdout)
        guard !existing.isEmpty else { return }
        var input = ""
        for (table, chains) in existing.sorted(by: { $0.key < $1.key }) {
            input += "*\(table)\n"
            for chain in chains { input += ":\(chain) - [0:0]\n" }
            for chain in chains { input += "-X \(chain)\n" }
            input += "COMMIT\n"
        }
        try await run(["iptables-restore", "-w", "--noflush"], input: input)
    }

    private func ensureJumps() async throws {
        for jump in ProxyRules.jumps where try await !exists(jump) {
            try await run(["iptables", "-w", "-t", jump.table, "-I", jump.chain, "1"] + jump.rule)
        }
    }

    private func exists(_ jump: ProxyJump) async throws -> Bool {
        let outcome = try await ProxyCommand.run(
            commandPrefix + ["iptables", "-w", "-t", jump.table, "-C", jump.chain] + jump.rule)
        return outcome.status == 0
    }

    private func setSysctls() async throws {
        try await run(["sysctl", "-w", "net.ipv4.ip_forward=1"])
        try await run(["sysctl", "-w", "net.ipv4.conf.all.route_localnet=1"])
        // Only there when br_netfilter is loaded; without it bridged pod-to-Service replies skip
        // conntrack's un-NAT, but nothing else depends on it, so its absence is not an error.
        _ = try await ProxyCommand.run(commandPrefix + ["sysctl", "-w", "net.bridge.bridge-nf-call-iptables=1"])
    }

    @discardableResult
    private func run(_ arguments: [String], input: String? = nil) async throws -> ProxyCommand.Outcome {
        let command = commandPrefix + arguments
        let outcome = try await ProxyCommand.run(command, input: input)
        guard outcome.status == 0 else {
            throw ServiceProxyError.commandFailed(command, outcome.status, outcome.stderr)
        }
        return outcome
    }
}
