import Foundation
import FrameworkKit
import KubeClient
import KubeSchedulerCore
import KubeTypes
import MesosModel

/// Nodes for agents, and what the scheduler writes about pods: FailedScheduling, and pods whose
/// task ended before their kubelet could run them.
extension KubeSchedulerFramework {
    /// Every agent that offers to this framework is a Node; capacity grows to the largest offer seen.
    func noteAgent(_ offer: Offer) {
        let name = AgentNode.nodeName(hostname: offer.hostname, port: AgentNode.port(of: offer))
        let isNew = nodeNames[offer.agentID] == nil
        nodeNames[offer.agentID] = name
        let offered = AgentNode.offered([offer])
        let previous = capacity[offer.agentID] ?? ResourceOffer()
        let grown = ResourceOffer(
            milliCPU: max(previous.milliCPU, offered.milliCPU), memory: max(previous.memory, offered.memory),
            disk: max(previous.disk, offered.disk), ports: previous.ports.isEmpty ? offered.ports : previous.ports)
        capacity[offer.agentID] = grown
        if isNew || grown != previous {
            let node = synthesizedNode(agentID: offer.agentID, offer: offer)
            Task { await self.ensureNode(node) }
        }
    }

    func synthesizedNode(agentID: AgentID, offer: Offer) -> JSON {
        AgentNode.node(
            name: nodeNames[agentID] ?? offer.hostname, agentID: agentID, hostname: offer.hostname,
            address: AgentNode.address(of: offer), attributes: offer.attributes ?? [],
            capacity: capacity[agentID] ?? AgentNode.offered([offer]))
    }

    /// Creates the Node, or brings its capacity and Ready condition up to date.
    func ensureNode(_ node: JSON) async {
        let now = Timestamp.format(Int64(Date().timeIntervalSince1970))
        var status = node["status"] ?? .emptyObject
        status["conditions"] = [
            [
                "type": "Ready", "status": "True", "reason": "AgentRegistered",
                "message": "the Mesos agent is registered and offers resources to Kubernetes",
                "lastHeartbeatTime": .string(now), "lastTransitionTime": .string(now),
            ]
        ]
        do {
            _ = try await client.create(.nodes, node)
        } catch let error as KubeAPIError where error.isAlreadyExists {
            // Kept: labels and taints users set. Only the status is this framework's.
        } catch {
            logger.warning("node not created", metadata: ["node": "\(node.name)", "error": "\(error)"])
            return
        }
        do {
            _ = try await client.patch(
                .nodes, name: node.name, ["status": status], type: .strategic, subresource: "status")
        } catch {
            logger.warning("node status not written", metadata: ["node": "\(node.name)", "error": "\(error)"])
        }
    }

    /// The master lost the agent: its node turns NotReady and unreachable, as the node lifecycle
    /// controller marks a node whose kubelet stopped posting status.
    func markNodeLost(_ name: String) async {
        let now = Timestamp.format(Int64(Date().timeIntervalSince1970))
        let patch: JSON = [
            "spec": [
                "taints": [
                    ["key": "node.kubernetes.io/unreachable", "effect": "NoSchedule", "timeAdded": .string(now)]
                ]
            ]
        ]
        _ = try? await client.patch(.nodes, name: name, patch, type: .merge)
        let status: JSON = [
            "status": [
                "conditions": [
                    [
                        "type": "Ready", "status": "Unknown", "reason": "NodeStatusUnknown",
                        "message": "Mesos reports the agent lost.", "lastHeartbeatTime": .string(now),
                        "lastTransitionTime": .string(now),
                    ]
                ]
            ]
        ]
        _ = try? await client.patch(.nodes, name: name, status, type: .strategic, subresource: "status")
    }

    /// PodScheduled=False and a FailedScheduling event, in the scheduler's words; written only
    /// when the verdict changed.
    func reportUnschedulable(_ pod: JSON, message: String) async {
        let key = Self.key(pod)
        guard reported[key] != message else { return }
        reported[key] = message
        let now = Timestamp.format(Int64(Date().timeIntervalSince1970))
        let condition: JSON = [
            "type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": .string(message),
            "lastProbeTime": nil, "lastTransitionTime": .string(now),
        ]
        // Written behind the cycle, in order: forty unschedulable pods are eighty API writes, and a
        // cycle waiting for them would answer the next offers late while other frameworks take them.
        behindTheCycle { [client, events] in
            _ = try? await client.patch(
                .pods, namespace: pod.namespace, name: pod.name, ["status": ["conditions": [condition]]],
                type: .strategic, subresource: "status")
            await events.record(.warning, reason: "FailedScheduling", message: message, about: .pod(pod))
        }
    }

    /// A task that ended before or without its kubelet finishing the pod: a pod never bound goes
    /// back to pending; a bound pod whose task was lost fails, as upstream fails pods of lost nodes.
    func taskEnded(key: String, launch: Launch, status: TaskStatus) async {
        guard let pod = await pods.get(namespace: launch.pod.namespace, name: launch.pod.name),
            pod.uid == launch.pod.uid
        else { return }
        let bound = !(pod[path: ["spec", "nodeName"]]?.stringValue ?? "").isEmpty
        guard bound, !Self.finished(pod), status.state != .finished, status.state != .killed else {
            if !bound { noteFailure(key, now: Date().timeIntervalSince1970) }
            return
        }
        let message = "The task of this pod ended \(status.state.rawValue): \(status.message ?? "no message")"
        _ = try? await client.patch(
            .pods, namespace: pod.namespace, name: pod.name,
            ["status": ["phase": "Failed", "reason": "TaskLost", "message": .string(message)]], type: .merge,
            subresource: "status")
    }
}
