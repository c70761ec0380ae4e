/// What the table says about one question.
public enum DNSAnswer: Sendable, Equatable {
    /// Records of the asked type (or the CNAME standing for the name), plus glue for the additional section.
    case records(answers: [DNSResourceRecord], additionals: [DNSResourceRecord])
    /// The name exists but has no records of the asked type; the zone's SOA goes in the authority section.
    case noData(soa: DNSResourceRecord)
    /// The name does not exist in a zone we serve.
    case nxDomain(soa: DNSResourceRecord)
    /// Outside our zones: forward it.
    case notOurs
}

/// The authoritative data of both zones, built once per snapshot: Mesos-DNS names under `<domain>.`
/// and the Kubernetes DNS specification's names under `<clusterDomain>.`.
public struct DNSRecordTable: Sendable {
    public struct Options: Sendable, Equatable {
        /// TTL of the Mesos-DNS zone. Mesos-DNS defaults to 60 s to match its 60 s state poll; the master
        /// pushes every change here, so a short TTL lets clients see a moved task within a second or two.
        public var mesosTTL: UInt32
        /// TTL of the cluster zone: CoreDNS' `kubernetes` plugin default.
        public var clusterTTL: UInt32
        /// Addresses of this DNS server, for `ns1.<domain>` and `ns.dns.<clusterDomain>`.
        public var nameserverIPs: [String]

        public init(mesosTTL: UInt32 = 1, clusterTTL: UInt32 = 5, nameserverIPs: [String] = []) {
            self.mesosTTL = mesosTTL
            self.clusterTTL = clusterTTL
            self.nameserverIPs = nameserverIPs
        }
    }

    struct Zone: Sendable {
        var apex: DNSName
        var ttl: UInt32
        var soa: DNSResourceRecord
    }

    let zones: [Zone]
    /// Records by lower-cased owner name, in the order they were added (rotated per answer).
    private(set) var records: [String: [DNSRecordData]] = [:]
    /// Every name that exists, including empty non-terminals (`svc.cluster.local.`, `marathon.mesos.`).
    private(set) var names: Set<String> = []

    public let snapshotVersion: UInt64

    public init(snapshot: DiscoverySnapshot, options: Options = Options()) {
        snapshotVersion = snapshot.version
        let serial = UInt32(truncatingIfNeeded: snapshot.version)
        let mesos = DNSName(snapshot.domain)
        let cluster = DNSName(snapshot.clusterDomain)
        // Mesos-DNS' SOA: ns1.<domain>, root.ns1.<domain>, refresh 60, retry 600, expire 86400.
        let mesosSOA = DNSStartOfAuthority(
            primaryNameServer: mesos.prepending("ns1"), responsibleMailbox: mesos.prepending("root", "ns1"),
            serial: serial, refresh: 60, retry: 600, expire: 86400, minimum: options.mesosTTL)
        // CoreDNS' SOA for the cluster zone: ns.dns.<zone>, hostmaster.<zone>, 7200/1800/86400.
        let clusterSOA = DNSStartOfAuthority(
            primaryNameServer: cluster.prepending("ns", "dns"), responsibleMailbox: cluster.prepending("hostmaster"),
            serial: serial, refresh: 7200, retry: 1800, expire: 86400, minimum: options.clusterTTL)
        zones = [
            Zone(
                apex: mesos, ttl: options.mesosTTL,
                soa: DNSResourceRecord(name: mesos, ttl: options.mesosTTL, data: .soa(mesosSOA))),
            Zone(
                apex: cluster, ttl: options.clusterTTL,
                soa: DNSResourceRecord(name: cluster, ttl: options.clusterTTL, data: .soa(clusterSOA))),
        ]
        // The longer apex first, so a cluster domain nested under the Mesos domain (or the reverse) wins.
        .sorted { $0.apex.labels.count > $1.apex.labels.count }
        var builder = DNSRecordBuilder()
        for (apex, soa, nameserver) in [
            (mesos, mesosSOA, mesos.prepending("ns1")), (cluster, clusterSOA, cluster.prepending("ns", "dns")),
        ] {
            builder.add(apex, .soa(soa))
            builder.add(apex, .ns(nameserver))
            builder.addA(nameserver, options.nameserverIPs)
        }
        builder.addMesosRecords(snapshot, domain: mesos)
        builder.addKubernetesRecords(snapshot, zone: cluster)
        records = builder.records
        names = builder.names(under: [mesos, cluster])
    }

    /// Answers `name`/`type`. `rotation` turns every record set (a round-robin counter kept by the
    /// server; Mesos-DNS shuffles for the same crude load spreading).
    public func answer(name: DNSName, type: DNSRecordType, rotation: Int = 0) -> DNSAnswer {
        guard let zone = zones.first(where: { name.isSubdomain(of: $0.apex) }) else { return .notOurs }
        let key = name.key
        let owned = records[key] ?? []
        let matching: [DNSRecordData]
        if let cname = owned.first(where: { $0.type == .cname }), type != .cname {
            matching = [cname]
        } else if type == .any {
            matching = owned
        } else {
            matching = owned.filter { $0.type == type }
        }
        guard !matching.isEmpty else {
            return names.contains(key) ? .noData(soa: zone.soa) : .nxDomain(soa: zone.soa)
        }
        let answers = Self.rotated(matching, by: rotation).map {
            DNSResourceRecord(name: name, ttl: zone.ttl, data: $0)
        }
        return .records(answers: answers, additionals: glue(for: answers, rotation: rotation))
    }

    /// A records of SRV targets and name servers that live in our zones, so a client needs no second query.
    private func glue(for answers: [DNSResourceRecord], rotation: Int) -> [DNSResourceRecord] {
        var seen: Set<String> = []
        var glue: [DNSResourceRecord] = []
        for answer in answers {
            let target: DNSName
            switch answer.data {
            case .srv(let service): target = service.target
            case .ns(let nameserver): target = nameserver
            default: continue
            }
            guard seen.insert(target.key).inserted,
                let zone = zones.first(where: { target.isSubdomain(of: $0.apex) })
            else { continue }
            for data in Self.rotated(records[target.key] ?? [], by: rotation) where data.type == .a {
                glue.append(DNSResourceRecord(name: target, ttl: zone.ttl, data: data))
            }
        }
        return glue
    }

    static func rotated<T>(_ items: [T], by rotation: Int) -> [T] {
        guard items.count > 1 else { return items }
        let shift = Int(UInt(bitPattern: rotation) % UInt(items.count))
        return Array(items[shift...] + items[..<shift])
    }
}

/// Collects records under lower-cased owner names, dropping exact duplicates (Mesos-DNS keeps sets).
struct DNSRecordBuilder {
    var records: [String: [DNSRecordData]] = [:]
    private var owners: [String: DNSName] = [:]
    /// What each name already has, so that adding stays O(1): an app of a thousand tasks puts a
    /// thousand SRV records under one name, and a linear search made every table rebuild quadratic.
    private var seen: [String: Set<DNSRecordData>] = [:]

    mutating func add(_ name: DNSName, _ data: DNSRecordData) {
        let key = name.key
        guard seen[key, default: []].insert(data).inserted else { return }
        records[key, default: []].append(data)
        owners[key] = name
    }

    /// A records for the IPv4 addresses among `ips`; others (IPv6, hostnames) are skipped.
    mutating func addA(_ name: DNSName, _ ips: [String]) {
        for ip in ips {
            if let address = IPv4Address(ip) { add(name, .a(address)) }
        }
    }

    /// Every owner name and each of its ancestors down to the zone apex (RFC 4592's empty non-terminals).
    func names(under apexes: [DNSName]) -> Set<String> {
        var names: Set<String> = []
        for name in owners.values {
            guard let apex = apexes.filter({ name.isSubdomain(of: $0) }).max(by: { $0.labels.count < $1.labels.count })
            else { continue }
            var labels = name.labels
            while labels.count >= apex.labels.count {
                names.insert(DNSName(labels: labels).key)
                labels.removeFirst()
            }
        }
        return names
    }
}
