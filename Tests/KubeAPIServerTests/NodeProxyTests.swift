import Foundation
import HTTPSupport
import KubeAPIServer
import KubeClient
import KubeTestSupport
import KubeTypes
import KubeletServer
import NIOSSL
import Synchronization
import Testing

/// pods/log and pods/exec through the real API server (TLS, token) to a real KubeletServer on
/// loopback, whose containers are temp files and child processes.
@Suite struct NodeProxyTests {
    static let kubeletToken = "kubelet-token"

    /// The API server, a kubelet serving node `node-a`, and a pod `web-0` bound to it.
    struct Cluster {
        let live: LiveAPIServer
        let kubelet: HTTPServer
        let access: ProxyFakeAccess
        let directory: String
        let tls: NIOSSLContext
        let apiPort: Int

        static func start(
            kubeletToken: String? = NodeProxyTests.kubeletToken, kubeletPort: Int? = nil
        ) async throws
            -> Cluster
        {
            var options = KubeAPIOptions()
            options.kubeletToken = kubeletToken
            let live = try await LiveAPIServer.start(options: options)
            let directory = NSTemporaryDirectory() + "node-proxy-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let access = ProxyFakeAccess()
            let server = KubeletServer(
                access: access, token: NodeProxyTests.kubeletToken, followPollInterval: .milliseconds(50))
            let kubelet = HTTPServer(host: "127.0.0.1", port: 0, handler: server)
            let port = try await kubelet.start()
            let tls = try TLSMaterial.makeClientContext(trustingCAPEM: live.configuration.certificateAuthorityPEM ?? "")
            let cluster = Cluster(
                live: live, kubelet: kubelet, access: access, directory: directory, tls: tls,
                apiPort: live.http.port ?? 0)
            try await cluster.createNode("node-a", port: kubeletPort ?? port)
            return cluster
        }

        func stop() async {
            await kubelet.shutdown()
            await live.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }

        func createNode(_ name: String, port: Int) async throws {
            let created = try await live.client.create(
                .nodes, ["apiVersion": "v1", "kind": "Node", "metadata": ["name": .string(name)]])
            var node = created
            node["status"] = [
                "addresses": [
                    ["type": "Hostname", "address": "localhost"], ["type": "InternalIP", "address": "127.0.0.1"],
                ],
                "daemonEndpoints": ["kubeletEndpoint": ["Port": .int(Int64(port))]],
            ]
            _ = try await live.client.updateStatus(.nodes, node)
        }

        func createPod(_ name: String, containers: [String] = ["web"], node: String? = "node-a") async throws {
            var spec: JSON = ["containers": .array(containers.map { ["name": .string($0), "image": "busybox"] })]
            if let node { spec["nodeName"] = .string(node) }
            _ = try await live.client.create(
                .pods, namespace: "default",
                ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)], "spec": spec])
        }

        func writeLog(_ name: String, _ text: String) throws -> String {
            let path = directory + "/" + name
            try text.write(toFile: path, atomically: false, encoding: .utf8)
            return path
        }

        /// Runs `body` on a TLS connection to the API server.
        func withAPIConnection<Result: Sendable>(
            _ body: (HTTPStreamConnection) async throws -> Result
        ) async throws
            -> Result
        {
            try await HTTPStreamClient.withConnection(host: "127.0.0.1", port: apiPort, tls: tls, body)
        }

        func get(_ target: String) async throws -> (status: Int, body: String) {
            try await withAPIConnection { connection in
                let head = try await connection.request(
                    method: .GET, target: target, headers: ["Authorization": "Bearer test-token"])
                return (Int(head.status.code), String(buffer: try await connection.collectBody(upTo: 1 << 20)))
            }
        }
    }

    @Test func logsStreamThroughTheAPIServer() async throws {
        let cluster = try await Cluster.start()
        defer { Task { await cluster.stop() } }
        try await cluster.createPod("web-0")
        let path = try cluster.writeLog("web.log", "a\nb\nc\n")
        cluster.access.set("default/web-0/web", logPath: path, running: false)

        let whole = try await cluster.get("/api/v1/namespaces/default/pods/web-0/log")
        #expect(whole.status == 200)
        #expect(whole.body == "a\nb\nc\n")
        #expect(
            try await cluster.get("/api/v1/namespaces/default/pods/web-0/log?container=web&tailLines=1").body == "c\n")
        #expect(try await cluster.get("/api/v1/namespaces/default/pods/web-0/log?limitBytes=3").body == "a\nb")
    }

    @Test func followedLogsArriveAsTheyAreWritten() async throws {
        let cluster = try await Cluster.start()
        defer { Task { await cluster.stop() } }
        try await cluster.createPod("web-0")
        let path = try cluster.writeLog("web.log", "start\n")
        cluster.access.set("default/web-0/web", logPath: path, running: true)
        let text = try await cluster.withAPIConnection { connection in
            let head = try await connection.request(
                method: .GET, target: "/api/v1/namespaces/default/pods/web-0/log?follow=true",
                headers: ["Authorization": "Bearer test-token"])
            #expect(head.status == .ok)
            var text = ""
            while !text.hasSuffix("start\n"), let chunk = try await connection.nextBodyChunk() {
                text += String(buffer: chunk)
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("more\n".utf8))
            try handle.close()
            while !text.hasSuffix("more\n"), let chunk = try await connection.nextBodyChunk() {
                text += String(buffer: chunk)
            }
            cluster.access.setRunning("default/web-0/web", false)
            while let chunk = try await connection.nextBodyChunk() { text += String(buffer: chunk) }
            return text
        }
        #expect(text == "start\nmore\n")
    }

    @Test func aClientLeavingAFollowReleasesTheKubelet() async throws {
        let cluster = try await Cluster.start()
        defer { Task { await cluster.stop() } }
        try await cluster.createPod("web-0")
        cluster.access.set("default/web-0/web", logPath: try cluster.writeLog("web.log", "start\n"), running: true)
        try await cluster.withAPIConnection { connection in
            _ = try await connection.request(
                method: .GET, target: "/api/v1/namespaces/default/pods/web-0/log?follow=true",
                headers: ["Authorization": "Bearer test-token"])
            _ = try await connection.nextBodyChunk()
        }
        try await Task.sleep(for: .milliseconds(400))
        let settled = cluster.access.isRunningCalls
        try await Task.sleep(for: .milliseconds(300))
        #expect(settled > 0)
        #expect(cluster.access.isRunningCalls == settled)
    }

    @Test func logRequestsAreCheckedBeforeReachingTheNode() async throws {
        let cluster = try await Cluster.start()
        defer { Task { await cluster.stop() } }
        try await cluster.createPod("web-0")
        try await cluster.createPod("two", containers: ["a", "b"])
        try await cluster.createPod("pending", node: nil)
        cluster.access.set("default/web-0/web", logPath: try cluster.writeLog("web.log", "x\n"), running: false)
        let cases: [(String, Int, String)] = [
            ("two/log", 400, "a container name must be specified for pod two, choose one of: [a b]"),
            ("web-0/log?container=nope", 400, "container nope is not valid for pod web-0"),
            (
                "web-0/log?tailLines=-1", 422,
                "PodLogOptions \"web-0\" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0"
            ),
            (
                "web-0/log?limitBytes=0", 422,
                "PodLogOptions \"web-0\" is invalid: limitBytes: Invalid value: 0: must be greater than 0"
            ),
            ("web-0/log?tailLines=many", 400, "tailLines: Invalid value: \"many\": must be an integer"),
            ("web-0/log?timestamps=true", 400, "timestamps are not supported by this node agent yet"),
            ("missing/log", 404, "pods \"missing\" not found"),
            ("web-0/exec?container=web", 400, "you must specify at least one command for the container"),
            ("pending/exec?command=ls", 400, "pod pending does not have a host assigned"),
            ("web-0/attach?stdout=true", 400, "container web is not running in pod web-0; cannot attach to it"),
            (
                "web-0/portforward", 400,
                "port-forward needs a WebSocket upgrade with protocol SPDY/3.1+portforward.k8s.io; plain SPDY is not supported by this node agent"
            ),
        ]
        for (suffix, code, message) in cases {
            let answer = try await cluster.get("/api/v1/namespaces/default/pods/\(suffix)")
            #expect(answer.status == code, "\(suffix)")
            let status = try JSONReader.parse(answer.body)
            #expect(status["kind"] == "Status", "\(suffix)")
            #expect(status["message"]?.stringValue == message, "\(suffix)")
        }
        let pending = try await cluster.get("/api/v1/namespaces/default/pods/pending/log")
        #expect(pending.status == 200)
        #expect(pending.body.isEmpty)
    }

    @Test func nodesWithoutAKubeletOrCredentialsAnswer503() async throws {
        let noPort = try await Cluster.start(kubeletPort: 0)
        try await noPort.createPod("web-0")
        let unserved = try await noPort.get("/api/v1/namespaces/default/pods/web-0/log")
        #expect(unserved.status == 503)
        #expect(unserved.body.contains("the node agent on node \\\"node-a\\\" does not serve log for pod web-0 yet"))
        await noPort.stop()

        let noToken = try await Cluster.start(kubeletToken: nil)
        try await noToken.createPod("web-0")
        let unauthenticated = try await noToken.get("/api/v1/namespaces/default/pods/web-0/log")
        #expect(unauthenticated.status == 503)
        #expect(unauthenticated.body.contains("no kubelet credentials configured"))
        await noToken.stop()
    }

    @Test func execRelaysTheWebSocketBothWays() async throws {
        let cluster = try await Cluster.start()
        defer { Task { await cluster.stop() } }
        try await cluster.createPod("web-0")
        let target = Process()
        target.executableURL = URL(fileURLWithPath: "/bin/sleep")
        target.arguments = ["60"]
        try target.run()
        defer { kill(target.processIdentifier, SIGKILL) }
        cluster.access.set("default/web-0/web", logPath: "/dev/null", running: true, pid: target.processIdentifier)

        let query =
            "command=sh&command=-c&command=read%20x%3B%20echo%20hi%20%24x%3B%20echo%20err%20%3E%262%3B%20exit%203"
        let outcome = try await cluster.withAPIConnection { connection in
            let opening = try await connection.openWebSocket(
                target:
                    "/api/v1/namespaces/default/pods/web-0/exec?\(query)&container=web&stdin=true&stdout=true&stderr=true",
                subprotocols: ["v5.channel.k8s.io"], headers: ["Authorization": "Bearer test-token"])
            guard case .opened(let socket, let subprotocol) = opening else {
                Issue.record("exec refused: \(opening)")
                return ("", "", JSON.null, "")
            }
            try await socket.writer.send(bytes: [0] + Array("there\n".utf8))
            try await socket.writer.send(bytes: [255, 0])
            var stdout = ""
            var stderr = ""
            var status = JSON.null
            while let message = await socket.receive() {
                var data = message.data
                switch data.readInteger(as: UInt8.self) {
                case 1: stdout += String(buffer: data)
                case 2: stderr += String(buffer: data)
                case 3: status = try JSONReader.parse(String(buffer: data))
                default: break
                }
            }
            return (stdout, stderr, status, subprotocol ?? "")
        }
        #expect(outcome.0 == "hi there\n")
        #expect(outcome.1 == "err\n")
        #expect(outcome.2[path: ["details", "causes"]] == [["reason": "ExitCode", "message": "3"]])
        #expect(outcome.3 == "v5.channel.k8s.io")

        // kubectl's fallback after a refused WebSocket (SPDY, a POST) learns why from the kubelet.
        let fallback = try await cluster.withAPIConnection { connection in
            let head = try await connection.request(
                method: .POST, target: "/api/v1/namespaces/default/pods/web-0/exec?command=ls&stdout=true",
                headers: [
                    "Authorization": "Bearer test-token", "Connection": "Upgrade", "Upgrade": "SPDY/3.1",
                    "X-Stream-Protocol-Version": "v4.channel.k8s.io",
                ])
            return (Int(head.status.code), String(buffer: try await connection.collectBody(upTo: 1 << 20)))
        }
        #expect(fallback.0 == 400)
        #expect(fallback.1.contains("exec needs a WebSocket upgrade"))
    }
}

/// The kubelet's containers for these tests: log files and, for exec, a process's namespaces.
final class ProxyFakeAccess: KubeletContainerAccess {
    private struct Entry {
        var logPath: String
        var running: Bool
        var pid: Int32?
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let runningChecks = Mutex(0)

    /// How often a follower on the kubelet has asked whether a container still runs.
    var isRunningCalls: Int { runningChecks.withLock { $0 } }

    func set(_ key: String, logPath: String, running: Bool, pid: Int32? = nil) {
        entries.withLock { $0[key] = Entry(logPath: logPath, running: running, pid: pid) }
    }

    func setRunning(_ key: String, _ running: Bool) {
        entries.withLock { $0[key]?.running = running }
    }

    private func entry(_ namespace: String, _ pod: String, _ container: String) throws(KubeletAccessError) -> Entry {
        guard let entry = entries.withLock({ $0["\(namespace)/\(pod)/\(container)"] }) else {
            throw KubeletAccessError(code: 404, message: "container \"\(container)\" in pod \"\(pod)\" not found")
        }
        return entry
    }

    func logLocation(
        namespace: String, pod: String, container: String, previous: Bool
    ) async throws(KubeletAccessError)
        -> ContainerLogLocation
    {
        let found = try entry(namespace, pod, container)
        return ContainerLogLocation(path: found.logPath, running: found.running)
    }

    func isRunning(namespace: String, pod: String, container: String, path: String) async -> Bool {
        runningChecks.withLock { $0 += 1 }
        return (try? entry(namespace, pod, container))?.running ?? false
    }

    func portForwardTarget(namespace: String, pod: String) async throws(KubeletAccessError) -> PortForwardTarget {
        PortForwardTarget(networkNamespace: nil)
    }

    func execTarget(
        namespace: String, pod: String, container: String
    ) async throws(KubeletAccessError)
        -> ContainerExecTarget
    {
        guard let pid = try entry(namespace, pod, container).pid else {
            throw KubeletAccessError(code: 400, message: "container \(container) is not running")
        }
        return ContainerExecTarget(pid: pid, environment: [:], workingDirectory: "/")
    }
}
