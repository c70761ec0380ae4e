import KubeTypes
import Testing

@testable import KubeControllersCore

@Suite struct EndpointSliceReconcilerTests {
    typealias F = ServiceFixture
    typealias R = EndpointSliceReconciler

    /// Applies the actions as the API server would, naming created slices `web-1`, `web-2`, ...
    struct Store {
        var slices: [String: JSON] = [:]
        var serial = 0
        var writes = 0

        mutating func apply(_ actions: [EndpointSliceAction]) {
            for action in actions {
                writes += 1
                serial += 1
                switch action {
                case .create(var slice):
                    let name = (slice[path: ["metadata", "generateName"]]?.stringValue ?? "") + "\(serial)"
                    slice[path: ["metadata", "name"]] = .string(name)
                    slice[path: ["metadata", "uid"]] = .string("uid-" + name)
                    slice[path: ["metadata", "resourceVersion"]] = .string("\(serial)")
                    slices[name] = slice
                case .update(var slice):
                    slice[path: ["metadata", "resourceVersion"]] = .string("\(serial)")
                    slices[slice.name] = slice
                case .delete(let target):
                    slices.removeValue(forKey: target.name)
                }
            }
        }

        var all: [JSON] { slices.keys.sorted().compactMap { slices[$0] } }

        func endpointIPs() -> [String] {
            all.flatMap { $0["endpoints"]?.arrayValue ?? [] }
                .compactMap { $0["addresses"]?.arrayValue?.first?.stringValue }.sorted()
        }
    }

    static func pods(_ count: Int, from start: Int = 0) -> [JSON] {
        (start..<start + count).map {
            F.pod("p" + String(String($0 + 1000).dropFirst()), ip: "10.0.\($0 / 250).\($0 % 250 + 1)")
        }
    }

    @Test func slicesCarryLabelsOwnerPortsAndConditions() throws {
        let pods = [
            F.pod("a", ip: "10.0.0.1"), F.pod("b", ip: "10.0.0.2", ready: false),
            F.pod("c", ip: "10.0.0.3", deleting: true), F.pod("done", ip: "10.0.0.4", phase: "Failed"),
        ]
        let actions = R.reconcile(
            service: F.service(labels: ["team": "x"]), pods: pods, slices: [], nodeZones: ["n1": "zone-a"])
        #expect(actions.count == 1)
        guard case .create(let slice) = actions.first else {
            Issue.record("expected a create")
            return
        }
        #expect(slice[path: ["metadata", "generateName"]] == "web-")
        #expect(
            slice.labels == [
                "team": "x", "kubernetes.io/service-name": "web",
                "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
            ])
        let owner = try #require(slice[path: ["metadata", "ownerReferences"]]?.arrayValue?.first)
        #expect(owner["kind"] == "Service" && owner["uid"] == "uid-svc-web" && owner["controller"] == true)
        #expect(slice["addressType"] == "IPv4")
        #expect(slice["ports"] == [["name": "http", "port": 8080, "protocol": "TCP"]])
        let endpoints = try #require(slice["endpoints"]?.arrayValue)
        #expect(
            endpoints.map { $0["conditions"] } == [
                ["ready": true, "serving": true, "terminating": false],
                ["ready": false, "serving": false, "terminating": false],
                ["ready": false, "serving": true, "terminating": true],
            ])
        #expect(endpoints[0]["nodeName"] == "n1" && endpoints[0]["zone"] == "zone-a")
        #expect(endpoints[0]["targetRef"] == ["kind": "Pod", "namespace": "default", "name": "a", "uid": "uid-a"])
    }

    @Test func aHundredEndpointsPerSliceAndNoWritesWhenNothingChanged() {
        var store = Store()
        store.apply(R.reconcile(service: F.service(), pods: Self.pods(250), slices: []))
        #expect(store.all.map { $0["endpoints"]?.arrayValue?.count ?? 0 }.sorted() == [50, 100, 100])
        #expect(store.endpointIPs().count == 250)
        #expect(R.reconcile(service: F.service(), pods: Self.pods(250), slices: store.all).isEmpty)
    }

    @Test func scalingChangesOnlyTheSlicesConcerned() {
        var store = Store()
        store.apply(R.reconcile(service: F.service(), pods: Self.pods(150), slices: []))
        let before = store.slices
        // Ten more pods fit into the half-full slice; the full one is untouched.
        let actions = R.reconcile(service: F.service(), pods: Self.pods(160), slices: store.all)
        #expect(actions.count == 1)
        store.apply(actions)
        #expect(store.endpointIPs().count == 160)
        let untouched = before.filter { store.slices[$0.key] == $0.value }
        #expect(untouched.count == 1)
        // Scaling down empties the first slice's pods: that slice goes, the other keeps its pods.
        store.apply(R.reconcile(service: F.service(), pods: Self.pods(60, from: 100), slices: store.all))
        #expect(
            store.endpointIPs()
                == Self.pods(60, from: 100).map { $0[path: ["status", "podIP"]]!.stringValue! }.sorted())
        #expect(store.slices.count == 1)
    }

    @Test func aPodTurningReadyUpdatesItsSliceInPlace() {
        var store = Store()
        store.apply(R.reconcile(service: F.service(), pods: [F.pod("a", ip: "10.0.0.1", ready: false)], slices: []))
        let name = store.all.first?.name
        let actions = R.reconcile(service: F.service(), pods: [F.pod("a", ip: "10.0.0.1")], slices: store.all)
        guard case .update(let slice) = actions.first, actions.count == 1 else {
            Issue.record("expected one update, got \(actions)")
            return
        }
        #expect(slice.name == name)
        #expect(slice["endpoints"]?.arrayValue?.first?[path: ["conditions", "ready"]] == true)
    }

    @Test func aServiceWithoutPodsKeepsOnePlaceholderSlice() {
        var store = Store()
        store.apply(R.reconcile(service: F.service(), pods: [], slices: []))
        #expect(store.all.count == 1)
        #expect(store.all.first?["endpoints"] == [] && store.all.first?["ports"] == [])
        #expect(R.reconcile(service: F.service(), pods: [], slices: store.all).isEmpty)
        // Pods arriving replace the placeholder; pods leaving bring it back.
        store.apply(R.reconcile(service: F.service(), pods: Self.pods(2), slices: store.all))
        #expect(store.all.count == 1 && store.endpointIPs().count == 2)
        store.apply(R.reconcile(service: F.service(), pods: [], slices: store.all))
        #expect(store.all.count == 1 && store.all.first?["endpoints"] == [])
    }

    @Test func differentPortSetsGetDifferentSlicesAndStaleOnesGo() {
        let service = F.service(ports: [["name": "http", "port": 80, "protocol": "TCP", "targetPort": "web"]])
        let pods = [
            F.pod("a", ip: "10.0.0.1", ports: ["web": 8080]), F.pod("b", ip: "10.0.0.2", ports: ["web": 9090]),
        ]
        var store = Store()
        store.apply(R.reconcile(service: service, pods: pods, slices: []))
        #expect(store.all.count == 2)
        store.apply(R.reconcile(service: service, pods: [pods[0]], slices: store.all))
        #expect(store.all.count == 1)
        #expect(store.all.first?["ports"]?.arrayValue?.first?["port"] == 8080)
    }

    @Test func slicesOfOtherServicesAndControllersAreIgnored() {
        var foreign = R.newSlice(for: F.service("db"), ports: [])
        foreign[path: ["metadata", "name"]] = "db-abc"
        var mirrored = R.newSlice(for: F.service(), ports: [])
        mirrored[path: ["metadata", "name"]] = "web-mirror"
        mirrored[path: ["metadata", "labels", R.managedByLabel]] = "endpointslicemirroring-controller.k8s.io"
        let actions = R.reconcile(service: F.service(), pods: Self.pods(1), slices: [foreign, mirrored])
        #expect(actions.count == 1)
        if case .create = actions.first {} else { Issue.record("expected a create, got \(actions)") }
        #expect(R.serviceKey(ofSlice: foreign) == "default/db")
        #expect(R.serviceKey(ofSlice: mirrored) == nil)
    }

    @Test func servicesWithoutSelectorGetNoSlices() {
        #expect(R.reconcile(service: F.service(selector: nil), pods: Self.pods(3), slices: []).isEmpty)
    }
}
