import KubeClient
import KubeControllersCore
import KubeTypes
import Synchronization

/// Each controlled object's `PodExpectations`, by queue key, shared by the sync (which sets them
/// before writing) and the pod informer's handler (which lowers them as the writes show up).
final class ExpectationsStore: Sendable {
    private let entries = Mutex<[String: PodExpectations]>([:])

    func set(_ key: String, creations: Int, deletions: [ObjectReference], now: Int64) {
        entries.withLock { $0[key] = PodExpectations(creations: creations, deletions: deletions, now: now) }
    }

    func remove(_ key: String) { entries.withLock { _ = $0.removeValue(forKey: key) } }

    func isSatisfied(_ key: String, now: Int64) -> Bool {
        entries.withLock { $0[key]?.isSatisfied(now: now) ?? true }
    }

    func creationObserved(_ key: String) { entries.withLock { $0[key]?.creationObserved() } }

    func creationsSkipped(_ key: String, _ count: Int) { entries.withLock { $0[key]?.creationsSkipped(count) } }

    func deletionObserved(_ key: String, pod podKey: String) {
        entries.withLock { $0[key]?.deletionObserved(podKey) }
    }

    /// Follows the pod informer: each pod change is observed before the handlers registered
    /// after this one queue the pod's controller.
    func follow(_ pods: Informer, controllerKind kind: String) async {
        await pods.addHandler { [self] event in observe(event, controllerKind: kind) }
    }

    /// Lowers the expectations of the pod's controller (of `kind`) for a pod the informer saw
    /// appear or start going away.
    func observe(_ event: InformerEvent, controllerKind kind: String) {
        let pod = event.object
        guard let key = ControllerShell.controllerKey(of: pod, kind: kind) else { return }
        switch event {
        case .added:
            if pod.deletionRequested { deletionObserved(key, pod: Informer.key(pod)) } else { creationObserved(key) }
        case .updated(let old, _):
            if pod.deletionRequested && !old.deletionRequested { deletionObserved(key, pod: Informer.key(pod)) }
        case .deleted:
            deletionObserved(key, pod: Informer.key(pod))
        }
    }
}

/// A planned action of a controller that keeps expectations: its pod creates and deletes must be
/// covered by them before they are sent.
protocol PodWritingAction: Sendable {
    var writesPods: Bool { get }
}

extension ExpectationsStore {
    /// Makes a plan's writes in order, setting the key's expectations right before the first pod
    /// write: the informer cannot see a pod before it is created, and a plan that stops earlier
    /// must not leave expectations nobody will meet. A failed pod write rethrows the server's error.
    func carryOut<Action: PodWritingAction>(
        _ actions: [Action], key: String, creations: Int, deletions: [ObjectReference], now: Int64,
        _ execute: (Action) async throws -> Void
    ) async throws {
        var expecting = false
        for action in actions {
            if !expecting, action.writesPods {
                expecting = true
                set(key, creations: creations, deletions: deletions, now: now)
            }
            do {
                try await execute(action)
            } catch let failure as PodWriteFailure {
                throw failure.error
            }
        }
    }
}

/// Creating or deleting pods failed; `message` is the server's, for conditions and events.
struct PodWriteFailure: Error {
    var error: any Error
    var message: String
}

/// Pod creates and deletes of a controller's sync as upstream's `PodControl` and `manageReplicas`
/// make them, with their events and the bookkeeping of expectations.
struct PodWriter: Sendable {
    let client: KubeClient
    let events: EventRecorder
    let kind: EventRecorder.Kind
    let expectations: ExpectationsStore

    /// Creates `count` pods in slow-start batches (1, 2, 4, ...), each batch in parallel,
    /// stopping after a batch with a failure so a rejected pod costs a few requests, not hundreds.
    /// Creates that failed or were never sent will not be observed, so they leave the expectations.
    func createPods(_ count: Int, from pod: JSON, owner: ObjectReference, key: String) async throws {
        try await createPods(Array(repeating: pod, count: count), owner: owner, key: key)
    }

    /// Creates these pods (a DaemonSet's differ by node) in the same slow-start batches.
    func createPods(_ pods: [JSON], owner: ObjectReference, key: String) async throws {
        let count = pods.count
        var sent = 0
        for batch in ReplicaSetReconciler.slowStartBatches(count) {
            let failures = await withTaskGroup(of: (any Error)?.self) { group in
                for pod in pods[sent..<(sent + batch)] {
                    group.addTask { await createPod(pod, owner: owner, key: key) }
                }
                return await group.reduce(into: [any Error]()) { errors, error in
                    if let error { errors.append(error) }
                }
            }
            sent += batch
            if let failure = failures.first {
                expectations.creationsSkipped(key, count - sent)
                throw PodWriteFailure(error: failure, message: ControllerShell.message(of: failure))
            }
        }
    }

    private func createPod(_ pod: JSON, owner: ObjectReference, key: String) async -> (any Error)? {
        do {
            let created = try await client.create(.pods, namespace: owner.namespace, pod)
            await events.record(
                .normal, reason: "SuccessfulCreate", message: "Created pod: \(created.name)", about: owner, kind: kind)
            return nil
        } catch {
            expectations.creationsSkipped(key, 1)
            await events.record(
                .warning, reason: "FailedCreate", message: "Error creating: \(ControllerShell.message(of: error))",
                about: owner, kind: kind)
            return error
        }
    }

    /// Deletes the victims in parallel, each only if it is still the pod the decision was about.
    /// A pod already gone counts as deleted; a failed delete will not be observed either.
    func deletePods(_ victims: [ObjectReference], owner: ObjectReference, key: String) async throws {
        let failures = await withTaskGroup(of: (any Error)?.self) { group in
            for victim in victims {
                group.addTask { await deletePod(victim, owner: owner, key: key) }
            }
            return await group.reduce(into: [any Error]()) { errors, error in
                if let error { errors.append(error) }
            }
        }
        guard let first = failures.first else { return }
        throw PodWriteFailure(error: first, message: ControllerShell.message(of: first))
    }

    private func deletePod(_ victim: ObjectReference, owner: ObjectReference, key: String) async -> (any Error)? {
        do {
            try await client.delete(
                .pods, namespace: victim.namespace, name: victim.name,
                options: .deleteOptions(uid: victim.uid))
            await events.record(
                .normal, reason: "SuccessfulDelete", message: "Deleted pod: \(victim.name)", about: owner, kind: kind)
            return nil
        } catch {
            expectations.deletionObserved(key, pod: victim.description)
            if ControllerShell.isNotFound(error) { return nil }
            await events.record(
                .warning, reason: "FailedDelete", message: "Error deleting: \(ControllerShell.message(of: error))",
                about: owner, kind: kind)
            return error
        }
    }
}
