import Foundation
import MesosModel

/// What the offers an app's waiting instances saw did for it (Marathon's `processedOffersSummary`
/// on `GET /v2/queue`, reference §1.6): how many were processed and left unused, when, and the
/// reject funnel — each stage counts the offers that reached it (`processed`) and those turned down
/// there (`declined`), in Marathon's order. Counting starts when the app starts waiting for
/// launches and ends when it has none left.
///
/// Public API for the framework shell: `OfferStats` (`used(at:)`, `rejected(_:at:)`, `json`).
public struct OfferStats: Hashable, Sendable {
    /// Marathon's reject-summary stages, in funnel order.
    public static let stages = [
        "UnfulfilledRole", "UnfulfilledConstraint", "NoCorrespondingReservationFound", "AgentMaintenance",
        "InsufficientCpus", "InsufficientMemory", "InsufficientDisk", "InsufficientGpus", "InsufficientPorts",
        "DeclinedScarceResources",
    ]

    public private(set) var processed = 0
    public private(set) var unused = 0
    public private(set) var lastUsedOfferAt: Date?
    public private(set) var lastUnusedOfferAt: Date?
    /// Per stage: offers that reached it, and offers declined there.
    public private(set) var reached = Array(repeating: 0, count: stages.count)
    public private(set) var declined = Array(repeating: 0, count: stages.count)

    public init() {}

    public mutating func used(at now: Date) {
        processed += 1
        lastUsedOfferAt = now
        for index in reached.indices { reached[index] += 1 }
    }

    public mutating func rejected(_ rejection: OfferMatcher.Rejection, at now: Date) {
        processed += 1
        unused += 1
        lastUnusedOfferAt = now
        let stage = Self.stages.firstIndex(of: rejection.rawValue) ?? Self.stages.count - 1
        for index in 0...stage { reached[index] += 1 }
        declined[stage] += 1
    }

    public var json: JSONValue {
        func time(_ date: Date?) -> JSONValue { date.map { .string(Timestamp.format($0)) } ?? .null }
        let summary = JSONValue.array(
            Self.stages.indices.map { index in
                .object([
                    "reason": .string(Self.stages[index]), "processed": .number(Double(reached[index])),
                    "declined": .number(Double(declined[index])),
                ])
            })
        return .object([
            "processedOffersCount": .number(Double(processed)), "unusedOffersCount": .number(Double(unused)),
            "lastUsedOfferAt": time(lastUsedOfferAt), "lastUnusedOfferAt": time(lastUnusedOfferAt),
            "rejectSummaryLastOffers": summary, "rejectSummaryLaunchAttempt": summary,
        ])
    }
}
