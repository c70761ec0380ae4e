/// Names of the per-service and per-endpoint chains, and the numbers the rules print.
///
/// iptables chain names are limited to 28 characters, and they must not change between syncs for
/// the same service port or endpoint (a renamed chain would reset sessionAffinity's `recent` lists
/// and churn the whole table), so they carry a stable hash of what they stand for instead of the
/// names themselves, as kube-proxy does.
enum ProxyChainName {
    static let prefix = "MK-"
    static let services = "MK-SERVICES"
    static let externalServices = "MK-EXTERNAL-SERVICES"
    static let nodePorts = "MK-NODEPORTS"
    static let postrouting = "MK-POSTROUTING"
    static let markMasquerade = "MK-MARK-MASQ"
    static let forward = "MK-FORWARD"

    /// `MK-SVC-<16 base32 characters>`: where a service port's traffic is spread over its endpoints.
    static func service(_ key: String) -> String { "MK-SVC-" + hash(key) }
    /// `MK-EXT-<hash>`: traffic arriving from outside (NodePort, load balancer IP, Marathon service port).
    static func external(_ key: String) -> String { "MK-EXT-" + hash(key) }
    /// `MK-SEP-<hash>`: one endpoint of one service port; the key includes the endpoint.
    static func endpoint(_ key: String, ip: String, port: Int) -> String {
        "MK-SEP-" + hash("\(key)|\(ip):\(port)")
    }

    /// The first 16 base32 characters (80 bits) of the 128-bit FNV-1a hash of `key`, mixed:
    /// deterministic across processes and releases (Swift's `Hasher` is seeded per process).
    static func hash(_ key: String) -> String {
        var value: UInt128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d
        let prime: UInt128 = 0x0000_0000_0100_0000_0000_0000_0000_013b
        for byte in key.utf8 {
            value ^= UInt128(byte)
            value = value &* prime
        }
        // FNV barely changes the high bits for keys that differ only at the end (endpoints of one
        // service); two Feistel rounds of murmur's finalizer spread every bit and stay one-to-one.
        let high = mix(UInt64(truncatingIfNeeded: value >> 64) ^ mix(UInt64(truncatingIfNeeded: value)))
        let low = mix(UInt64(truncatingIfNeeded: value) ^ mix(high))
        value = UInt128(high) << 64 | UInt128(low)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var text = ""
        for index in 0..<16 {
            let shift = UInt128(128 - 5 * (index + 1))
            text.append(alphabet[Int((value >> shift) & 0x1f)])
        }
        return text
    }

    private static func mix(_ input: UInt64) -> UInt64 {
        var x = input
        x ^= x >> 33
        x = x &* 0xff51_afd7_ed55_8ccd
        x ^= x >> 33
        x = x &* 0xc4ce_b9fe_1a85_ec53
        x ^= x >> 33
        return x
    }

    /// `1/k` with ten decimals, as kube-proxy prints statistic probabilities (`%0.10f`), computed
    /// with integers so the text never depends on floating-point formatting.
    static func probability(oneIn count: Int) -> String {
        precondition(count >= 2, "the last endpoint takes the rest without a statistic match")
        let scale: UInt64 = 10_000_000_000
        let value = (scale + UInt64(count) / 2) / UInt64(count)
        let digits = String(value)
        return "0." + String(repeating: "0", count: 10 - digits.count) + digits
    }
}

/// Dotted-quad IPv4 checks: the renderer drops anything else (IPv6 addresses go to ip6tables,
/// which this proxy does not program) rather than let one bad value fail the whole
/// `iptables-restore` batch.
enum IPv4Text {
    static func isAddress(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { part in
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber),
                let value = Int(part)
            else { return false }
            return value <= 255 && (part.count == 1 || part.first != "0")
        }
    }

    static func isCIDR(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, isAddress(String(parts[0])), let bits = Int(parts[1]) else { return false }
        return (0...32).contains(bits) && parts[1].allSatisfy(\.isNumber)
    }

    static func isPort(_ port: Int) -> Bool { (1...65535).contains(port) }
}
