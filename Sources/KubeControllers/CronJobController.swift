import KubeClient
import KubeControllersCore
import KubeTypes
import Logging

/// Starts Jobs on CronJobs' schedules (upstream `pkg/controller/cronjob`, ControllerV2): reads
/// CronJobs and Jobs, lets `CronJobReconciler` decide, makes its writes, writes the status, and
/// queues the CronJob again for its next schedule time.
public final class CronJobController: ContextualController {
    public static let component = "cronjob-controller"

    let context: ControllerContext
    let cronJobs: Informer
    let jobs: Informer

    private init(_ context: ControllerContext) async {
        self.context = context
        cronJobs = await context.informer(.cronJobs)
        jobs = await context.informer(.jobs)
        await registerHandlers()
    }

    /// A controller on the factory's shared informers, its handlers registered.
    public static func make(
        factory: InformerFactory, queue: WorkQueue<String> = WorkQueue(), workers: Int = 2, logger: Logger,
        now: @escaping @Sendable () -> Int64 = WallClock.seconds
    ) async -> CronJobController {
        await CronJobController(
            ControllerContext(
                name: "cronjob", component: component, factory: factory, queue: queue, workers: workers,
                logger: logger, now: now))
    }

    public var queue: WorkQueue<String> { context.queue }
    public var loop: ControllerLoop { context.loop { [self] key in try await sync(key) } }

    /// A Job's change queues the CronJob controlling it, and the one that did before the change.
    private func registerHandlers() async {
        await context.enqueueKeys(of: cronJobs)
        await context.enqueueController(ofKind: "CronJob", from: jobs, includingPrevious: true)
    }

    // MARK: Sync

    /// One reconcile of the CronJob under `key`; throws to be retried with backoff.
    public func sync(_ key: String) async throws {
        guard let cached = await cronJobs.get(key: key) else { return }
        // Read afresh, as upstream does before trusting `status.active`: the cache may not show
        // the status this controller wrote a moment ago, and a stale one would start a Job twice.
        let cronJob: JSON
        do {
            cronJob = try await client.get(.cronJobs, namespace: cached.namespace, name: cached.name)
        } catch let error where ControllerShell.isNotFound(error) {
            return
        }
        let plan = CronJobReconciler.reconcile(cronJob: cronJob, jobs: try await knownJobs(of: cronJob), now: now())
        var current = plan.cronJob
        var failure: (any Error)?
        actions: for action in plan.actions {
            switch action {
            case .recordEvent(let event):
                await record(event, about: cronJob)
            case .deleteJob(let target):
                do {
                    try await delete(target, from: &current)
                } catch {
                    failure = error
                    break actions
                }
            case .createJob(let job, let scheduledTime):
                do {
                    try await create(job, scheduledTime: scheduledTime, in: &current)
                } catch {
                    failure = error
                }
            }
        }
        for victim in plan.cleanup {
            // Upstream reports a failed history delete and carries on with the rest.
            try? await delete(victim, from: &current)
        }
        if current["status"] != cronJob["status"] { try await writeStatus(current) }
        if let failure { throw failure }
        if let seconds = plan.requeueAfter { queue.add(key, after: .seconds(seconds)) }
    }

    /// PUTs the status. The status is this controller's alone, so a conflict with a spec or label
    /// edit made meanwhile is resolved by writing it over the newer object once: losing it would
    /// forget a Job just created, and a later sync would start another.
    private func writeStatus(_ cronJob: JSON) async throws {
        do {
            _ = try await client.updateStatus(.cronJobs, cronJob)
        } catch let error as KubeAPIError where error.isConflict {
            var latest = try await client.get(.cronJobs, namespace: cronJob.namespace, name: cronJob.name)
            guard latest.uid == cronJob.uid else { return }
            latest["status"] = cronJob["status"]
            _ = try await client.updateStatus(.cronJobs, latest)
        }
    }

    /// The CronJob's Jobs in the cache, plus those its status names that the cache does not show
    /// yet but the API server has (upstream looks them up before calling them missing).
    private func knownJobs(of cronJob: JSON) async throws -> [JSON] {
        var known = await jobs.list(namespace: cronJob.namespace)
        let uids = Set(known.map(\.uid))
        for reference in CronJobReconciler.activeReferences(of: cronJob) where !uids.contains(reference.uid) {
            do {
                let job = try await client.get(.jobs, namespace: reference.namespace, name: reference.name)
                if job.uid == reference.uid { known.append(job) }
            } catch let error where ControllerShell.isNotFound(error) {
                // Really gone: the core reports it missing.
            }
        }
        return known
    }

    private func create(_ job: JSON, scheduledTime: Int64, in cronJob: inout JSON) async throws {
        do {
            let created = try await client.create(.jobs, namespace: cronJob.namespace, job)
            cronJob = CronJobReconciler.jobCreated(created, scheduledTime: scheduledTime, in: cronJob)
            await record(.normal, "SuccessfulCreate", "Created job \(created.name)", about: cronJob)
        } catch let error as KubeAPIError where error.isAlreadyExists {
            // Created by an earlier sync whose status write was lost: adopt it into the status if
            // it is ours; a Job of the same name made by someone else is theirs to account for.
            let existing = try await client.get(.jobs, namespace: cronJob.namespace, name: job.name)
            if CronJobReconciler.isControlled(existing, by: cronJob) {
                cronJob = CronJobReconciler.jobCreated(existing, scheduledTime: scheduledTime, in: cronJob)
            }
        } catch {
            await record(
                .warning, "FailedCreate", "Error creating job: \(ControllerShell.message(of: error))", about: cronJob)
            throw error
        }
    }

    private func delete(_ target: ObjectReference, from cronJob: inout JSON) async throws {
        do {
            try await client.delete(
                .jobs, namespace: target.namespace, name: target.name,
                options: .deleteOptions(uid: target.uid, propagation: "Background"))
        } catch let error where ControllerShell.isNotFound(error) {
            // Already gone, which is what the delete wanted.
        } catch {
            await record(.warning, "FailedDelete", "Deleted job: \(ControllerShell.message(of: error))", about: cronJob)
            throw error
        }
        cronJob = CronJobReconciler.jobDeleted(target, in: cronJob)
        await record(.normal, "SuccessfulDelete", "Deleted job \(target.name)", about: cronJob)
    }

    private func record(_ event: ControllerEvent, about cronJob: JSON) async {
        await events.record(event, about: ObjectReference(cronJob), kind: .cronJob)
    }

    private func record(_ type: KubeEventType, _ reason: String, _ message: String, about cronJob: JSON) async {
        await record(ControllerEvent(type, reason: reason, message: message), about: cronJob)
    }
}
