import KubeTypes

/// A resolver configuration: the three lines of resolv.conf a pod's DNS is made of.
public struct ResolverConfig: Sendable, Hashable {
    public var nameservers: [String]
    public var searches: [String]
    /// `name` or `name:value`, as resolv.conf writes them.
    public var options: [String]

    public init(nameservers: [String] = [], searches: [String] = [], options: [String] = []) {
        self.nameservers = nameservers
        self.searches = searches
        self.options = options
    }

    /// Reads a host's resolv.conf the way upstream's kubelet does: comments (`#`, `;`) ignored,
    /// every `nameserver`, the last `search` line (trailing dots dropped, `.` left out), and
    /// `options` with a later option replacing an earlier one of the same name.
    public init(parsing text: String) {
        self.init()
        for rawLine in text.split(whereSeparator: \.isNewline) {
            var line = Substring(rawLine)
            if let comment = line.firstIndex(where: { $0 == "#" || $0 == ";" }) { line = line[..<comment] }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let keyword = fields.first else { continue }
            switch keyword {
            case "nameserver" where fields.count > 1:
                nameservers.append(fields[1])
            case "search":
                searches = fields.dropFirst().filter { $0 != "." }.map {
                    $0.hasSuffix(".") ? String($0.dropLast()) : $0
                }
            case "options":
                options = PodDNS.mergeOptions(options, fields.dropFirst().map(PodDNS.splitOption))
            default:
                continue
            }
        }
    }

    /// The file as container runtimes write it: search, then nameservers, then options.
    public var resolvConf: String {
        var text = ""
        if !searches.isEmpty { text += "search " + searches.joined(separator: " ") + "\n" }
        for server in nameservers { text += "nameserver \(server)\n" }
        if !options.isEmpty { text += "options " + options.joined(separator: " ") + "\n" }
        return text
    }
}

/// Something the kubelet warns about in an event while forming a pod's DNS, in upstream's words.
public struct DNSWarning: Sendable, Hashable {
    /// `MissingClusterDNS` or `DNSConfigForming`.
    public var reason: String
    public var message: String
}

/// Where the kubelet finds the cluster's DNS: the `kube-dns` Service's ClusterIP and the cluster
/// domain (upstream's `--cluster-dns` and `--cluster-domain`).
public struct ClusterDNS: Sendable, Hashable {
    public var servers: [String]
    public var domain: String

    public init(servers: [String], domain: String) {
        self.servers = servers
        self.domain = domain
    }
}

/// A pod's DNS as upstream's kubelet forms it (pkg/kubelet/network/dns): `spec.dnsPolicy` picks
/// the base, `spec.dnsConfig` is merged in, and the result is cut to libc's limits.
public enum PodDNS {
    /// libc's limits, which upstream's kubelet applies.
    public static let maxNameservers = 3
    public static let maxSearchPaths = 32
    public static let maxSearchListCharacters = 2048
    /// Upstream's options for ClusterFirst: names with fewer than five dots try the search path first.
    static let clusterOptions = ["ndots:5"]

    /// The pod's resolver configuration, and warnings (upstream's `DNSConfigForming` event
    /// messages) when a limit cut something. `clusterDNS` nil means this kubelet knows no cluster
    /// DNS: ClusterFirst then falls back to the host's configuration, as upstream does.
    public static func resolverConfig(
        pod: JSON, clusterDNS: ClusterDNS?, host: ResolverConfig
    ) -> (config: ResolverConfig, warnings: [DNSWarning]) {
        let spec = pod["spec"] ?? .emptyObject
        var warnings: [DNSWarning] = []
        var config: ResolverConfig
        switch policy(spec) {
        case .none:
            config = ResolverConfig()
        case .cluster:
            if let clusterDNS, !clusterDNS.servers.isEmpty {
                config = ResolverConfig(
                    nameservers: clusterDNS.servers,
                    searches: clusterSearches(namespace: pod.namespace, domain: clusterDNS.domain, host: host.searches),
                    options: clusterOptions)
            } else {
                warnings.append(
                    DNSWarning(
                        reason: "MissingClusterDNS",
                        message: "kubelet does not have ClusterDNS IP configured and cannot create Pod using "
                            + "\"ClusterFirst\" policy. Falling back to \"Default\" policy."))
                config = host
            }
        case .host:
            config = host
        }
        if let extra = spec["dnsConfig"] { config = merge(config, extra) }
        return fitToLimits(config, warnings: warnings)
    }

    enum Policy { case none, cluster, host }

    /// ClusterFirst on the host's network behaves as Default; ClusterFirstWithHostNet does not.
    static func policy(_ spec: JSON) -> Policy {
        switch spec["dnsPolicy"]?.stringValue ?? "ClusterFirst" {
        case "None": return .none
        case "ClusterFirstWithHostNet": return .cluster
        case "Default": return .host
        default: return spec["hostNetwork"]?.boolValue == true ? .host : .cluster
        }
    }

    /// `<ns>.svc.<domain> svc.<domain> <domain>`, then the host's own search domains.
    static func clusterSearches(namespace: String, domain: String, host: [String]) -> [String] {
        guard !domain.isEmpty else { return host }
        return withoutDuplicates(["\(namespace).svc.\(domain)", "svc.\(domain)", domain] + host)
    }

    /// `spec.dnsConfig` appended: nameservers and searches after the policy's (duplicates
    /// dropped), options by name (the pod's value wins).
    static func merge(_ base: ResolverConfig, _ extra: JSON) -> ResolverConfig {
        var config = base
        let servers = (extra["nameservers"]?.arrayValue ?? []).compactMap(\.stringValue)
        let searches = (extra["searches"]?.arrayValue ?? []).compactMap(\.stringValue)
        config.nameservers = withoutDuplicates(config.nameservers + servers)
        config.searches = withoutDuplicates(config.searches + searches)
        let options = (extra["options"]?.arrayValue ?? []).map { option in
            (name: option["name"]?.stringValue ?? "", value: option["value"]?.stringValue ?? "")
        }
        config.options = mergeOptions(config.options, options.filter { !$0.name.isEmpty })
        return config
    }

    /// Options in first-seen order, a later one of the same name replacing the value.
    static func mergeOptions(_ existing: [String], _ added: [(name: String, value: String)]) -> [String] {
        var order: [String] = []
        var values: [String: String] = [:]
        for (name, value) in existing.map(splitOption) + added {
            if values[name] == nil { order.append(name) }
            values[name] = value
        }
        return order.map { name in
            let value = values[name] ?? ""
            return value.isEmpty ? name : "\(name):\(value)"
        }
    }

    static func splitOption(_ text: String) -> (name: String, value: String) {
        guard let colon = text.firstIndex(of: ":") else { return (text, "") }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    static func withoutDuplicates(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }

    /// At most 3 nameservers and 32 search domains of 2048 characters in all, with upstream's
    /// event messages for what was left out.
    static func fitToLimits(
        _ config: ResolverConfig, warnings: [DNSWarning]
    ) -> (config: ResolverConfig, warnings: [DNSWarning]) {
        var config = config
        var warnings = warnings
        if config.nameservers.count > maxNameservers {
            config.nameservers = Array(config.nameservers.prefix(maxNameservers))
            warnings.append(
                DNSWarning(
                    reason: "DNSConfigForming",
                    message: "Nameserver limits were exceeded, some nameservers have been omitted, "
                        + "the applied nameserver line is: " + config.nameservers.joined(separator: " ")))
        }
        var searches = config.searches
        if searches.count > maxSearchPaths { searches = Array(searches.prefix(maxSearchPaths)) }
        while searches.joined(separator: " ").count > maxSearchListCharacters { searches.removeLast() }
        if searches != config.searches {
            config.searches = searches
            warnings.append(
                DNSWarning(
                    reason: "DNSConfigForming",
                    message: "Search Line limits were exceeded, some search paths have been omitted, "
                        + "the applied search line is: " + searches.joined(separator: " ")))
        }
        return (config, warnings)
    }
}
