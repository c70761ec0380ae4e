import Testing

@testable import KubeTypes

@Suite struct CoreV1PrinterTests {
    /// 2026-11-21T10:00:00Z.
    let now = Timestamp.parse("2026-11-21T10:00:00Z")!

    func cells(_ plural: String, _ object: JSON) -> [JSON] {
        coreResource(plural).strategy.table.cells(object, now)
    }

    func column(_ plural: String, _ name: String, _ object: JSON) -> JSON? {
        let table = coreResource(plural).strategy.table
        guard let index = table.columns.firstIndex(where: { $0.name == name }) else { return nil }
        return table.cells(object, now)[index]
    }

    func pod(containers: Int = 1, status: JSON, extra: (inout JSON) -> Void = { _ in }) -> JSON {
        var pod: JSON = [
            "metadata": ["name": "web-0", "creationTimestamp": "2026-11-21T09:00:00Z"],
            "spec": ["containers": .array((0..<containers).map { ["name": .string("c\($0)"), "image": "x"] })],
            "status": status,
        ]
        extra(&pod)
        return pod
    }

    @Test func columnsMatchCells() {
        for resource in CoreV1.resources {
            let table = resource.strategy.table
            #expect(table.cells(.emptyObject, now).count == table.columns.count, "\(resource.plural)")
        }
        let pods = coreResource("pods").strategy.table.columns
        #expect(
            pods.map(\.name) == [
                "Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates",
            ])
        #expect(pods.map(\.priority) == [0, 0, 0, 0, 0, 1, 1, 1, 1])
    }

    @Test func runningPod() {
        let running = pod(
            containers: 2,
            status: [
                "phase": "Running", "podIPs": [["ip": "10.1.0.4"]],
                "containerStatuses": [
                    ["name": "c0", "ready": true, "restartCount": 0, "state": ["running": [:]]],
                    [
                        "name": "c1", "ready": false, "restartCount": 2, "state": ["running": [:]],
                        "lastState": ["terminated": ["exitCode": 1, "finishedAt": "2026-11-21T09:59:15Z"]],
                    ],
                ],
            ])
        let row = cells("pods", running)
        #expect(Array(row[0..<6]) == ["web-0", "1/2", "Running", "2 (45s ago)", "60m", "10.1.0.4"])
        #expect(Array(row[6...]) == ["<none>", "<none>", "<none>"])
    }

    @Test func waitingAndTerminatedReasons() {
        let crashing = pod(status: [
            "phase": "Running",
            "containerStatuses": [
                ["name": "c0", "ready": false, "restartCount": 5, "state": ["waiting": ["reason": "CrashLoopBackOff"]]]
            ],
        ])
        #expect(column("pods", "Status", crashing) == "CrashLoopBackOff")
        #expect(column("pods", "Restarts", crashing) == "5")
        let completed = pod(status: [
            "phase": "Succeeded",
            "containerStatuses": [["name": "c0", "state": ["terminated": ["exitCode": 0, "reason": "Completed"]]]],
        ])
        #expect(column("pods", "Status", completed) == "Completed")
        let signalled = pod(status: [
            "phase": "Failed",
            "containerStatuses": [["name": "c0", "state": ["terminated": ["exitCode": 137, "signal": 9]]]],
        ])
        #expect(column("pods", "Status", signalled) == "Signal:9")
        let exited = pod(status: [
            "phase": "Failed", "containerStatuses": [["name": "c0", "state": ["terminated": ["exitCode": 3]]]],
        ])
        #expect(column("pods", "Status", exited) == "ExitCode:3")
        #expect(column("pods", "Status", pod(status: ["phase": "Pending"])) == "Pending")
        #expect(column("pods", "Status", pod(status: ["phase": "Failed", "reason": "Evicted"])) == "Evicted")
    }

    @Test func completedWithRunningSibling() {
        let status: JSON = [
            "phase": "Running", "conditions": [["type": "Ready", "status": "False"]],
            "containerStatuses": [
                ["name": "c0", "ready": true, "state": ["running": [:]]],
                ["name": "c1", "state": ["terminated": ["exitCode": 0, "reason": "Completed"]]],
            ],
        ]
        #expect(column("pods", "Status", pod(containers: 2, status: status)) == "NotReady")
    }

    @Test func initContainers() {
        func initPod(_ statuses: JSON) -> JSON {
            pod(status: ["phase": "Pending", "initContainerStatuses": statuses]) { pod in
                pod[path: ["spec", "initContainers"]] = [["name": "i0", "image": "x"], ["name": "i1", "image": "x"]]
            }
        }
        let second = initPod([
            ["name": "i0", "state": ["terminated": ["exitCode": 0]]], ["name": "i1", "state": ["running": [:]]],
        ])
        #expect(column("pods", "Status", second) == "Init:1/2")
        let failing = initPod([["name": "i0", "state": ["terminated": ["exitCode": 2]]]])
        #expect(column("pods", "Status", failing) == "Init:ExitCode:2")
        let pulling = initPod([["name": "i0", "state": ["waiting": ["reason": "ErrImagePull"]]]])
        #expect(column("pods", "Status", pulling) == "Init:ErrImagePull")
    }

    @Test func terminatingPod() {
        let deleting = pod(status: ["phase": "Running"]) {
            $0[path: ["metadata", "deletionTimestamp"]] = "2026-11-21T09:59:00Z"
        }
        #expect(column("pods", "Status", deleting) == "Terminating")
        let done = pod(status: ["phase": "Succeeded"]) {
            $0[path: ["metadata", "deletionTimestamp"]] = "2026-11-21T09:59:00Z"
        }
        #expect(column("pods", "Status", done) == "Succeeded")
    }

    @Test func readinessGates() {
        let gated = pod(status: ["phase": "Running", "conditions": [["type": "example.com/lb", "status": "True"]]]) {
            $0[path: ["spec", "readinessGates"]] = [["conditionType": "example.com/lb"], ["conditionType": "other"]]
        }
        #expect(column("pods", "Readiness Gates", gated) == "1/2")
    }

    @Test func servicePortsAndExternalIPs() {
        #expect(CoreV1Printers.servicePorts([["port": 80, "protocol": "TCP"]]) == "80/TCP")
        #expect(
            CoreV1Printers.servicePorts([
                ["port": 80, "nodePort": 31234, "protocol": "TCP"], ["port": 53, "protocol": "UDP"],
            ]) == "80:31234/TCP,53/UDP")
        let service: JSON = [
            "metadata": ["name": "web"],
            "spec": [
                "type": "LoadBalancer", "clusterIPs": ["10.0.0.10"],
                "ports": [["port": 80, "nodePort": 30001, "protocol": "TCP"]], "selector": ["app": "web"],
            ],
        ]
        #expect(
            Array(cells("services", service)[0..<5]) == [
                "web", "LoadBalancer", "10.0.0.10", "<pending>", "80:30001/TCP",
            ])
        #expect(cells("services", service)[6] == "app=web")
        var balanced = service
        balanced[path: ["status", "loadBalancer", "ingress"]] = [["ip": "1.2.3.4"]]
        #expect(column("services", "External-IP", balanced) == "1.2.3.4")
        #expect(column("services", "External-IP", ["spec": ["type": "ClusterIP"]]) == "<none>")
    }

    @Test func endpoints() {
        let endpoints: JSON = [
            "subsets": [
                [
                    "addresses": [["ip": "10.0.0.1"], ["ip": "10.0.0.2"], ["ip": "10.0.0.3"], ["ip": "10.0.0.4"]],
                    "ports": [["port": 80]],
                ]
            ]
        ]
        #expect(CoreV1Printers.endpointList(endpoints) == "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...")
        #expect(CoreV1Printers.endpointList(.emptyObject) == "<none>")
    }

    @Test func nodeStatusAndRoles() {
        let node: JSON = [
            "metadata": [
                "name": "n1",
                "labels": ["node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/worker": ""],
            ],
            "spec": ["unschedulable": true],
            "status": [
                "conditions": [["type": "Ready", "status": "True"]], "nodeInfo": ["kubeletVersion": "v1.37.0"],
                "addresses": [["type": "InternalIP", "address": "192.168.1.5"]],
            ],
        ]
        let row = cells("nodes", node)
        #expect(row[1] == "Ready,SchedulingDisabled")
        #expect(row[2] == "control-plane,worker")
        #expect(row[4] == "v1.37.0" && row[5] == "192.168.1.5" && row[6] == "<none>" && row[7] == "<unknown>")
        #expect(column("nodes", "Roles", ["metadata": ["name": "n2"]]) == "<none>")
        #expect(
            column("nodes", "Status", ["status": ["conditions": [["type": "Ready", "status": "Unknown"]]]])
                == "NotReady")
        #expect(column("nodes", "Status", .emptyObject) == "Unknown")
    }

    @Test func events() {
        let event: JSON = [
            "metadata": ["name": "web-0.1"], "type": "Warning", "reason": "BackOff", "message": "Back-off restarting ",
            "involvedObject": ["kind": "Pod", "name": "web-0", "fieldPath": "spec.containers{web}"],
            "source": ["component": "kubelet", "host": "n1"], "firstTimestamp": "2026-11-21T09:00:00Z",
            "lastTimestamp": "2026-11-21T09:59:00Z", "count": 4,
        ]
        #expect(
            cells("events", event) == [
                "60s", "Warning", "BackOff", "pod/web-0", "spec.containers{web}", "kubelet, n1", "Back-off restarting",
                "60m",
                4, "web-0.1",
            ])
    }

    @Test func configAndStorage() {
        #expect(column("configmaps", "Data", ["data": ["a": "1"], "binaryData": ["b": "eA=="]]) == 2)
        #expect(column("secrets", "Data", ["type": "Opaque", "data": ["a": "eA=="]]) == 1)
        #expect(column("serviceaccounts", "Secrets", ["secrets": [["name": "t"]]]) == 1)
        let claim: JSON = [
            "spec": ["volumeName": "pv1", "storageClassName": "fast", "volumeMode": "Filesystem"],
            "status": [
                "phase": "Bound", "capacity": ["storage": "1Gi"], "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
            ],
        ]
        let claimRow = cells("persistentvolumeclaims", claim)
        #expect(Array(claimRow[1...6]) == ["Bound", "pv1", "1Gi", "RWO,RWX", "fast", "<unset>"])
        let volume: JSON = [
            "spec": [
                "capacity": ["storage": "5Gi"], "accessModes": ["ReadWriteOncePod"],
                "persistentVolumeReclaimPolicy": "Retain",
                "claimRef": ["namespace": "default", "name": "data"],
            ],
            "status": ["phase": "Bound"],
        ]
        #expect(Array(cells("persistentvolumes", volume)[1...5]) == ["5Gi", "RWOP", "Retain", "Bound", "default/data"])
    }
}
