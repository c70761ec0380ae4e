import KubeClient
import KubeTypes
import Testing

/// The DaemonSet controller against a live API server: nodes are created by the test (the kube
/// scheduler's part), pods are reported Ready by the test (the kubelet's part).
@Suite struct DaemonSetControllerTests {
    static func node(_ name: String) -> JSON {
        ["apiVersion": "v1", "kind": "Node", "metadata": ["name": .string(name)]]
    }

    static func daemonSet(_ name: String, image: String = "nginx:1.25") -> JSON {
        let labels = ["app": name]
        return [
            "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": ["name": .string(name)],
            "spec": [
                "selector": ["matchLabels": JSON(labels)], "template": Objects.template(labels: labels, image: image),
            ],
        ]
    }

    /// The node a daemon pod is pinned to by its node affinity.
    static func pinnedNode(_ pod: JSON) -> String? {
        let terms = pod[path: [
            "spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms",
        ]]?.arrayValue
        return terms?.first?["matchFields"]?.arrayValue?.first?["values"]?.arrayValue?.first?.stringValue
    }

    static func podImage(_ pod: JSON) -> String {
        pod[path: ["spec", "containers"]]?.arrayValue?.first?["image"]?.stringValue ?? ""
    }

    @Test func runsOnePodPerNodeAndRollsOutANewTemplate() async throws {
        try await ControllerCluster.with { cluster in
            for name in ["node-a", "node-b"] { _ = try await cluster.client.create(.nodes, Self.node(name)) }
            let created = try await cluster.client.create(.daemonSets, namespace: "default", Self.daemonSet("agent"))
            #expect(created.annotations["deprecated.daemonset.template.generation"] == "1")
            let pods = try await eventually { [cluster] in
                let pods = try await cluster.pods(ownedBy: created.uid)
                return pods.count == 2 ? pods : nil
            }
            #expect(Set(pods.compactMap(Self.pinnedNode)) == ["node-a", "node-b"])
            #expect(pods.allSatisfy { $0.labels["pod-template-generation"] == "1" })
            let revisions = try await cluster.list(.controllerRevisions)
            #expect(revisions.count == 1)
            #expect(revisions.first?["revision"] == 1)
            #expect(
                pods.allSatisfy {
                    $0.labels["controller-revision-hash"] == revisions.first?.labels["controller-revision-hash"]
                })

            try await cluster.markAllReady(ownedBy: created.uid)
            try await expectEventually { [cluster] in
                let status = try await cluster.get(.daemonSets, "agent")["status"]
                return status?["numberAvailable"] == 2 && status?["updatedNumberScheduled"] == 2
                    && status?["desiredNumberScheduled"] == 2 && status?["observedGeneration"] == 1
            }

            _ = try await cluster.client.patch(
                .daemonSets, namespace: "default", name: "agent",
                ["spec": ["template": ["spec": ["containers": [["name": "main", "image": "nginx:1.26"]]]]]])
            // Play the kubelet until every node runs the new template.
            try await expectEventually { [cluster] in
                try await cluster.markAllReady(ownedBy: created.uid)
                let pods = try await cluster.pods(ownedBy: created.uid)
                return pods.count == 2 && pods.allSatisfy { Self.podImage($0) == "nginx:1.26" }
                    && Set(pods.compactMap(Self.pinnedNode)) == ["node-a", "node-b"]
            }
            try await expectEventually { [cluster] in
                // The last replacement may have come after the kubelet's round above.
                try await cluster.markAllReady(ownedBy: created.uid)
                let daemonSet = try await cluster.get(.daemonSets, "agent")
                return daemonSet.status("updatedNumberScheduled") == 2 && daemonSet.status("numberAvailable") == 2
                    && daemonSet.status("observedGeneration") == 2
                    && daemonSet.annotations["deprecated.daemonset.template.generation"] == "2"
            }
            #expect(try await cluster.list(.controllerRevisions).count == 2)
        }
    }

    @Test func followsNodesComingAndBeingTainted() async throws {
        try await ControllerCluster.with { cluster in
            _ = try await cluster.client.create(.nodes, Self.node("node-a"))
            let created = try await cluster.client.create(.daemonSets, namespace: "default", Self.daemonSet("watch"))
            try await expectEventually { [cluster] in try await cluster.pods(ownedBy: created.uid).count == 1 }
            _ = try await cluster.client.create(.nodes, Self.node("node-b"))
            try await expectEventually { [cluster] in
                Set(try await cluster.pods(ownedBy: created.uid).compactMap(Self.pinnedNode)) == ["node-a", "node-b"]
            }
            _ = try await cluster.client.patch(
                .nodes, name: "node-b", ["spec": ["taints": [["key": "drain", "effect": "NoExecute"]]]])
            try await expectEventually { [cluster] in
                try await cluster.pods(ownedBy: created.uid).compactMap(Self.pinnedNode) == ["node-a"]
            }
            try await expectEventually { [cluster] in
                try await cluster.get(.daemonSets, "watch").status("desiredNumberScheduled") == 1
            }
        }
    }

    @Test func aSelectorNotMatchingTheTemplateIsRefused() async throws {
        try await ControllerCluster.with { cluster in
            var bad = Self.daemonSet("bad")
            bad[path: ["spec", "selector"]] = ["matchLabels": ["app": "other"]]
            do {
                _ = try await cluster.client.create(.daemonSets, namespace: "default", bad)
                Issue.record("an invalid DaemonSet was accepted")
            } catch let error as KubeAPIError {
                #expect(error.code == 422)
                #expect(error.message.contains("`selector` does not match template `labels`"))
            }
        }
    }
}
