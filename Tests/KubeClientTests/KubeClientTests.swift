import Foundation
import KubeClient
import KubeTestSupport
import KubeTypes
import Testing

func configMap(_ name: String, labels: JSON = [:], data: JSON = ["k": "v"]) -> JSON {
    ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "labels": labels], "data": data]
}

@Suite struct KubeClientTests {
    @Test func crudAndTheServersErrors() async throws {
        let live = try await LiveAPIServer.start()
        let client = live.client
        let created = try await client.create(.configMaps, namespace: "default", configMap("one"))
        #expect(created.uid.isEmpty == false)
        #expect(created[path: ["metadata", "managedFields"]]?.arrayValue?.first?["manager"] == "kubeclient-tests")
        var stale = created
        var fresh = try await client.get(.configMaps, namespace: "default", name: "one")
        fresh["data"] = ["k": "changed"]
        _ = try await client.update(.configMaps, fresh)
        stale["data"] = ["k": "stale"]
        await #expect { try await client.update(.configMaps, stale) } throws: {
            ($0 as? KubeAPIError)?.isConflict == true
        }
        await #expect { try await client.get(.configMaps, namespace: "default", name: "absent") } throws: {
            ($0 as? KubeAPIError)?.isNotFound == true
        }
        await #expect { try await client.create(.configMaps, namespace: "default", configMap("one")) } throws: {
            ($0 as? KubeAPIError)?.isAlreadyExists == true
        }
        let invalid = configMap("Not_Valid")
        await #expect { try await client.create(.configMaps, namespace: "default", invalid) } throws: { error in
            let error = error as? KubeAPIError
            return error?.code == 422 && error?.reason == "Invalid" && error?.status?["details"] != nil
        }
        let patched = try await client.patch(.configMaps, namespace: "default", name: "one", ["data": ["extra": "x"]])
        #expect(patched["data"] == ["k": "changed", "extra": "x"])
        try await client.delete(.configMaps, namespace: "default", name: "one")
        await #expect { try await client.get(.configMaps, namespace: "default", name: "one") } throws: {
            ($0 as? KubeAPIError)?.isNotFound == true
        }
        await live.stop()
    }

    @Test func listAllFollowsContinueTokens() async throws {
        let live = try await LiveAPIServer.start()
        for index in 0..<5 {
            _ = try await live.client.create(
                .configMaps, namespace: "default",
                configMap("c\(index)", labels: ["even": index % 2 == 0 ? "yes" : "no"]))
        }
        let all = try await live.client.listAll(.configMaps, namespace: "default", pageSize: 2)
        #expect(Set(all.items.map(\.name)).isSuperset(of: ["c0", "c1", "c2", "c3", "c4"]))
        #expect(all.items.allSatisfy { $0["kind"] == "ConfigMap" && $0["apiVersion"] == "v1" })
        #expect(Int(all.resourceVersion) ?? 0 > 0)
        #expect(live.counting.requests.filter { $0.contains("limit=2") }.count >= 3)
        let even = try await live.client.listAll(.configMaps, namespace: "default", labelSelector: "even=yes")
        #expect(even.items.map(\.name).sorted() == ["c0", "c2", "c4"])
        await live.stop()
    }

    @Test func kubeconfigWithTokenIsReadAndOtherCredentialsAreRefused() throws {
        let ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
        let text = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster:
                server: https://127.0.0.1:6443
                certificate-authority-data: \(Data(ca.utf8).base64EncodedString())
            users:
            - name: u
              user:
                token: abc
            - name: cert
              user:
                client-certificate-data: AAAA
            contexts:
            - name: x
              context: {cluster: c, user: u}
            - name: y
              context: {cluster: c, user: cert}
            current-context: x
            """
        let directory = NSTemporaryDirectory() + "kubeconfig-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try text.write(toFile: directory + "/config", atomically: false, encoding: .utf8)
        let configuration = try KubeClientConfiguration.load(kubeconfig: directory + "/config")
        #expect(
            configuration
                == KubeClientConfiguration(server: "https://127.0.0.1:6443", certificateAuthorityPEM: ca, token: "abc"))
        try text.replacingOccurrences(of: "current-context: x", with: "current-context: y").write(
            toFile: directory + "/config", atomically: false, encoding: .utf8)
        #expect(throws: KubeClientError.self) { try KubeClientConfiguration.load(kubeconfig: directory + "/config") }
        #expect(throws: KubeClientError.self) { try KubeClientConfiguration.load(kubeconfig: directory + "/missing") }
    }
}
