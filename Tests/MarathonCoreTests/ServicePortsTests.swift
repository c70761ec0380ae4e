import Foundation
import MesosModel
import Testing

@testable import MarathonCore

@Suite struct ServicePortsTests {
    static func app(_ ports: [Int]) -> AppDefinition {
        var app = try! AppDefinition.create(from: json(#"{"id":"/a","cmd":"run"}"#))
        app.portDefinitions = ports.map { PortDefinition(port: $0) }
        return app
    }

    @Test func zerosGetTheLowestFreeServicePortsAndFixedOnesStay() throws {
        let assigned = try #require(ServicePorts.assign(Self.app([0, 10005, 0]), previous: nil, inUse: [10000]))
        #expect(assigned.portDefinitions.map(\.port) == [10001, 10005, 10002])
        #expect(ServicePorts.of(assigned) == [10001, 10005, 10002])
    }

    @Test func anUpdateKeepsThePortsItHad() throws {
        let before = Self.app([10007, 10008])
        let after = try #require(ServicePorts.assign(Self.app([0, 0, 0]), previous: before, inUse: [10000]))
        #expect(after.portDefinitions.map(\.port) == [10007, 10008, 10001])
        // A port another app took meanwhile is not kept.
        let moved = try #require(ServicePorts.assign(Self.app([0]), previous: before, inUse: [10007]))
        #expect(moved.portDefinitions.map(\.port) == [10000])
    }

    @Test func anExhaustedRangeIsNil() {
        #expect(ServicePorts.assign(Self.app([0]), previous: nil, inUse: Set(ServicePorts.range)) == nil)
        #expect(ServicePorts.assign(Self.app([]), previous: nil, inUse: Set(ServicePorts.range)) != nil)
    }
}

@Suite struct OfferStatsTests {
    @Test func theRejectFunnelCountsWhereEachOfferStopped() {
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        var stats = OfferStats()
        stats.rejected(.unfulfilledConstraint, at: t0)
        stats.rejected(.insufficientMemory, at: t0 + 1)
        stats.used(at: t0 + 2)
        #expect(stats.processed == 3 && stats.unused == 2)
        let json = stats.json
        #expect(json["lastUnusedOfferAt"] == .string(Timestamp.format(t0 + 1)))
        #expect(json["lastUsedOfferAt"] == .string(Timestamp.format(t0 + 2)))
        guard case .array(let funnel)? = json["rejectSummaryLastOffers"] else {
            Issue.record("no funnel")
            return
        }
        func stage(_ reason: String) -> (Double?, Double?) {
            let entry = funnel.first { $0["reason"] == .string(reason) }
            return (entry?["processed"]?.doubleValue, entry?["declined"]?.doubleValue)
        }
        #expect(stage("UnfulfilledRole") == (3, 0))
        #expect(stage("UnfulfilledConstraint") == (3, 1))
        #expect(stage("InsufficientCpus") == (2, 0))
        #expect(stage("InsufficientMemory") == (2, 1))
        #expect(stage("InsufficientDisk") == (1, 0))
        #expect(stage("DeclinedScarceResources") == (1, 0))
    }
}
