import KubeTypes
import KubeletCore
import Testing

/// A pod's resolv.conf, hosts file and hostname as upstream's kubelet forms them.
@Suite struct PodDNSTests {
    static let cluster = ClusterDNS(servers: ["10.96.0.10"], domain: "cluster.local")
    static let host = ResolverConfig(
        parsing: """
            # written by the host
            nameserver 192.0.2.53
            nameserver 192.0.2.54 ; second
            search old.example
            search corp.example. lab.example .
            options edns0 ndots:2
            options ndots:3
            """)

    func pod(_ spec: JSON = .emptyObject, namespace: String = "shop") -> JSON {
        ["metadata": ["name": "web-0", "namespace": .string(namespace)], "spec": spec]
    }

    func dns(_ spec: JSON, cluster: ClusterDNS? = PodDNSTests.cluster) -> (ResolverConfig, [DNSWarning]) {
        let result = PodDNS.resolverConfig(pod: pod(spec), clusterDNS: cluster, host: Self.host)
        return (result.config, result.warnings)
    }

    @Test func hostResolvConfIsParsedAsLibcReadsIt() {
        #expect(Self.host.nameservers == ["192.0.2.53", "192.0.2.54"])
        #expect(Self.host.searches == ["corp.example", "lab.example"])
        #expect(Self.host.options == ["edns0", "ndots:3"])
    }

    @Test func clusterFirstIsTheDefault() {
        let (config, warnings) = dns(.emptyObject)
        #expect(warnings.isEmpty)
        #expect(
            config.resolvConf == """
                search shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example
                nameserver 10.96.0.10
                options ndots:5

                """)
        #expect(dns(["dnsPolicy": "ClusterFirst"]).0 == config)
    }

    @Test func hostNetworkTurnsClusterFirstIntoDefault() {
        #expect(dns(["hostNetwork": true]).0 == Self.host)
        let (withHostNet, _) = dns(["hostNetwork": true, "dnsPolicy": "ClusterFirstWithHostNet"])
        #expect(withHostNet.nameservers == ["10.96.0.10"])
        #expect(withHostNet.searches.first == "shop.svc.cluster.local")
        // Off the host network, ClusterFirstWithHostNet is plain ClusterFirst.
        #expect(dns(["dnsPolicy": "ClusterFirstWithHostNet"]).0 == dns(.emptyObject).0)
    }

    @Test func defaultIsTheHostsConfiguration() {
        let (config, warnings) = dns(["dnsPolicy": "Default"])
        #expect(config == Self.host)
        #expect(warnings.isEmpty)
    }

    @Test func withoutClusterDNSClusterFirstFallsBackWithAWarning() {
        let (config, warnings) = dns(.emptyObject, cluster: nil)
        #expect(config == Self.host)
        #expect(warnings.map(\.reason) == ["MissingClusterDNS"])
        #expect(
            warnings.first?.message
                == "kubelet does not have ClusterDNS IP configured and cannot create Pod using \"ClusterFirst\" policy. Falling back to \"Default\" policy."
        )
    }

    @Test func noneIsOnlyTheDNSConfig() {
        let (config, _) = dns([
            "dnsPolicy": "None",
            "dnsConfig": [
                "nameservers": ["1.2.3.4"], "searches": ["ns1.svc.cluster-domain.example", "my.dns.search.suffix"],
                "options": [["name": "ndots", "value": "2"], ["name": "edns0"]],
            ],
        ])
        #expect(
            config.resolvConf == """
                search ns1.svc.cluster-domain.example my.dns.search.suffix
                nameserver 1.2.3.4
                options ndots:2 edns0

                """)
    }

    @Test func dnsConfigMergesIntoThePolicysChoice() {
        let (config, _) = dns([
            "dnsConfig": [
                "nameservers": ["10.96.0.10", "1.1.1.1"], "searches": ["cluster.local", "extra.example"],
                "options": [
                    ["name": "ndots", "value": "1"], ["name": "single-request"], ["name": "timeout", "value": ""],
                ],
            ]
        ])
        #expect(config.nameservers == ["10.96.0.10", "1.1.1.1"])
        #expect(
            config.searches == [
                "shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example", "lab.example",
                "extra.example",
            ])
        #expect(config.options == ["ndots:1", "single-request", "timeout"])
    }

    @Test func limitsCutWithUpstreamsEvents() {
        let searches = (0..<40).map { JSON.string("d\($0).example") }
        let (config, warnings) = dns([
            "dnsPolicy": "None",
            "dnsConfig": ["nameservers": ["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"], "searches": .array(searches)],
        ])
        #expect(config.nameservers == ["1.1.1.1", "2.2.2.2", "3.3.3.3"])
        #expect(config.searches.count == 32)
        #expect(warnings.map(\.reason) == ["DNSConfigForming", "DNSConfigForming"])
        #expect(
            warnings.first?.message
                == "Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 1.1.1.1 2.2.2.2 3.3.3.3"
        )
        #expect(warnings.last?.message.hasPrefix("Search Line limits were exceeded") == true)
        // The character limit: cluster searches plus long host domains.
        let long = (0..<30).map { JSON.string(String(repeating: "x", count: 70) + ".example\($0)") }
        let (cut, _) = dns(["dnsConfig": ["searches": .array(long)]])
        #expect(cut.searches.joined(separator: " ").count <= 2048)
        #expect(cut.searches.first == "shop.svc.cluster.local")
    }

    @Test func hostsFileOfAPodNetwork() {
        let spec: JSON = [
            "hostAliases": [
                ["ip": "127.0.0.1", "hostnames": ["foo.local", "bar.local"]],
                ["ip": "10.1.2.3", "hostnames": ["foo.remote"]],
            ]
        ]
        #expect(
            PodHosts.managedHostsFile(pod: pod(spec), podIPs: ["10.244.1.5"], clusterDomain: "cluster.local") == """
                # Kubernetes-managed hosts file.
                127.0.0.1\tlocalhost
                ::1\tlocalhost ip6-localhost ip6-loopback
                fe00::0\tip6-localnet
                fe00::0\tip6-mcastprefix
                fe00::1\tip6-allnodes
                fe00::2\tip6-allrouters
                10.244.1.5\tweb-0

                # Entries added by HostAliases.
                127.0.0.1\tfoo.local\tbar.local
                10.1.2.3\tfoo.remote

                """)
    }

    @Test func hostnameSubdomainAndFQDN() {
        let spec: JSON = ["hostname": "db", "subdomain": "cluster"]
        let file = PodHosts.managedHostsFile(pod: pod(spec), podIPs: ["10.244.1.5"], clusterDomain: "cluster.local")
        #expect(file.contains("10.244.1.5\tdb.cluster.shop.svc.cluster.local\tdb\n"))
        #expect(PodHosts.utsHostname(pod: pod(spec), clusterDomain: "cluster.local") == "db")
        let fqdn: JSON = ["hostname": "db", "subdomain": "cluster", "setHostnameAsFQDN": true]
        #expect(
            PodHosts.utsHostname(pod: pod(fqdn), clusterDomain: "cluster.local") == "db.cluster.shop.svc.cluster.local")
        let longName: JSON = [
            "metadata": ["name": .string(String(repeating: "a", count: 62) + "-b"), "namespace": "x"]
        ]
        #expect(
            PodHosts.hostnameAndDomain(pod: longName, clusterDomain: "").hostname == String(repeating: "a", count: 62))
    }

    @Test func hostNetworkHostsFile() {
        let file = PodHosts.hostNetworkHostsFile(
            pod: pod(["hostAliases": [["ip": "10.1.2.3", "hostnames": ["x"]]]]), hostFile: "127.0.0.1 localhost\n")
        #expect(
            file
                == "# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n\n# Entries added by HostAliases.\n10.1.2.3\tx\n"
        )
    }
}
