import Foundation
import Glibc

/// One agent's pod network, built the way CNI's `bridge` and `host-local` plugins build it:
/// a Linux bridge holding the gateway address of the agent's pod CIDR, and per pod a named
/// network namespace (`/var/run/netns/<prefix><pod id>`) joined to the bridge by a veth pair
/// whose pod end is `eth0`, with the pod's address and a default route through the gateway.
/// Pods reach each other over the bridge, the host reaches them through the bridge's
/// connected route, and pods of other agents on the same host through the host's routing
/// (forwarding is switched on).
///
/// Changes go through the `ip` command rather than netlink sockets: configuring a pod's
/// interface from inside its namespace needs `setns`, which applies to one thread, and a
/// Swift task may move between threads mid-function, so an in-process netlink client would
/// risk leaving one of the agent's threads in a pod's namespace. `ip -n` switches in a
/// process of its own; iproute2 is already a dependency and is the reference implementation of
/// those messages. A pod's set-up is two `ip -batch` runs (the host's side, then the pod's
/// namespace): nine `ip` processes, one per command, were 40–80 ms of every pod's start.
///
/// Every public method blocks while `ip` runs (call it off the cooperative pool, as
/// `OCIRuntime.start`) and holds one lock for its whole run: operations on the same pod must
/// not interleave, and the pool's file is rewritten on each change.
public final class PodNetwork: @unchecked Sendable {
    public let configuration: PodNetworkConfiguration
    let ipPath: String
    private let lock = NSLock()
    /// Guarded by `lock`; on disk at `configuration.stateFile` after every change.
    private var pool: PodAddressPool

    /// Loads the pool from the state file (a fresh pool if there is none). Nothing on the host
    /// changes until `ensureBridge` or `setUp`.
    public init(_ configuration: PodNetworkConfiguration) throws(PodNetworkError) {
        try configuration.validate()
        self.configuration = configuration
        do {
            ipPath = try ProcessLauncher.resolveExecutable(
                configuration.ipCommand, searchPath: ProcessLauncher.defaultSearchPath, workingDirectory: "/")
        } catch {
            throw .invalidConfiguration("iproute2's '\(configuration.ipCommand)' was not found: \(error)")
        }
        pool = try Self.loadPool(configuration)
    }

    /// The bridge's address: every pod's default gateway.
    public var gateway: IPv4Address { reading { pool.gateway } }

    /// Pod id → address, as persisted.
    public var allocations: [String: IPv4Address] { reading { pool.allocations } }

    /// Creates the bridge if it is missing, gives it the gateway address, brings it up and
    /// turns on IPv4 forwarding (pods of other agents on this host are reached through the
    /// host). Idempotent. Returns the bridge's MTU, which the pods' veths take.
    @discardableResult
    public func ensureBridge() throws(PodNetworkError) -> Int {
        try locked { () throws(PodNetworkError) -> Int in try ensureBridgeLocked() }
    }

    /// Gives the pod its namespace, veth pair and address, replacing whatever an earlier
    /// set-up of the same pod left behind (the agent crashed halfway). A pod that already
    /// holds an address keeps it. If a step fails, what was created is removed again and the
    /// address released before the error is thrown.
    public func setUp(podID: String) throws(PodNetworkError) -> PodNetworkAttachment {
        try locked { () throws(PodNetworkError) -> PodNetworkAttachment in
            let mtu = try bridgeLink()
            // On disk before anything exists on the host: every namespace of this agent then
            // has its address recorded, whenever the agent dies.
            let address = try allocateLocked(podID: podID)
            let attachment = try makeAttachment(podID: podID, address: address)
            do throws(PodNetworkError) {
                try removeLeftovers(podID: podID)
                try createInterfaces(attachment, mtu: mtu, after: bridgeCommands)
            } catch {
                try? removeLeftovers(podID: podID)
                try? releaseLocked(podID: podID)
                throw error
            }
            return attachment
        }
    }

    /// Removes the pod's veth pair and namespace and releases its address. Idempotent, and
    /// works for a pod whose set-up stopped anywhere. The address is released only once
    /// nothing is left, so a failed tear-down can be retried without handing it out twice.
    public func tearDown(podID: String) throws(PodNetworkError) {
        try locked { () throws(PodNetworkError) in
            _ = try configuration.namespaceName(podID: podID)
            try removeLeftovers(podID: podID)
            try releaseLocked(podID: podID)
        }
    }

    /// What survived a restart of the agent: its pods' namespaces and the pool's addresses.
    /// Changes nothing; the agent tears down what it no longer wants.
    public func recover() throws(PodNetworkError) -> PodNetworkInventory {
        try locked { () throws(PodNetworkError) -> PodNetworkInventory in
            let names =
                (try? FileManager.default.contentsOfDirectory(atPath: PodNetworkConfiguration.namespaceDirectory)) ?? []
            var found = configuration.podIDs(namespaceNames: names)
            // With prefixes `mk-` and `mk-a2-` on one host, the other agent's `mk-a2-x` looks
            // like pod `a2-x` of this one. A namespace not in the pool whose veth is a port of
            // another bridge belongs to that other agent.
            found = found.filter { podID in
                guard pool.address(of: podID) == nil, let host = try? configuration.hostInterface(podID: podID),
                    let master = Self.bridge(of: host)
                else { return true }
                return master == configuration.bridgeName
            }
            return PodNetworkInventory.reconcile(pool: pool, namespacePodIDs: found, configuration: configuration)
        }
    }

    /// Deletes the bridge (when the agent leaves the host for good, and in tests). Pods
    /// still attached lose their connectivity; their namespaces remain until torn down.
    public func removeBridge() throws(PodNetworkError) {
        try locked { () throws(PodNetworkError) in
            if Self.linkExists(configuration.bridgeName) { try ip(["link", "del", configuration.bridgeName]) }
        }
    }

    /// NSLock's `withLock` rethrows untyped errors; this keeps `PodNetworkError` (closures
    /// passed to it name their thrown type, which Swift 6 does not infer).
    private func locked<Result>(_ body: () throws(PodNetworkError) -> Result) throws(PodNetworkError) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func reading<Result>(_ body: () -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    // MARK: - Host changes (called with the lock held)

    private func ensureBridgeLocked() throws(PodNetworkError) -> Int {
        let mtu = try bridgeLink()
        try ipBatch(bridgeCommands)
        return mtu
    }

    /// Creates the bridge if it is missing, sets its MTU and turns on forwarding; returns the
    /// MTU. Its address and `up` are `bridgeCommands`, run in the caller's batch.
    private func bridgeLink() throws(PodNetworkError) -> Int {
        let bridge = configuration.bridgeName
        if !Self.linkExists(bridge) {
            try ip(["link", "add", bridge, "type", "bridge"])
        } else if access("/sys/class/net/\(bridge)/bridge", F_OK) != 0 {
            throw .invalidConfiguration("'\(bridge)' exists and is not a bridge; configure another bridge name")
        }
        if let mtu = configuration.mtu, Self.mtu(of: bridge) != mtu {
            try ip(["link", "set", bridge, "mtu", String(mtu)])
        }
        try Self.enableForwarding()
        guard let mtu = Self.mtu(of: bridge) else { throw .commandFailed("cannot read the MTU of bridge '\(bridge)'") }
        return mtu
    }

    /// The gateway address on the bridge, and the bridge up: `replace` adds the address or
    /// leaves it as it is, `up` is idempotent too, so every pod's set-up asserts them again.
    private var bridgeCommands: [[String]] {
        let bridge = configuration.bridgeName
        return [
            ["addr", "replace", "\(pool.gateway)/\(pool.subnet.prefixLength)", "dev", bridge],
            ["link", "set", bridge, "up"],
        ]
    }

    /// The veth pair is created with its pod end already inside the namespace and named
    /// eth0, in one step: no moment exists where a half-moved interface has a temporary name.
    /// `ip -batch` runs its lines in order and stops at the first that fails; `netns add` in a
    /// batch returns to the host's namespace before the next line (iproute2 ≥ 5.1).
    private func createInterfaces(
        _ pod: PodNetworkAttachment, mtu: Int, after bridge: [[String]]
    ) throws(PodNetworkError) {
        let namespace = try configuration.namespaceName(podID: pod.podID)
        let eth0 = PodNetworkConfiguration.podInterface
        try ipBatch(
            bridge + [
                ["netns", "add", namespace],
                [
                    "link", "add", pod.hostInterface, "mtu", String(mtu), "type", "veth", "peer", "name", eth0, "mtu",
                    String(mtu), "netns", namespace,
                ],
                ["link", "set", pod.hostInterface, "master", configuration.bridgeName, "up"],
            ])
        try ipBatch(
            [
                ["addr", "add", "\(pod.address)/\(pod.prefixLength)", "dev", eth0],
                ["link", "set", "lo", "up"],
                ["link", "set", eth0, "up"],
                ["route", "add", "default", "via", pod.gateway.description, "dev", eth0],
            ], namespace: namespace)
    }

    /// Runs `commands` in one `ip -batch` process (in `namespace` when given). The batch file
    /// sits beside the pool's state file; the lock keeps it to one writer.
    private func ipBatch(_ commands: [[String]], namespace: String? = nil) throws(PodNetworkError) {
        let path = configuration.stateFile + ".ip-batch"
        let lines = commands.map { $0.joined(separator: " ") }
        do {
            try Self.createParentDirectory(of: path)
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw .commandFailed("cannot write the ip batch '\(path)': \(error)")
        }
        defer { unlink(path) }
        do throws(PodNetworkError) {
            try ip((namespace.map { ["-n", $0] } ?? []) + ["-batch", path])
        } catch {
            throw .commandFailed("\(error) (batch: \(lines.joined(separator: "; ")))")
        }
    }

    /// Deletes the host veth first: that takes eth0 with it at once, so the pod's address stops
    /// answering even while processes still hold the namespace alive.
    private func removeLeftovers(podID: String) throws(PodNetworkError) {
        let host = try configuration.hostInterface(podID: podID)
        try delete(["link", "del", host], ifPresent: { Self.linkExists(host) })
        let namespace = try configuration.namespaceName(podID: podID)
        let path = PodNetworkConfiguration.namespaceDirectory + "/" + namespace
        try delete(["netns", "del", namespace], ifPresent: { access(path, F_OK) == 0 })
    }

    /// Runs `ip` to delete something that `exists`, and succeeds if it is gone either way: a
    /// namespace deleted by someone else takes its veth with it a moment later, from the
    /// kernel's clean-up worker, so the veth can vanish between the check and the delete.
    private func delete(_ arguments: [String], ifPresent exists: () -> Bool) throws(PodNetworkError) {
        guard exists() else { return }
        do { try ip(arguments) } catch {
            if exists() { throw error }
        }
    }

    private func makeAttachment(podID: String, address: IPv4Address) throws(PodNetworkError) -> PodNetworkAttachment {
        PodNetworkAttachment(
            podID: podID, namespacePath: try configuration.namespacePath(podID: podID), address: address,
            prefixLength: pool.subnet.prefixLength, gateway: pool.gateway,
            hostInterface: try configuration.hostInterface(podID: podID))
    }

    private func ip(_ arguments: [String]) throws(PodNetworkError) {
        do { try ImageShell.run([ipPath] + arguments) } catch {
            throw .commandFailed("\(error)")
        }
    }

    // MARK: - Pool state

    private func allocateLocked(podID: String) throws(PodNetworkError) -> IPv4Address {
        _ = try configuration.namespaceName(podID: podID)
        var next = pool
        let address = try next.allocate(podID: podID)
        if next != pool {
            try Self.store(next, to: configuration.stateFile)
            pool = next
        }
        return address
    }

    private func releaseLocked(podID: String) throws(PodNetworkError) {
        var next = pool
        guard next.release(podID: podID) != nil else { return }
        try Self.store(next, to: configuration.stateFile)
        pool = next
    }

    /// A missing file is a fresh pool; an unreadable one, or one for another CIDR, stops the
    /// agent: starting empty would hand out addresses that running pods still hold.
    static func loadPool(_ configuration: PodNetworkConfiguration) throws(PodNetworkError) -> PodAddressPool {
        let path = configuration.stateFile
        guard let data = FileManager.default.contents(atPath: path) else {
            if access(path, F_OK) == 0 { throw .stateUnusable("cannot read pod network state '\(path)'") }
            return try PodAddressPool(subnet: configuration.subnet)
        }
        let pool: PodAddressPool
        do { pool = try JSONDecoder().decode(PodAddressPool.self, from: data) } catch {
            throw .stateUnusable("pod network state '\(path)' is unreadable: \(error)")
        }
        guard pool.subnet == configuration.subnet else {
            throw .stateUnusable(
                "pod network state '\(path)' is for pod CIDR \(pool.subnet), not \(configuration.subnet):"
                    + " tear down that CIDR's pods or remove the file")
        }
        return pool
    }

    /// Written to a sibling and renamed over the old file, so a crash leaves one or the other.
    static func store(_ pool: PodAddressPool, to path: String) throws(PodNetworkError) {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            try createParentDirectory(of: path)
            try FileReplacement.write(try encoder.encode(pool), to: path)
        } catch {
            throw .commandFailed("cannot write pod network state '\(path)': \(error)")
        }
    }

    /// The directory of the agent's state files (the pool, the ip batch), made if missing.
    static func createParentDirectory(of path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
    }

    // MARK: - Host state

    static func linkExists(_ name: String) -> Bool { access("/sys/class/net/\(name)", F_OK) == 0 }

    static func mtu(of link: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/sys/class/net/\(link)/mtu", encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The bridge a link is a port of, if any.
    static func bridge(of link: String) -> String? {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/sys/class/net/\(link)/master")
        else { return nil }
        return (target as NSString).lastPathComponent
    }

    /// `sysctl -w net.ipv4.ip_forward=1`, written directly (it is what sysctl does).
    static func enableForwarding() throws(PodNetworkError) {
        let path = "/proc/sys/net/ipv4/ip_forward"
        if let current = try? String(contentsOfFile: path, encoding: .utf8), current.hasPrefix("1") { return }
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .commandFailed("cannot open \(path): \(errnoDescription(errno))") }
        defer { close(descriptor) }
        guard write(descriptor, "1\n", 2) == 2 else {
            throw .commandFailed("cannot enable IPv4 forwarding: \(errnoDescription(errno))")
        }
    }
}
