import Foundation
import KubeClient
import KubeControllersCore
import KubeTypes
import Logging

/// Runs each StatefulSet's ordinal pods (upstream `pkg/controller/statefulset`): reads sets, pods,
/// claims and ControllerRevisions from informers, lets `StatefulSetReconciler` decide, and makes
/// its writes. Pods have fixed names, so a create the cache has not caught up with fails with
/// AlreadyExists and counts as done; no expectations are needed.
public final class StatefulSetController: ContextualController {
    public static let component = "statefulset-controller"

    let context: ControllerContext
    let statefulSets: Informer
    let pods: Informer
    let claims: Informer
    let revisions: Informer

    private init(_ context: ControllerContext) async {
        self.context = context
        statefulSets = await context.informer(.statefulSets)
        pods = await context.informer(.pods)
        claims = await context.informer(.persistentVolumeClaims)
        revisions = await context.informer(.controllerRevisions)
        await registerHandlers()
    }

    /// A controller on the factory's shared informers, its handlers registered.
    public static func make(
        factory: InformerFactory, queue: WorkQueue<String> = WorkQueue(), workers: Int = 2, logger: Logger
    ) async -> StatefulSetController {
        await StatefulSetController(
            ControllerContext(
                name: "statefulset", component: component, factory: factory, queue: queue, workers: workers,
                logger: logger))
    }

    public var queue: WorkQueue<String> { context.queue }
    public var loop: ControllerLoop { context.loop { [self] key in try await sync(key) } }

    /// A pod queues its StatefulSet, or for an orphan every set of the namespace that selects it.
    private func registerHandlers() async {
        await context.enqueueKeys(of: statefulSets)
        await context.enqueueController(ofKind: "StatefulSet", from: pods)
        let statefulSets = self.statefulSets
        await context.enqueueLater(from: pods, when: { $0.object[path: ["metadata", "ownerReferences"]] == nil }) {
            event in
            let pod = event.object
            return await statefulSets.list(namespace: pod.namespace).filter { set in
                guard let selector = set[path: ["spec", "selector"]], let parsed = try? LabelSelector(object: selector)
                else { return false }
                return parsed.matches(pod.labels)
            }.map { Informer.key($0) }
        }
    }

    public func sync(_ key: String) async throws {
        guard let set = await statefulSets.get(key: key) else { return }
        let namespace = set.namespace
        let now = now()
        let plan = StatefulSetReconciler.reconcile(
            statefulSet: set, pods: await pods.list(namespace: namespace),
            claims: await claims.list(namespace: namespace), revisions: await revisions.list(namespace: namespace),
            now: now)
        let owner = ObjectReference(set)
        for action in plan.actions { try await execute(action, set: set, owner: owner) }
        if let seconds = plan.requeueAfter { queue.add(key, after: .seconds(seconds)) }
    }

    private func execute(_ action: StatefulSetAction, set: JSON, owner: ObjectReference) async throws {
        switch action {
        case .createRevision(let revision):
            try await createTolerated(.controllerRevisions, revision, namespace: set.namespace)
        case .deleteRevision(let revision):
            try await deleteTolerated(.controllerRevisions, revision)
        case .adoptPod(let pod, let patch), .releasePod(let pod, let patch):
            do {
                _ = try await client.patch(.pods, namespace: pod.namespace, name: pod.name, patch, type: .strategic)
            } catch let error where ControllerShell.isNotFound(error) {
                // Gone meanwhile.
            }
        case .createClaim(let claim):
            try await write(
                set, verb: "create", what: "Claim \(claim.name) Pod \(podName(ofClaim: claim, set: set))",
                okReason: "SuccessfulCreate", failReason: "FailedCreate", okWord: "success"
            ) { try await self.createTolerated(.persistentVolumeClaims, claim, namespace: set.namespace) }
        case .deleteClaim(let claim):
            try await deleteTolerated(.persistentVolumeClaims, claim)
        case .createPod(let pod):
            try await write(
                set, verb: "create", what: "Pod \(pod.name)", okReason: "SuccessfulCreate", failReason: "FailedCreate"
            ) { try await self.createTolerated(.pods, pod, namespace: set.namespace) }
        case .deletePod(let pod):
            try await write(
                set, verb: "delete", what: "Pod \(pod.name)", okReason: "SuccessfulDelete", failReason: "FailedDelete"
            ) { try await self.deleteTolerated(.pods, pod) }
        case .updateStatus(let updated):
            _ = try await client.updateStatus(.statefulSets, updated)
        }
    }

    /// One pod or claim write with upstream's event (`create Pod web-0 in StatefulSet web successful`).
    private func write(
        _ set: JSON, verb: String, what: String, okReason: String, failReason: String, okWord: String = "successful",
        _ body: @Sendable () async throws -> Bool
    ) async throws {
        let subject = EventRecorder.Subject(kind: .statefulSet, namespace: set.namespace, name: set.name, uid: set.uid)
        do {
            guard try await body() else { return }
            await events.record(
                .normal, reason: okReason, message: "\(verb) \(what) in StatefulSet \(set.name) \(okWord)",
                about: subject)
        } catch {
            await events.record(
                .warning, reason: failReason,
                message:
                    "\(verb) \(what) in StatefulSet \(set.name) failed error: \(ControllerShell.message(of: error))",
                about: subject)
            throw error
        }
    }

    private func podName(ofClaim claim: JSON, set: JSON) -> String {
        // `<template>-<set>-<ordinal>`: the pod's name is the part after the template's name.
        guard let range = claim.name.range(of: "-" + set.name + "-", options: .backwards) else { return "" }
        return String(claim.name[claim.name.index(after: range.lowerBound)...])
    }

    /// False when the object was there already: names are fixed, so it is what an earlier sync made.
    @discardableResult
    private func createTolerated(_ resource: KubeResource, _ object: JSON, namespace: String) async throws -> Bool {
        do {
            _ = try await client.create(resource, namespace: namespace, object)
            return true
        } catch let error as KubeAPIError where error.code == 409 {
            return false
        }
    }

    /// False when the object was gone already.
    @discardableResult
    private func deleteTolerated(_ resource: KubeResource, _ object: ObjectReference) async throws -> Bool {
        do {
            try await client.delete(
                resource, namespace: object.namespace, name: object.name,
                options: .deleteOptions(uid: object.uid))
            return true
        } catch let error where ControllerShell.isNotFound(error) {
            return false
        }
    }
}

extension EventRecorder.Kind {
    public static let statefulSet = EventRecorder.Kind(apiVersion: "apps/v1", kind: "StatefulSet")
}
