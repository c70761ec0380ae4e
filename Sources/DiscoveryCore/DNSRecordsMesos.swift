/// Mesos-DNS' names (docs/naming.md, records/generator.go), built from the snapshot instead of a
/// polled `/master/state`.
extension DNSRecordBuilder {
    mutating func addMesosRecords(_ snapshot: DiscoverySnapshot, domain: DNSName) {
        addMasterRecords(snapshot.masters, domain: domain)
        var agentIPs: [String: String] = [:]
        for agent in snapshot.agents {
            agentIPs[agent.id] = agent.ip
            // slave.<domain>: every agent.
            addA(domain.prepending("slave"), [agent.ip])
        }
        for task in snapshot.tasks {
            // Mesos-DNS skips tasks whose agent it does not know.
            guard let agentIP = agentIPs[task.agentID] else { continue }
            addTaskRecords(task, agentIP: agentIP, domain: domain)
        }
    }

    /// `leader.<domain>`, `master.<domain>` (all masters), `masterN.<domain>` (one each, in the given
    /// order), `_leader._tcp|_udp.<domain>` and `_master._tcp|_udp.<domain>`.
    private mutating func addMasterRecords(_ masters: [MasterEntry], domain: DNSName) {
        for (index, master) in masters.enumerated() {
            let numbered = domain.prepending("master\(index)")
            addA(domain.prepending("master"), [master.ip])
            addA(numbered, [master.ip])
            guard let port = UInt16(exactly: master.port) else { continue }
            for proto in ["_tcp", "_udp"] {
                add(
                    domain.prepending("_master", proto),
                    .srv(DNSService(priority: 0, weight: 0, port: port, target: numbered)))
            }
            guard master.isLeader else { continue }
            let leader = domain.prepending("leader")
            addA(leader, [master.ip])
            for proto in ["_tcp", "_udp"] {
                add(
                    domain.prepending("_leader", proto),
                    .srv(DNSService(priority: 0, weight: 0, port: port, target: leader)))
            }
        }
    }

    /// A: `<task>.<framework>.<domain>` and the canonical `<task>-<hash>-<agent>.<framework>.<domain>` →
    /// the container IP (else the agent's); the same under `.slave.` → the agent IP.
    /// SRV (host ports): `_<task>._tcp|_udp.<framework>[.slave].<domain>` → canonical `.slave.` name;
    /// DiscoveryInfo ports: `_<task>._<proto>.<framework>.<domain>` (and `_<port>._<task>…` when named)
    /// → the canonical non-slave name.
    private mutating func addTaskRecords(_ task: TaskEntry, agentIP: String, domain: DNSName) {
        let taskLabel = DNSLabels.rfc1123(task.name)
        let framework = DNSLabels.domainFragment(task.frameworkName)
        guard !taskLabel.isEmpty, !framework.isEmpty else { return }
        let frameworkLabels = framework.split(separator: ".").map(String.init)
        let canonicalLabel = "\(taskLabel)-\(DNSLabels.taskIDHash(task.id))-\(DNSLabels.agentIDTail(task.agentID))"
        func name(_ first: [String], slave: Bool) -> DNSName {
            DNSName(labels: first + frameworkLabels + (slave ? ["slave"] : []) + domain.labels)
        }
        let taskIP = task.containerIPs.first(where: { IPv4Address($0) != nil }) ?? agentIP
        for label in [taskLabel, canonicalLabel] {
            addA(name([label], slave: false), [taskIP])
            addA(name([label], slave: true), [agentIP])
        }
        for port in task.ports {
            guard let number = UInt16(exactly: port.number) else { continue }
            if task.portsFromDiscoveryInfo {
                let target = DNSService(
                    priority: 0, weight: 0, port: number, target: name([canonicalLabel], slave: false))
                let proto = "_\(port.protocol.rawValue)"
                add(name(["_\(taskLabel)", proto], slave: false), .srv(target))
                if let portName = port.name.map(DNSLabels.rfc1123), !portName.isEmpty {
                    add(name(["_\(portName)", "_\(taskLabel)", proto], slave: false), .srv(target))
                }
            } else {
                // Resource ports carry no protocol: Mesos-DNS publishes each under both.
                let target = DNSService(
                    priority: 0, weight: 0, port: number, target: name([canonicalLabel], slave: true))
                for proto in ["_tcp", "_udp"] {
                    add(name(["_\(taskLabel)", proto], slave: false), .srv(target))
                    add(name(["_\(taskLabel)", proto], slave: true), .srv(target))
                }
            }
        }
    }
}
