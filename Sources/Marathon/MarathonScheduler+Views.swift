import Foundation
import MarathonCore
import MesosModel

/// Read-only views for the API: AppInfo with its embeds, tasks (reference §4), deployments, info.
extension MarathonScheduler {
    func info(_ app: AppDefinition, embeds: Set<String>) -> JSONValue {
        let live = liveTasks(of: app.id)
        var extras = AppInfoExtras()
        if embeds.contains("counts") {
            let (healthy, unhealthy) = healthCounts(live, of: app)
            extras.counts = AppInfoExtras.Counts(
                staged: live.filter(\.isStaged).count, running: live.filter(\.isRunning).count, healthy: healthy,
                unhealthy: unhealthy)
        }
        if embeds.contains("deployments") { extras.deploymentIds = deploymentIds(of: app.id) }
        if embeds.contains("tasks") { extras.tasks = live.map(taskJSON) }
        if embeds.contains("lastTaskFailure") { extras.lastTaskFailure = lastFailures[app.id] }
        if embeds.contains("readiness") { extras.readinessCheckResults = readinessJSON(of: app.id) }
        return app.infoJSON(extras)
    }

    func taskJSON(_ task: TaskRecord) -> JSONValue {
        let app = apps[PathId(task.appId)]
        var object: [String: JSONValue] = [
            "id": .string(task.id), "appId": .string(task.appId), "host": .string(task.host),
            "ports": .array(task.ports.map { .number(Double($0)) }),
            "servicePorts": .array((app?.portDefinitions ?? []).map { .number(Double($0.port)) }),
            "slaveId": .string(task.agentId), "state": .string(task.state),
            "stagedAt": .string(Timestamp.format(task.stagedAt)), "version": .string(Timestamp.format(task.version)),
            "healthCheckResults": .array(healthResultsJSON(task)), "localVolumes": .array([]),
            "role": .string(task.role),
            "ipAddresses": .array(
                isIPv4(task.host) ? [.object(["ipAddress": .string(task.host), "protocol": .string("IPv4")])] : []),
        ]
        object["startedAt"] = task.startedAt.map { .string(Timestamp.format($0)) }
        return .object(object)
    }

    private func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }

    struct AppFilter: Sendable {
        var id: String?
        var cmd: String?
        var label: LabelSelector?
    }

    /// `GET /v2/apps`: counts and deployments always, more on request.
    func listApps(_ filter: AppFilter, embeds: Set<String>) -> JSONValue {
        let selected = apps.values.sorted { $0.id < $1.id }.filter { app in
            if let id = filter.id, !id.isEmpty, !app.id.description.lowercased().contains(id.lowercased()) {
                return false
            }
            if let cmd = filter.cmd, !cmd.isEmpty, !(app.cmd ?? "").contains(cmd) { return false }
            if let label = filter.label, !label.matches(app.labels) { return false }
            return true
        }
        let all = embeds.union(["counts", "deployments"])
        return .object(["apps": .array(selected.map { info($0, embeds: all) })])
    }

    /// `GET /v2/apps/{id}`: counts, tasks, lastTaskFailure and deployments always.
    func appJSON(_ id: PathId, embeds: Set<String>) throws(MarathonError) -> JSONValue {
        let app = try existing(id)
        return .object(["app": info(app, embeds: embeds.union(["counts", "tasks", "lastTaskFailure", "deployments"]))])
    }

    func tasksJSON(of id: PathId) throws(MarathonError) -> JSONValue {
        _ = try existing(id)
        return .object(["tasks": .array(liveTasks(of: id).map(taskJSON))])
    }

    /// `GET /v2/tasks[?status=running|staging]`.
    func allTasksJSON(states: Set<String>) -> JSONValue {
        let wanted = states.map { "TASK_" + $0.uppercased() }
        let list = tasks.values.sorted { ($0.appId, $0.stagedAt, $0.id) < ($1.appId, $1.stagedAt, $1.id) }
            .filter { wanted.isEmpty || wanted.contains($0.state) }
        return .object(["tasks": .array(list.map(taskJSON))])
    }

    func taskIds(of appId: PathId, host: String?) throws(MarathonError) -> [String] {
        _ = try existing(appId)
        return liveTasks(of: appId).filter { host == nil || $0.host == host }.map(\.id)
    }

    func hasTask(_ id: String) -> Bool { tasks[id] != nil }

    func deploymentsJSON() -> JSONValue {
        .array(
            deployments.values.sorted { $0.plan.version < $1.plan.version }.map {
                $0.plan.json(currentStep: currentStep(of: $0.plan), readiness: readinessResults($0.plan))
            })
    }

    private func readinessResults(_ plan: DeploymentPlan) -> [PathId: [JSONValue]] {
        Dictionary(plan.affectedApps.map { ($0, readinessJSON(of: $0)) }) { first, _ in first }
    }

    func versionsJSON(_ id: PathId) async throws -> JSONValue {
        _ = try existing(id)
        let versions = try await store.versions(of: id).compactMap(\.version).sorted(by: >)
        return .object(["versions": .array(versions.map { .string(Timestamp.format($0)) })])
    }

    func versionJSON(_ id: PathId, _ text: String) async throws -> JSONValue {
        _ = try existing(id)
        guard let version = Timestamp.parse(text),
            let app = try await store.versions(of: id).first(where: { $0.version == Timestamp.normalize(version) })
        else { throw MarathonError(.notFound, "App '\(id)' in version \(text) does not exist") }
        return app.json()
    }

    /// `GET /v2/queue`: apps waiting for launches, with their backoff delay. Items carry no `role`
    /// (marathon-python 0.13 refuses it); `processedOffersSummary` tells what the offers did for it.
    func queueJSON() -> JSONValue {
        let now = Date()
        let items: [JSONValue] = apps.values.sorted { $0.id < $1.id }.compactMap { app in
            let waiting = decision(for: app.id).launch
            guard waiting > 0 else { return nil }
            let backoff = backoffs[app.id] ?? LaunchBackoff()
            return .object([
                "app": info(app, embeds: ["counts", "deployments"]), "count": .number(Double(waiting)),
                "delay": backoff.queueDelayJSON(now: now),
                "since": .string(Timestamp.format(app.versionInfo?.lastScalingAt ?? app.version ?? now)),
                "processedOffersSummary": (offerStats[app.id] ?? OfferStats()).json,
            ])
        }
        return .object(["queue": .array(items)])
    }

    /// `DELETE /v2/queue/{id}/delay`: the app launches again at once.
    func resetDelay(_ id: PathId) throws(MarathonError) {
        _ = try existing(id)
        backoffs[id, default: LaunchBackoff()].reset()
        wake()
    }

    /// `GET /v2/info`, with only the keys marathon-python's `MarathonInfo` models (reference §6.2).
    func infoJSON() -> JSONValue {
        .object([
            "name": .string("marathon"), "version": .string("1.10.0-mesokube"), "buildref": .string("mesokube"),
            "elected": .bool(true), "leader": .string(advertised),
            "frameworkId": frameworkID.map { .string($0.value) } ?? .null,
            "marathon_config": .object([
                "master": .string(options.master), "framework_name": .string(options.frameworkName),
                "mesos_role": .string(options.role), "hostname": .string(advertised),
                "decline_offer_duration": .number(options.declineSeconds * 1000), "checkpoint": .bool(true),
                "failover_timeout": .number(7 * 24 * 3600), "ha": .bool(false),
                "local_port_min": .number(10000), "local_port_max": .number(20000),
                "max_instances_per_offer": .number(Double(options.maxInstancesPerOffer)),
            ]),
            "zookeeper_config": .object([:]),
            "http_config": .object([
                "http_port": .number(Double(advertised.split(separator: ":").last.flatMap { Int($0) } ?? 0))
            ]),
        ])
    }
}
