/// Marathon timestamps: ISO 8601 in UTC with milliseconds and `Z` (`2026-11-22T06:33:41.123Z`),
/// the form marathon-python parses (`%Y-%m-%dT%H:%M:%S.%fZ`).
///
/// Public API: `Timestamp.format(_ date:)`, `Timestamp.parse(_ text:)` (accepts `Z` or `±hh:mm`,
/// with or without fractional seconds), `Timestamp.normalize(_:)`. Versions are kept at whole
/// milliseconds (as Marathon's), so a version parsed back from its text equals the stored one —
/// rollback and `/versions/{v}` look-ups compare them. Formatting only; no clock.
import Foundation

public enum Timestamp {
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let withoutFraction = Date.ISO8601FormatStyle()

    /// The instant rounded to whole milliseconds since 1970.
    public static func normalize(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }

    public static func format(_ date: Date) -> String {
        // The formatter truncates below the millisecond; 10 µs of headroom keeps a value such as
        // .123 (stored as .12299999…) from printing as .122.
        withFraction.format(normalize(date).addingTimeInterval(0.000_01))
    }

    public static func parse(_ text: String) -> Date? {
        let strategy = text.contains(".") ? withFraction : withoutFraction
        return (try? strategy.parse(text)).map(normalize)
    }
}
