import Foundation
import Glibc
import TestSupport
import Testing

@testable import Containerizer

/// The pod network on the real host: bridges, veths and namespaces made with iproute2,
/// traffic carried by busybox httpd and wget. Needs root.
@Suite(.timeLimit(.minutes(2))) struct PodNetworkTests {
    @Test func twoPodsOnOneBridgeServeEachOtherAndTheHostOnTheSamePort() async throws {
        let fixture = try PodNetworkFixture()
        defer { fixture.tearDown() }
        let (a, b) = try await runOffCooperativePool {
            Result { (try fixture.network.setUp(podID: "a"), try fixture.network.setUp(podID: "b")) }
        }.get()
        let subnet = fixture.configuration.subnet
        #expect(a.address == IPv4Address(subnet.network.value + 2))
        #expect(b.address == IPv4Address(subnet.network.value + 3))
        #expect(a.gateway == IPv4Address(subnet.network.value + 1))
        #expect(a.namespacePath == "/var/run/netns/" + fixture.namespace("a"))
        #expect(Set(fixture.bridgePorts) == [a.hostInterface, b.hostInterface])
        let addresses = fixture.run(["ip", "-4", "-o", "addr", "show", "dev", "eth0"], in: "a") ?? ""
        #expect(addresses.contains("inet \(a.address)/24"))
        let routes = fixture.run(["ip", "route", "show", "default"], in: "a") ?? ""
        #expect(routes.contains("default via \(a.gateway) dev eth0"))
        #expect(PodNetwork.mtu(of: a.hostInterface) == PodNetwork.mtu(of: fixture.configuration.bridgeName))

        // Both servers bind port 80: each pod has a network of its own.
        try fixture.startHTTPServer(in: "a", page: "pod a\n")
        try fixture.startHTTPServer(in: "b", page: "pod b\n")
        #expect(await fixture.fetch("http://\(a.address)/") == "pod a\n")
        #expect(await fixture.fetch("http://\(b.address)/") == "pod b\n")
        #expect(await fixture.fetch("http://\(b.address)/", from: "a") == "pod b\n")
        #expect(await fixture.fetch("http://\(a.address)/", from: "b") == "pod a\n")
    }

    @Test func podsOfTwoAgentsOnOneHostReachEachOtherThroughTheHost() async throws {
        let first = try PodNetworkFixture()
        defer { first.tearDown() }
        let second = try PodNetworkFixture()
        defer { second.tearDown() }
        let (a, b) = try await runOffCooperativePool {
            Result { (try first.network.setUp(podID: "a"), try second.network.setUp(podID: "b")) }
        }.get()
        #expect(first.configuration.bridgeName != second.configuration.bridgeName)
        try second.startHTTPServer(in: "b", page: "agent two\n")
        try first.startHTTPServer(in: "a", page: "agent one\n")
        #expect(await first.fetch("http://\(b.address)/", from: "a") == "agent two\n")
        #expect(await second.fetch("http://\(a.address)/", from: "b") == "agent one\n")
    }

    @Test func containersOfAPodShareItsNamespaceAndSeeItsAddress() async throws {
        let fixture = try PodNetworkFixture()
        defer { fixture.tearDown() }
        let pod = try await runOffCooperativePool { Result { try fixture.network.setUp(podID: "p") } }.get()
        let supervisor = try ContainerSupervisor()
        func launch(_ name: String, _ script: String) async throws -> SupervisorRecord {
            let sandbox = fixture.directory.path + "/" + name
            return try await supervisor.launch(
                SupervisedLaunch(
                    spec: LaunchSpec(
                        command: .shell(script), environment: ["PATH": ProcessLauncher.defaultSearchPath],
                        workingDirectory: sandbox),
                    runDirectory: sandbox + "/run", pidNamespace: true, mountProc: true,
                    networkNamespace: pod.namespacePath))
        }
        try fixture.directory.write("www/index.html", "shared\n")
        let server = try await launch(
            "server", "exec busybox httpd -f -p 127.0.0.1:8080 -h \(fixture.directory.path)/www")
        defer { supervisor.signalContainer(server, SIGKILL) }
        // A second container reaches the first over loopback: the same namespace, not just the same bridge.
        let client = try await launch(
            "client",
            "ip -4 -o addr show; for i in $(seq 100); do busybox wget -Y off -q -O - http://127.0.0.1:8080/ && exit 0;"
                + " sleep 0.1; done; exit 1")
        #expect(await supervisor.waitForExit(client) == .exited(.exited(0)))
        let output = contents(of: fixture.directory.path + "/client/stdout")
        #expect(output.contains("eth0") && output.contains("inet \(pod.address)/24"))
        #expect(output.hasSuffix("shared\n"))
        // The host's interfaces are not there: only lo and the pod's eth0.
        #expect(output.split(separator: "\n").filter { $0.contains(" inet ") }.count == 2)
    }

    @Test func aSupervisedLaunchIntoAMissingNamespaceFails() async throws {
        let sandbox = try TemporaryDirectory("podnet")
        defer { sandbox.remove() }
        let launch = SupervisedLaunch(
            spec: LaunchSpec(command: .shell("exit 0"), environment: [:], workingDirectory: sandbox.path),
            runDirectory: sandbox.path + "/run", networkNamespace: "/var/run/netns/mkt-does-not-exist")
        await #expect(throws: LaunchError.self) { _ = try await ContainerSupervisor().launch(launch) }
        #expect(contents(of: sandbox.path + "/run/error").contains("Failed to open network namespace"))
    }

    @Test func anImageContainerJoinsThePodNamespace() async throws {
        let fixture = try PodNetworkFixture()
        defer { fixture.tearDown() }
        let workspace = try ImageWorkspace()
        defer { workspace.cleanUp() }
        let (pod, container, sandbox) = try await runOffCooperativePool {
            Result {
                let pod = try fixture.network.setUp(podID: "img")
                let image = try workspace.importImage(busyboxSpec())
                let (container, sandbox) = try workspace.run(
                    image, command: .shell("/bin/busybox ip addr show eth0"), networkNamespace: pod.namespacePath)
                return (pod, container, sandbox)
            }
        }.get()
        #expect(await workspace.runtime.waitForExit(container) == .exited(0))
        #expect(contents(of: sandbox + "/stdout").contains("inet \(pod.address)/24"))
    }

    @Test func tearDownLeavesNothingBehindAndCanBeRepeated() async throws {
        let fixture = try PodNetworkFixture()
        defer { fixture.tearDown() }
        let pod = try await runOffCooperativePool { Result { try fixture.network.setUp(podID: "gone") } }.get()
        #expect(fixture.namespaces == [fixture.namespace("gone")])
        try await runOffCooperativePool {
            Result {
                try fixture.network.tearDown(podID: "gone")
                try fixture.network.tearDown(podID: "gone")
            }
        }.get()
        #expect(fixture.namespaces.isEmpty)
        #expect(!PodNetwork.linkExists(pod.hostInterface))
        #expect(fixture.bridgePorts.isEmpty)
        #expect(fixture.network.allocations.isEmpty)
        #expect(try PodNetwork.loadPool(fixture.configuration).allocations.isEmpty)
    }

    @Test func leftoversOfACrashedSetUpAreRemovedOrReplaced() async throws {
        let fixture = try PodNetworkFixture()
        defer { fixture.tearDown() }
        let ip = fixture.network.ipPath
        let host = try fixture.configuration.hostInterface(podID: "half")
        // What a set-up that died after creating the namespace and the veth leaves.
        func leaveHalfAPod() throws {
            try ImageShell.run([ip, "netns", "add", fixture.namespace("half")])
            try ImageShell.run(
                [ip, "link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", fixture.namespace("half")])
        }
        try leaveHalfAPod()
        try fixture.network.tearDown(podID: "half")
        #expect(fixture.namespaces.isEmpty)
        #expect(!PodNetwork.linkExists(host))

        try leaveHalfAPod()
        let pod = try await runOffCooperativePool { Result { try fixture.network.setUp(podID: "half") } }.get()
        #expect(fixture.bridgePorts == [host])
        let addresses = fixture.run(["ip", "-4", "-o", "addr", "show", "dev", "eth0"], in: "half") ?? ""
        #expect(addresses.contains("inet \(pod.address)/24"))
        // Set-up again (the kubelet retrying): same address, a fresh namespace, one veth.
        let again = try await runOffCooperativePool { Result { try fixture.network.setUp(podID: "half") } }.get()
        #expect(again == pod)
        #expect(fixture.bridgePorts == [host])
    }

    @Test func allocationsSurviveARestartAndRecoverReportsThem() async throws {
        let fixture = try PodNetworkFixture()
        defer { fixture.tearDown() }
        let (a, b) = try await runOffCooperativePool {
            Result { (try fixture.network.setUp(podID: "a"), try fixture.network.setUp(podID: "b")) }
        }.get()
        // The agent restarts: a new PodNetwork on the same state file.
        let restarted = try PodNetwork(fixture.configuration)
        #expect(restarted.allocations == ["a": a.address, "b": b.address])
        #expect(try restarted.recover().pods == [a, b])
        let c = try await runOffCooperativePool { Result { try restarted.setUp(podID: "c") } }.get()
        #expect(c.address != a.address && c.address != b.address)
        // Leftovers the inventory sorts out: a namespace nobody allocated, an address without namespace.
        try ImageShell.run([fixture.network.ipPath, "netns", "add", fixture.namespace("stray")])
        try ImageShell.run([fixture.network.ipPath, "netns", "del", fixture.namespace("b")])
        let inventory = try restarted.recover()
        #expect(inventory.pods.map(\.podID) == ["a", "c"])
        #expect(inventory.podIDsWithoutAddress == ["stray"])
        #expect(inventory.addressesWithoutNamespace == ["b": b.address])
        try restarted.tearDown(podID: "stray")
        try restarted.tearDown(podID: "b")
        #expect(try PodNetwork(fixture.configuration).allocations == ["a": a.address, "c": c.address])
        // Only the state file: no temporary siblings were left by the renames.
        let files = try FileManager.default.contentsOfDirectory(atPath: fixture.directory.path)
        #expect(files.filter { $0.hasPrefix("state") } == ["state.json"])
    }

    @Test func aStateFileOfAnotherCIDRIsRefused() throws {
        let fixture = try PodNetworkFixture()
        defer { fixture.tearDown() }
        var other = fixture.configuration
        other.subnet = try IPv4Subnet("10.251.0.0/24")
        try PodNetwork.store(try PodAddressPool(subnet: other.subnet), to: other.stateFile)
        #expect(throws: PodNetworkError.self) { _ = try PodNetwork(fixture.configuration) }
        try "{not json".write(toFile: other.stateFile, atomically: false, encoding: .utf8)
        #expect(throws: PodNetworkError.self) { _ = try PodNetwork(fixture.configuration) }
    }

    /// The pod's namespace batch fails (an `ip` that refuses `-n ... -batch`): the host's side,
    /// made by the first batch, is removed again and the address released; the error names the batch.
    @Test func aFailedBatchLeavesNothingBehind() throws {
        let fixture = try PodNetworkFixture()
        defer { fixture.tearDown() }
        try fixture.directory.write(
            "ip", "#!/bin/sh\ncase \"$*\" in -n*-batch*) echo 'injected failure' >&2; exit 1;; esac\nexec ip \"$@\"\n",
            mode: 0o755)
        var configuration = fixture.configuration
        configuration.ipCommand = fixture.directory.path + "/ip"
        let network = try PodNetwork(configuration)
        #expect {
            _ = try network.setUp(podID: "f")
        } throws: { error in
            "\(error)".contains("injected failure") && "\(error)".contains("route add default")
        }
        #expect(network.allocations.isEmpty)
        #expect(!fixture.namespaces.contains(fixture.namespace("f")))
        #expect(!PodNetwork.linkExists(try configuration.hostInterface(podID: "f")))
        #expect(fixture.bridgePorts.isEmpty)
    }

    @Test func aNameTakenByAnotherKindOfLinkIsRefused() throws {
        let fixture = try PodNetworkFixture()
        defer { fixture.tearDown() }
        var configuration = fixture.configuration
        configuration.bridgeName = "lo"
        let network = try PodNetwork(configuration)
        #expect(throws: PodNetworkError.self) { try network.ensureBridge() }
    }
}
