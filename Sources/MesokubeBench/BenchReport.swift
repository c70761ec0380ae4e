import Foundation

/// One figure of a benchmark: a JSON object per figure with `--json`, and a row of the markdown
/// table every run ends with, beside its target and its published anchor.
struct BenchFigure: Sendable {
    /// Stable identifier in the JSON (`marathon.all_running`).
    var name: String
    /// The table's first column: what was measured, with the size.
    var measure: String
    var value: Double
    /// "s", "ms", "/s", "MB", "%".
    var unit: String
    var target: String = ""
    var anchor: String = ""
    /// Further numbers for the JSON object only (sizes, percentiles, floors).
    var details: [String: Double] = [:]

    var formattedValue: String {
        let digits = value >= 100 ? 0 : value >= 10 ? 1 : value >= 1 ? 2 : 3
        return String(format: "%.\(digits)f", value) + (unit.hasPrefix("/") || unit.hasPrefix("%") ? "" : " ") + unit
    }

    var jsonLine: String {
        var object: [String: Any] = ["benchmark": name, "measure": measure, "value": value, "unit": unit]
        for (key, number) in details { object[key] = number }
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}

enum BenchReport {
    /// The JSON lines (when asked for) and the markdown table.
    static func emit(_ figures: [BenchFigure], json: Bool) {
        if json {
            for figure in figures { print(figure.jsonLine) }
        }
        print(markdownTable(figures))
    }

    static func markdownTable(_ figures: [BenchFigure]) -> String {
        var lines = ["| measure | Mesokube | target | anchor |", "|---|---|---|---|"]
        for figure in figures {
            lines.append("| \(figure.measure) | \(figure.formattedValue) | \(figure.target) | \(figure.anchor) |")
        }
        return lines.joined(separator: "\n")
    }
}
