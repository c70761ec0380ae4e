import TestSupport

/// The run's event trace: hashed line by line (the determinism fingerprint) with a bounded
/// tail kept for failure reports.
struct Trace {
    private(set) var hasher = StableHasher()
    private var tail: [String] = []
    private var tailStart = 0
    private let tailLength: Int
    private(set) var full: [String]?

    init(tailLength: Int, keepFull: Bool) {
        self.tailLength = max(tailLength, 1)
        full = keepFull ? [] : nil
    }

    mutating func record(_ time: Double, _ line: String) {
        let text = "\(formatTime(time)) \(line)"
        hasher.combine(text)
        full?.append(text)
        if tail.count < tailLength {
            tail.append(text)
        } else {
            tail[tailStart] = text
            tailStart = (tailStart + 1) % tailLength
        }
    }

    /// The kept lines, oldest first.
    var tailLines: [String] { Array(tail[tailStart...] + tail[..<tailStart]) }
}
