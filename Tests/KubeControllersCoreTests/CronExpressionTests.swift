import Foundation
import KubeTypes
import Testing

@testable import KubeControllersCore

@Suite struct CronExpressionTests {
    static let utc = TimeZone(identifier: "UTC")!

    static func t(_ text: String) -> Int64 { Timestamp.parse(text)! }

    func next(_ schedule: String, after: String, zone: TimeZone = utc) throws -> String? {
        try CronExpression(schedule).next(after: Self.t(after), in: zone).map(Timestamp.format)
    }

    @Test func stepsRangesListsAndNames() throws {
        #expect(try next("*/1 * * * *", after: "2026-01-01T00:00:00Z") == "2026-01-01T00:01:00Z")
        #expect(try next("*/1 * * * *", after: "2026-01-01T00:00:30Z") == "2026-01-01T00:01:00Z")
        #expect(try next("*/15 * * * *", after: "2026-01-01T00:16:00Z") == "2026-01-01T00:30:00Z")
        #expect(try next("5-10/2 3 * * *", after: "2026-01-01T03:07:00Z") == "2026-01-01T03:09:00Z")
        #expect(try next("5-10/2 3 * * *", after: "2026-01-01T03:09:00Z") == "2026-01-02T03:05:00Z")
        #expect(try next("0 9,17 * * *", after: "2026-01-01T10:00:00Z") == "2026-01-01T17:00:00Z")
        // 2026-01-01 is a Thursday.
        #expect(try next("30 8 * * MON-FRI", after: "2026-01-02T09:00:00Z") == "2026-01-05T08:30:00Z")
        #expect(try next("0 0 1 JAN,jul *", after: "2026-01-01T00:00:00Z") == "2026-07-01T00:00:00Z")
        #expect(try next("0 0 29 2 *", after: "2026-01-01T00:00:00Z") == "2028-02-29T00:00:00Z")
    }

    @Test func dayOfMonthAndDayOfWeekCombineAsUpstream() throws {
        // Both restricted: either matches (the 13th, or any Friday).
        #expect(try next("0 0 13 * 5", after: "2026-01-01T00:00:00Z") == "2026-01-02T00:00:00Z")
        // One is a star: both must match, so only Fridays.
        #expect(try next("0 0 * * 5", after: "2026-01-02T00:00:00Z") == "2026-01-09T00:00:00Z")
        // A stepped star is a restriction, not a star.
        #expect(try next("0 0 */10 * 1", after: "2026-01-02T00:00:00Z") == "2026-01-05T00:00:00Z")
    }

    @Test func macros() throws {
        let after = "2026-03-15T12:34:00Z"
        #expect(try next("@hourly", after: after) == "2026-03-15T13:00:00Z")
        #expect(try next("@daily", after: after) == "2026-03-16T00:00:00Z")
        #expect(try next("@midnight", after: after) == "2026-03-16T00:00:00Z")
        #expect(try next("@weekly", after: after) == "2026-03-22T00:00:00Z")
        #expect(try next("@monthly", after: after) == "2026-04-01T00:00:00Z")
        #expect(try next("@yearly", after: after) == "2027-01-01T00:00:00Z")
        #expect(try next("@annually", after: after) == "2027-01-01T00:00:00Z")
        #expect(try next("@every 90s", after: after) == "2026-03-15T12:35:30Z")
    }

    @Test func timesInAZoneFollowItsWallClock() throws {
        let tokyo = try #require(TimeZone(identifier: "Asia/Tokyo"))
        // 09:00 in Tokyo is 00:00 UTC.
        #expect(try next("0 9 * * *", after: "2026-01-01T00:00:00Z", zone: tokyo) == "2026-01-02T00:00:00Z")
        #expect(try next("0 9 * * *", after: "2025-12-31T23:00:00Z", zone: tokyo) == "2026-01-01T00:00:00Z")
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        // Midnight in New York: 05:00 UTC in winter, 04:00 UTC in summer.
        #expect(try next("0 0 * * *", after: "2026-01-01T06:00:00Z", zone: newYork) == "2026-01-02T05:00:00Z")
        #expect(try next("0 0 * * *", after: "2026-07-01T06:00:00Z", zone: newYork) == "2026-07-02T04:00:00Z")
    }

    @Test func impossibleSchedulesNeverFire() throws {
        #expect(try next("0 0 30 2 *", after: "2026-01-01T00:00:00Z") == nil)
    }

    @Test func badSchedulesAreRefusedWithTheParserMessage() {
        #expect(throws: CronExpression.ParseError.self) { try CronExpression("* * * *") }
        #expect(throws: CronExpression.ParseError(description: "end of range (60) above maximum (59): 0-60")) {
            try CronExpression("0-60 * * * *")
        }
        #expect(throws: CronExpression.ParseError.self) { try CronExpression("@fortnightly") }
    }

    @Test func rfc3339InAZone() throws {
        let tokyo = try #require(TimeZone(identifier: "Asia/Tokyo"))
        #expect(WallClockMath(zone: tokyo).rfc3339(Self.t("2026-01-01T00:00:00Z")) == "2026-01-01T09:00:00+09:00")
        #expect(WallClockMath(zone: Self.utc).rfc3339(Self.t("2026-01-01T00:00:00Z")) == "2026-01-01T00:00:00Z")
        #expect(WallClockMath.rfc1123Z(Self.t("2026-01-01T00:05:00Z")) == "Thu, 01 Jan 2026 00:05:00 +0000")
    }
}
