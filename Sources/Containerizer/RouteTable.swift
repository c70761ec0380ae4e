import Foundation
import Glibc

/// A route in the host's main IPv4 table: `destination` (a CIDR) via `gateway`.
public struct HostRoute: Hashable, Sendable {
    public var destination: String
    public var gateway: String

    public init(destination: String, gateway: String) {
        self.destination = destination
        self.gateway = gateway
    }
}

/// The routes one owner keeps in the host's main table, told apart from everybody else's by
/// their routing protocol number (`ip route … proto N`): the owner can list and replace its own
/// routes after a restart without remembering them, and never touches routes it did not add.
/// Like `PodNetwork`, it goes through iproute2 and blocks while `ip` runs.
public final class RouteTable: Sendable {
    /// Mesokube's pod routes: a number outside the ones iproute2 names in `rt_protos`.
    public static let podRoutesProtocol = 77

    let ipPath: String
    let protocolNumber: Int

    public init(protocolNumber: Int = RouteTable.podRoutesProtocol, ipCommand: String = "ip") throws {
        self.protocolNumber = protocolNumber
        ipPath = try ProcessLauncher.resolveExecutable(
            ipCommand, searchPath: ProcessLauncher.defaultSearchPath, workingDirectory: "/")
    }

    /// The routes of this table's protocol.
    public func installed() throws -> [HostRoute] {
        Self.parse(try ImageShell.run([ipPath, "-4", "route", "show", "proto", String(protocolNumber)]))
    }

    /// Adds the route, or moves an existing one for the same destination to the new gateway.
    public func replace(_ route: HostRoute) throws {
        try ImageShell.run([
            ipPath, "-4", "route", "replace", route.destination, "via", route.gateway, "proto", String(protocolNumber),
        ])
    }

    public func remove(_ route: HostRoute) throws {
        try ImageShell.run([
            ipPath, "-4", "route", "del", route.destination, "via", route.gateway, "proto", String(protocolNumber),
        ])
    }

    /// `ip route show` lines such as `10.244.2.0/24 via 192.168.1.12 dev eth0 proto 77`; lines
    /// without a gateway are not this table's kind of route.
    static func parse(_ output: String) -> [HostRoute] {
        output.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ").map(String.init)
            guard let destination = words.first, let via = words.firstIndex(of: "via"), via + 1 < words.count
            else { return nil }
            return HostRoute(destination: destination, gateway: words[via + 1])
        }
    }

    /// The host's own IPv4 addresses, on every interface.
    public static func localIPv4Addresses() -> Set<String> {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var addresses: Set<String> = []
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) else {
                continue
            }
            var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { inet in
                var raw = inet.pointee.sin_addr
                _ = inet_ntop(AF_INET, &raw, &text, socklen_t(INET_ADDRSTRLEN))
            }
            addresses.insert(text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        return addresses
    }
}
