import ExecutorKit
import HTTPSupport
import MesosModel
import Testing

@Suite struct ExecutorEnvironmentTests {
    @Test func readsWhatTheAgentSets() throws {
        let environment = try ExecutorEnvironment.from([
            "MESOS_AGENT_ENDPOINT": "127.0.0.1:5051", "MESOS_FRAMEWORK_ID": "fw-1", "MESOS_EXECUTOR_ID": "kubelet",
            "MESOS_SANDBOX": "/sandbox", "MESOS_CHECKPOINT": "1", "MESOS_RECOVERY_TIMEOUT": "15mins",
            "MESOS_SUBSCRIPTION_BACKOFF_MAX": "2secs", "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": "8secs",
        ])
        #expect(environment.agentEndpoint == "127.0.0.1:5051")
        #expect(environment.frameworkID == FrameworkID("fw-1"))
        #expect(environment.checkpoint)
        #expect(environment.recoveryTimeout == .seconds(900))
        #expect(environment.subscriptionBackoffMax == .seconds(2))
        #expect(environment.shutdownGracePeriod == .seconds(8))
    }

    @Test func missingAndMalformedValuesAreNamed() throws {
        #expect(throws: ExecutorEnvironment.Problem.missing("MESOS_AGENT_ENDPOINT")) {
            try ExecutorEnvironment.from([:])
        }
        let base = ["MESOS_AGENT_ENDPOINT": "a:1", "MESOS_FRAMEWORK_ID": "f", "MESOS_EXECUTOR_ID": "e"]
        #expect(throws: ExecutorEnvironment.Problem.malformed("MESOS_RECOVERY_TIMEOUT", "soon")) {
            try ExecutorEnvironment.from(base.merging(["MESOS_RECOVERY_TIMEOUT": "soon"]) { $1 })
        }
        #expect(throws: ExecutorEnvironment.Problem.malformed("MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "5")) {
            try ExecutorEnvironment.from(base.merging(["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": "5"]) { $1 })
        }
        #expect(try ExecutorEnvironment.from(base).checkpoint == false)
        #expect(try ExecutorEnvironment.from(base).shutdownGracePeriod == .seconds(5))
        #expect(ExecutorEnvironment.parseDuration("1.5secs") == .milliseconds(1500))
        #expect(ExecutorEnvironment.parseDuration("250ms") == .milliseconds(250))
        #expect(ExecutorEnvironment.parseDuration("2hours") == nil)
    }
}

@Suite struct ExecutorLedgerTests {
    static func task(_ id: String) -> TaskInfo {
        TaskInfo(name: id, taskID: TaskID(id), agentID: AgentID("agent"), resources: [], command: nil)
    }

    @Test func unacknowledgedTasksAndUpdatesGoBackInSubscribe() {
        var ledger = ExecutorLedger()
        ledger.launched(Self.task("a"))
        ledger.launched(Self.task("b"))
        ledger.sent(TaskStatus(taskID: TaskID("a"), state: .running, uuid: "u1"))
        ledger.sent(TaskStatus(taskID: TaskID("b"), state: .running, uuid: "u2"))
        #expect(ledger.subscribe.unacknowledgedTasks?.map(\.taskID.value) == ["a", "b"])
        #expect(ledger.subscribe.unacknowledgedUpdates?.map(\.status.uuid) == ["u1", "u2"])
        ledger.acknowledged(taskID: TaskID("a"), uuid: "u1")
        #expect(ledger.subscribe.unacknowledgedTasks?.map(\.taskID.value) == ["b"])
        #expect(ledger.subscribe.unacknowledgedUpdates?.map(\.status.uuid) == ["u2"])
        // An acknowledgement for an unknown uuid changes nothing about other updates.
        ledger.acknowledged(taskID: TaskID("b"), uuid: "other")
        #expect(ledger.updates.map(\.uuid) == ["u2"])
    }
}

@Suite struct ExecutorEventDecodingTests {
    @Test func eventsTheAgentWritesAreReadBack() throws {
        let events: [ExecutorEvent] = [
            .launch(ExecutorLedgerTests.task("t1")), .kill(taskID: TaskID("t1"), killPolicy: nil),
            .acknowledged(taskID: TaskID("t1"), uuid: "abc"), .message(data: "aGk="), .error("boom"), .shutdown,
            .heartbeat,
        ]
        for event in events {
            let bytes = try MesosJSON.encodeBytes(event)
            #expect(try MesosJSON.decode(ExecutorEvent.self, from: bytes) == event)
        }
        #expect(throws: (any Error).self) {
            try MesosJSON.decode(ExecutorEvent.self, from: Array(#"{"type":"EXPLODE"}"#.utf8))
        }
    }
}
