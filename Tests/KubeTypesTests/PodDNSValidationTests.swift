import Testing

@testable import KubeTypes

/// `spec.dnsConfig` and `spec.hostAliases` are refused in upstream's words.
@Suite struct PodDNSValidationTests {
    func pod(_ spec: [String: JSON]) -> JSON {
        var pod = corePod()
        for (key, value) in spec { pod[path: ["spec", key]] = value }
        return pod
    }

    func messages(_ spec: [String: JSON]) -> [String] {
        createErrors("pods", pod(spec)).map(\.description)
    }

    @Test func acceptedDNSConfig() {
        let config: JSON = [
            "nameservers": ["10.0.0.53", "2001:db8::53"], "searches": ["corp.example.", "."],
            "options": [["name": "ndots", "value": "2"], ["name": "edns0"]],
        ]
        #expect(messages(["dnsPolicy": "None", "dnsConfig": config]).isEmpty)
        #expect(messages(["dnsConfig": config]).isEmpty)
    }

    @Test func policyNoneNeedsAConfigWithANameserver() {
        #expect(
            messages(["dnsPolicy": "None"]) == [
                "spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"
            ])
        #expect(
            messages(["dnsPolicy": "None", "dnsConfig": ["searches": ["a.example"]]]) == [
                "spec.dnsConfig.nameservers: Required value: must provide at least one DNS nameserver when `dnsPolicy` is None"
            ])
        // Other policies may leave the nameservers out.
        #expect(messages(["dnsConfig": ["searches": ["a.example"]]]).isEmpty)
    }

    @Test func limitsAndMalformedEntries() {
        let many = (0..<33).map { JSON.string("d\($0).example") }
        let errors = createErrors(
            "pods",
            pod([
                "dnsConfig": [
                    "nameservers": ["10.0.0.1", "10.0.0.2", "10.0.0.3", "not-an-ip"],
                    "searches": .array(many + ["Bad_Domain"]),
                    "options": [["value": "3"]],
                ]
            ]))
        let byField = Dictionary(grouping: errors, by: \.field)
        #expect(
            byField["spec.dnsConfig.nameservers"]?.first?.description.hasSuffix("must not have more than 3 nameservers")
                == true)
        #expect(
            byField["spec.dnsConfig.nameservers[3]"]?.first?.description
                == "spec.dnsConfig.nameservers[3]: Invalid value: \"not-an-ip\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
        )
        #expect(
            byField["spec.dnsConfig.searches"]?.first?.description.hasSuffix("must not have more than 32 search paths")
                == true)
        #expect(byField["spec.dnsConfig.searches[33]"] != nil)
        #expect(
            byField["spec.dnsConfig.options[0]"]?.first?.description
                == "spec.dnsConfig.options[0]: Required value: must not be empty")
    }

    @Test func searchListCharacterLimit() {
        let long = (0..<30).map { JSON.string(String(repeating: "a", count: 60) + ".example\($0)") }
        let errors = messages(["dnsConfig": ["searches": .array(long)]])
        #expect(
            errors.contains {
                $0.hasSuffix("must not have more than 2048 characters (including spaces) in the search list")
            })
    }

    @Test func hostAliases() {
        #expect(messages(["hostAliases": [["ip": "10.1.2.3", "hostnames": ["foo.local", "bar"]]]]).isEmpty)
        let errors = createErrors("pods", pod(["hostAliases": [["ip": "10.1.2", "hostnames": ["Foo_Bar"]]]]))
        #expect(errors.map(\.field).sorted() == ["spec.hostAliases[0].hostnames[0]", "spec.hostAliases[0].ip"])
    }
}
