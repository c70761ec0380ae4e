import MasterCore
import MesosModel
import TestSupport
import Testing

@Suite("MasterCore: subscription, failover and teardown")
struct SubscriptionTests {
    @Test("SUBSCRIBE assigns <masterID>-0000 and streams SUBSCRIBED, then HEARTBEAT")
    func subscribeAssignsIDs() throws {
        var harness = MasterHarness()
        let first = harness.subscribe(makeFrameworkInfo(name: "one"))
        #expect(first.id == FrameworkID("m1-0000"))
        let events = first.actions.schedulerEvents(for: first.stream)
        try #require(events.count == 2)
        guard case .subscribed(let id, let heartbeat, let master) = events[0] else {
            Issue.record("first event is \(events[0].typeName), not SUBSCRIBED")
            return
        }
        #expect(id == first.id)
        #expect(heartbeat == 15)
        #expect(master?.id == "m1")
        #expect(events[1] == .heartbeat)
        #expect(harness.persisted.frameworks["m1-0000"] != nil, "the framework id must be durable")
        #expect(harness.subscribe(makeFrameworkInfo(name: "two")).id == FrameworkID("m1-0001"))
    }

    @Test("SUBSCRIBE with an invalid FrameworkInfo is refused")
    func subscribeValidates() {
        var harness = MasterHarness()
        let result = harness.core.subscribe(
            SchedulerCalls.subscribe(makeFrameworkInfo(name: "")), streamID: "s", now: harness.now)
        guard case .failure(let error) = result else {
            Issue.record("an empty name was accepted")
            return
        }
        #expect(error.status == 400)
        #expect(harness.core.frameworks.isEmpty)
    }

    @Test("Offer constraints and offer filters are refused by name, not ignored")
    func unsupportedSubscribeFieldsAreRefused() {
        var harness = MasterHarness()
        var constrained = SchedulerCalls.subscribe(makeFrameworkInfo(name: "c"))
        constrained.subscribe?.offerConstraints = .object(["role_constraints": .object([:])])
        var filtered = makeFrameworkInfo(name: "f")
        filtered.offerFilters = .object(["*": .object(["min_allocatable_resources": .object([:])])])
        for (call, field) in [
            (constrained, "offer_constraints"), (SchedulerCalls.subscribe(filtered), "offer_filters"),
        ] {
            let result = harness.core.subscribe(call, streamID: "s-\(field)", now: harness.now)
            guard case .failure(let error) = result else {
                Issue.record("\(field) was accepted")
                continue
            }
            #expect(error.status == 400)
            #expect(error.message.contains(field))
        }
        #expect(harness.core.frameworks.isEmpty)
    }

    @Test("Re-subscribing with the same id fails the old stream over")
    func resubscribeFailsOver() throws {
        var harness = MasterHarness()
        var info = makeFrameworkInfo(failoverTimeout: 60)
        let first = harness.subscribe(info)
        info.id = first.id
        let second = harness.subscribe(info)
        #expect(second.id == first.id)
        #expect(second.actions.schedulerEvents(for: first.stream) == [.error("Framework failed over")])
        let errorIndex = try #require(
            second.actions.firstIndex(of: .sendToFramework(streamID: first.stream, .error("Framework failed over"))))
        let closeIndex = try #require(second.actions.firstIndex(of: .closeFrameworkStream(streamID: first.stream)))
        #expect(errorIndex < closeIndex, "the ERROR must reach the old stream before it closes")
        guard case .subscribed(let id, _, _)? = second.actions.schedulerEvents(for: second.stream).first else {
            Issue.record("the new stream did not start with SUBSCRIBED")
            return
        }
        #expect(id == first.id)
        #expect(harness.core.frameworks[first.id]?.streamID == second.stream)
        let stale = harness.core.handleCall(
            SchedulerCalls.reconcile(first.id), streamID: first.stream, now: harness.now)
        #expect(stale.failure?.status == 400)
        harness.call(SchedulerCalls.reconcile(first.id), stream: second.stream)
    }

    @Test("Calls are checked against the subscription: 400 for a bad stream id, 403 when not subscribed")
    func callsNeedTheCurrentStream() {
        var harness = MasterHarness()
        let framework = harness.subscribe(makeFrameworkInfo(failoverTimeout: 60))
        let call = SchedulerCalls.reconcile(framework.id)
        #expect(harness.core.handleCall(call, streamID: nil, now: harness.now).failure?.status == 400)
        #expect(harness.core.handleCall(call, streamID: "other", now: harness.now).failure?.status == 400)
        let unknown = SchedulerCalls.reconcile(FrameworkID("m1-9999"))
        #expect(harness.core.handleCall(unknown, streamID: framework.stream, now: harness.now).failure?.status == 400)
        var anonymous = call
        anonymous.frameworkID = nil
        #expect(harness.core.handleCall(anonymous, streamID: framework.stream, now: harness.now).failure?.status == 400)
        harness.perform(harness.core.frameworkDisconnected(streamID: framework.stream, now: harness.now))
        let disconnected = harness.core.handleCall(call, streamID: framework.stream, now: harness.now)
        #expect(disconnected.failure?.status == 403)
    }

    @Test("A disconnected framework keeps its tasks until the failover timeout, then they are killed")
    func failoverTimeoutRemovesFramework() {
        var (harness, framework, stream, agent, session, offer) = MasterHarness.withOffer(
            makeFrameworkInfo(failoverTimeout: 30))
        harness.call(
            SchedulerCalls.accept(framework, offers: [offer.id], tasks: [makeTask("t1", agentID: agent, cpus: 1)]),
            stream: stream)
        harness.perform(harness.core.frameworkDisconnected(streamID: stream, now: harness.now))
        #expect(harness.core.frameworks[framework]?.connected == false)
        #expect(harness.core.offers.isEmpty)
        harness.advance(by: 29)
        let early = harness.perform(harness.core.tick(now: harness.now))
        #expect(!early.agentEvents(for: session).contains(.shutdownFramework(framework)))
        #expect(harness.core.frameworks[framework]?.tasks[TaskID("t1")] != nil)
        harness.advance(by: 2)
        let expired = harness.perform(harness.core.tick(now: harness.now))
        #expect(expired.agentEvents(for: session).contains(.shutdownFramework(framework)))
        #expect(harness.core.frameworks[framework] == nil)
        let removed = harness.core.completedFrameworks.last { $0.id == framework }
        #expect(removed?.completedTasks.first { $0.id == TaskID("t1") }?.state == .killed)
        #expect(harness.persisted.removedFrameworks.contains(framework.value))
        #expect(harness.core.allocatedScalar("cpus", on: agent) == 0)
        var info = makeFrameworkInfo(failoverTimeout: 30)
        info.id = framework
        let again = harness.core.subscribe(SchedulerCalls.subscribe(info), streamID: "late", now: harness.now)
        #expect(again.failure?.message == "Framework has been removed")
        #expect(again.failure?.asStreamError == true)
    }

    @Test("A framework that re-subscribes within its failover timeout keeps its tasks")
    func reconnectWithinTimeout() {
        var (harness, framework, stream, agent, _, offer) = MasterHarness.withOffer(
            makeFrameworkInfo(failoverTimeout: 30))
        harness.call(
            SchedulerCalls.accept(framework, offers: [offer.id], tasks: [makeTask("t1", agentID: agent)]),
            stream: stream)
        harness.perform(harness.core.frameworkDisconnected(streamID: stream, now: harness.now))
        harness.advance(by: 20)
        var info = makeFrameworkInfo(failoverTimeout: 30)
        info.id = framework
        _ = harness.subscribe(info)
        harness.advance(by: 20)
        harness.perform(harness.core.tick(now: harness.now))
        #expect(harness.core.frameworks[framework]?.tasks[TaskID("t1")] != nil)
    }

    @Test("TEARDOWN shuts the framework down everywhere and closes its stream")
    func teardown() {
        var (harness, framework, stream, agent, session, offer) = MasterHarness.withOffer()
        harness.call(
            SchedulerCalls.accept(framework, offers: [offer.id], tasks: [makeTask("t1", agentID: agent, cpus: 1)]),
            stream: stream)
        let actions = harness.call(SchedulerCalls.teardown(framework), stream: stream)
        #expect(actions.closes(stream))
        #expect(actions.agentEvents(for: session).contains(.shutdownFramework(framework)))
        #expect(harness.core.frameworks[framework] == nil)
        #expect(harness.core.allocatedScalar("cpus", on: agent) == 0)
        #expect(harness.persisted.removedFrameworks.contains(framework.value))
    }

    @Test(
        "TEARDOWN returns the framework's outstanding offers",
        .bug(id: "SIM-4", "removeFramework drops the record before recoverOffers(of:)"))
    func teardownRecoversOffers() {
        var (harness, framework, stream, agent, _, _) = MasterHarness.withOffer()
        harness.call(SchedulerCalls.teardown(framework), stream: stream)
        #expect(harness.core.offers.isEmpty)
        #expect(harness.core.allocatedScalar("cpus", on: agent) == 0)
        let other = harness.subscribe(makeFrameworkInfo(name: "other"))
        let offers = harness.offers(for: other.stream)
        #expect(offers.count == 1)
        let offered = offers.reduce(0) { $0 + Resources($1.resources).cpus }
        let outstanding = harness.core.offers.values.reduce(0) { $0 + $1.resources.cpus }
        #expect(
            outstanding <= 4, "more cpus are on offer (\(outstanding)) than the agent has (4); offered now \(offered)")
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
