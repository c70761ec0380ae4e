import KubeTypes
import Testing

@testable import KubeControllersCore

/// Services and pods as the endpoint controllers see them.
enum ServiceFixture {
    static func service(
        _ name: String = "web", selector: [String: String]? = ["app": "web"], ports: [JSON]? = nil,
        publishNotReady: Bool = false, headless: Bool = false, labels: [String: String] = [:]
    ) -> JSON {
        var spec: JSON = [
            "clusterIP": .string(headless ? "None" : "10.96.0.10"),
            "ports": .array(ports ?? [["name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080]]),
        ]
        if let selector { spec["selector"] = JSON(selector) }
        if publishNotReady { spec["publishNotReadyAddresses"] = true }
        return [
            "apiVersion": "v1", "kind": "Service",
            "metadata": [
                "name": .string(name), "namespace": "default", "uid": .string("uid-svc-" + name),
                "resourceVersion": "1", "labels": JSON(labels),
            ],
            "spec": spec,
        ]
    }

    /// A pod with `ip` (none when nil), Ready unless told otherwise, serving `ports` by name.
    static func pod(
        _ name: String, ip: String? = nil, ready: Bool = true, labels: [String: String] = ["app": "web"],
        node: String = "n1", ports: [String: Int64] = [:], phase: String = "Running", deleting: Bool = false,
        hostname: String? = nil, subdomain: String? = nil
    ) -> JSON {
        let containerPorts = ports.sorted { $0.key < $1.key }.map { name, number -> JSON in
            ["name": .string(name), "containerPort": .int(number), "protocol": "TCP"]
        }
        var pod = Fixture.pod(name, labels: labels, node: node, readySince: ready ? 0 : nil, phase: phase)
        pod[path: ["spec", "containers"]] = [["name": "main", "image": "nginx", "ports": .array(containerPorts)]]
        if let ip { pod[path: ["status", "podIP"]] = .string(ip) }
        if !ready { pod[path: ["status", "conditions"]] = [["type": "Ready", "status": "False"]] }
        if deleting { pod[path: ["metadata", "deletionTimestamp"]] = .string(Fixture.time(5)) }
        if let hostname { pod[path: ["spec", "hostname"]] = .string(hostname) }
        if let subdomain { pod[path: ["spec", "subdomain"]] = .string(subdomain) }
        return pod
    }

    static func ips(_ addresses: JSON?) -> [String] {
        (addresses?.arrayValue ?? []).compactMap { $0["ip"]?.stringValue }
    }
}

@Suite struct EndpointsReconcilerTests {
    typealias F = ServiceFixture

    @Test func readyPodsAreAddressesAndNotReadyOnesNotReadyAddresses() throws {
        let pods = [
            F.pod("a", ip: "10.0.0.2"), F.pod("b", ip: "10.0.0.1"), F.pod("c", ip: "10.0.0.3", ready: false),
            F.pod("other", ip: "10.0.0.9", labels: ["app": "db"]), F.pod("pending"),
            F.pod("done", ip: "10.0.0.4", phase: "Succeeded"), F.pod("going", ip: "10.0.0.5", deleting: true),
        ]
        let action = EndpointsReconciler.reconcile(service: F.service(), pods: pods, current: nil)
        guard case .create(let endpoints) = action else {
            Issue.record("expected a create, got \(String(describing: action))")
            return
        }
        #expect(endpoints.name == "web")
        let subsets = try #require(endpoints["subsets"]?.arrayValue)
        #expect(subsets.count == 1)
        #expect(F.ips(subsets[0]["addresses"]) == ["10.0.0.1", "10.0.0.2"])
        #expect(F.ips(subsets[0]["notReadyAddresses"]) == ["10.0.0.3"])
        #expect(subsets[0]["ports"] == [["name": "http", "port": 8080, "protocol": "TCP"]])
        let first = subsets[0]["addresses"]?.arrayValue?.first
        #expect(first?["nodeName"] == "n1")
        #expect(first?["targetRef"] == ["kind": "Pod", "namespace": "default", "name": "b", "uid": "uid-b"])
    }

    @Test func publishNotReadyAddressesListsEveryPodAsReady() throws {
        let pods = [F.pod("a", ip: "10.0.0.1", ready: false), F.pod("b", ip: "10.0.0.2", deleting: true)]
        let subsets = EndpointsReconciler.desiredSubsets(service: F.service(publishNotReady: true), pods: pods)
        #expect(F.ips(subsets.first?["addresses"]) == ["10.0.0.1", "10.0.0.2"])
        #expect(subsets.first?["notReadyAddresses"] == nil)
    }

    @Test func namedTargetPortsResolvePerPodAndGroupSubsetsByPortSet() throws {
        let service = F.service(ports: [["name": "http", "port": 80, "protocol": "TCP", "targetPort": "web"]])
        let pods = [
            F.pod("a", ip: "10.0.0.1", ports: ["web": 8080]), F.pod("b", ip: "10.0.0.2", ports: ["web": 9090]),
            F.pod("c", ip: "10.0.0.3", ports: ["web": 8080]), F.pod("lacking", ip: "10.0.0.4", ports: ["metrics": 1]),
        ]
        let subsets = EndpointsReconciler.desiredSubsets(service: service, pods: pods)
        #expect(subsets.count == 2)
        let byPort = Dictionary(
            uniqueKeysWithValues: subsets.map { ($0["ports"]?.arrayValue?.first?["port"]?.intValue ?? 0, $0) })
        #expect(F.ips(byPort[8080]?["addresses"]) == ["10.0.0.1", "10.0.0.3"])
        #expect(F.ips(byPort[9090]?["addresses"]) == ["10.0.0.2"])
    }

    @Test func hostnameIsSetWhenThePodNamesTheServiceAsSubdomain() {
        let pods = [
            F.pod("a", ip: "10.0.0.1", hostname: "a0", subdomain: "web"),
            F.pod("b", ip: "10.0.0.2", hostname: "b0", subdomain: "other"),
        ]
        let addresses = EndpointsReconciler.desiredSubsets(service: F.service(), pods: pods).first?["addresses"]
        #expect(addresses?.arrayValue?.map { $0["hostname"] } == ["a0", nil])
    }

    @Test func servicesWithoutSelectorAreLeftAlone() {
        let current: JSON = ["metadata": ["name": "web", "namespace": "default"], "subsets": [["addresses": []]]]
        #expect(
            EndpointsReconciler.reconcile(
                service: F.service(selector: nil), pods: [F.pod("a", ip: "1.1.1.1")], current: current)
                == nil)
    }

    @Test func unchangedEndpointsAreNotRewrittenAndChangedOnesAreUpdated() throws {
        let service = F.service(labels: ["team": "x"])
        let pods = [F.pod("a", ip: "10.0.0.1")]
        guard case .create(var stored) = EndpointsReconciler.reconcile(service: service, pods: pods, current: nil)
        else {
            Issue.record("expected a create")
            return
        }
        stored[path: ["metadata", "resourceVersion"]] = "7"
        #expect(stored.labels == ["team": "x"])
        #expect(EndpointsReconciler.reconcile(service: service, pods: pods, current: stored) == nil)
        let scaled = pods + [F.pod("b", ip: "10.0.0.2")]
        guard case .update(let updated) = EndpointsReconciler.reconcile(service: service, pods: scaled, current: stored)
        else {
            Issue.record("expected an update")
            return
        }
        #expect(updated[path: ["metadata", "resourceVersion"]] == "7")
        #expect(F.ips(updated["subsets"]?.arrayValue?.first?["addresses"]) == ["10.0.0.1", "10.0.0.2"])
        // No pods left: the Endpoints stays, without subsets.
        guard case .update(let emptied) = EndpointsReconciler.reconcile(service: service, pods: [], current: stored)
        else {
            Issue.record("expected an update")
            return
        }
        #expect(emptied["subsets"] == nil)
    }

    @Test func endpointsOfADeletedServiceAreDeleted() {
        let current: JSON = ["metadata": ["name": "web", "namespace": "default", "uid": "ep-uid"]]
        #expect(
            EndpointsReconciler.reconcile(service: nil, pods: [], current: current)
                == .delete(ObjectReference(namespace: "default", name: "web", uid: "ep-uid")))
        #expect(EndpointsReconciler.reconcile(service: nil, pods: [], current: nil) == nil)
    }

    @Test func headlessServicesMarkTheirEndpoints() {
        let service = F.service(ports: [], headless: true)
        guard
            case .create(let endpoints) = EndpointsReconciler.reconcile(
                service: service, pods: [F.pod("a", ip: "10.0.0.1")], current: nil)
        else {
            Issue.record("expected a create")
            return
        }
        #expect(endpoints.labels["service.kubernetes.io/headless"] == "")
        let subset = endpoints["subsets"]?.arrayValue?.first
        #expect(F.ips(subset?["addresses"]) == ["10.0.0.1"])
        #expect(subset?["ports"] == nil)
    }

    @Test func podChangesQueueTheServicesThatSelectThemBeforeOrAfter() {
        let services = [F.service("web"), F.service("db", selector: ["app": "db"]), F.service("manual", selector: nil)]
        let moved = F.pod("a", labels: ["app": "db"])
        let old = F.pod("a", labels: ["app": "web"])
        let names = ServiceEndpoints.services(forPod: moved, old: old, among: services).map(\.name)
        #expect(names == ["web", "db"])
    }
}
