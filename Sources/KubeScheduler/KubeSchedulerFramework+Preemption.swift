import Foundation
import KubeClient
import KubeSchedulerCore
import KubeTypes

/// Carrying out what DefaultPreemption decided: the core names the node and the victims, the shell
/// records the nomination and evicts. The preemptor is not placed in this cycle: the victims' tasks
/// are killed by their kubelet, their resources come back to this framework in a later offer, and
/// the pod goes to its nominated node then (the core tries that node first).
extension KubeSchedulerFramework {
    func carryOut(_ nomination: Nomination, for preemptor: JSON) async {
        for cleared in nomination.nominationsToClear {
            await setNominatedNode(nil, podKey: cleared.key)
        }
        await setNominatedNode(nomination.nodeName, podKey: Self.key(preemptor))
        for victim in nomination.victims {
            await evict(victim, preemptor: preemptor, nodeName: nomination.nodeName)
        }
    }

    /// Whether a cycle without any offer can still do something: only preemption, and only when a
    /// pending pod outranks some pod already running (upstream runs PostFilter after every failed
    /// placement; here a full cluster sends no offers, so without this the pod would wait forever).
    func preemptionMayHelp(pending: [JSON], allPods: [JSON]) -> Bool {
        let bound = allPods.filter {
            !($0[path: ["spec", "nodeName"]]?.stringValue ?? "").isEmpty && !Self.finished($0)
        }
        guard let lowest = bound.map(Self.priority).min() else { return false }
        return pending.contains {
            $0[path: ["spec", "preemptionPolicy"]]?.stringValue != "Never" && Self.priority($0) > lowest
        }
    }

    static func priority(_ pod: JSON) -> Int64 { pod[path: ["spec", "priority"]]?.intValue ?? 0 }

    /// `status.nominatedNodeName`, or its removal; a pod gone meanwhile needs nothing.
    private func setNominatedNode(_ nodeName: String?, podKey: String) async {
        let (namespace, name) = Informer.split(key: podKey)
        let value: JSON = nodeName.map { .string($0) } ?? .null
        do {
            _ = try await client.patch(
                .pods, namespace: namespace, name: name, ["status": ["nominatedNodeName": value]], type: .merge,
                subresource: "status")
        } catch {
            logger.debug("nomination not recorded", metadata: ["pod": "\(podKey)", "error": "\(error)"])
        }
    }

    /// Upstream's eviction of a victim: the DisruptionTarget condition first (so the preemptor knows
    /// whom it waits for and the victim's owners see why), then a graceful delete bound to the
    /// victim's uid, and a Preempted event.
    private func evict(_ victim: PodReference, preemptor: JSON, nodeName: String) async {
        let (namespace, name) = Informer.split(key: victim.key)
        guard let pod = await pods.get(namespace: namespace, name: name), pod.uid == victim.uid else { return }
        let condition: JSON = [
            "type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler",
            "message": .string("\(options.schedulerName): preempting to accommodate a higher priority pod"),
            "lastTransitionTime": .string(Timestamp.format(Int64(Date().timeIntervalSince1970))),
        ]
        do {
            _ = try await client.patch(
                .pods, namespace: namespace, name: name, ["status": ["conditions": [condition]]], type: .strategic,
                subresource: "status")
            _ = try await client.delete(
                .pods, namespace: namespace, name: name, options: .deleteOptions(uid: victim.uid))
        } catch {
            logger.info("preemption victim not evicted", metadata: ["pod": "\(victim.key)", "error": "\(error)"])
            return
        }
        await events.record(
            .normal, reason: "Preempted", message: "Preempted by pod \(preemptor.uid) on node \(nodeName)",
            about: .pod(pod))
    }
}
