/// Arithmetic on one resource's amount. Both operands always have the same case because
/// the value type is part of the key.
enum ValueArithmetic {
    static func adding(_ left: ResourceValue, _ right: ResourceValue) -> ResourceValue {
        switch (left, right) {
        case (.scalar(let one), .scalar(let other)): return .scalar(one &+ other)
        case (.ranges(let one), .ranges(let other)): return .ranges(RangeArithmetic.union(one, other))
        case (.set(let one), .set(let other)): return .set(SetArithmetic.union(one, other))
        default: return left
        }
    }

    /// `left - right`, clamped: nil when nothing (or a non-positive scalar) is left.
    static func subtracting(_ left: ResourceValue, _ right: ResourceValue) -> ResourceValue? {
        let result: ResourceValue
        switch (left, right) {
        case (.scalar(let one), .scalar(let other)):
            let difference = one &- other
            return difference > 0 ? .scalar(difference) : nil
        case (.ranges(let one), .ranges(let other)): result = .ranges(RangeArithmetic.difference(one, other))
        case (.set(let one), .set(let other)): result = .set(SetArithmetic.difference(one, other))
        default: result = left
        }
        return result.isEmpty ? nil : result
    }

    static func contains(_ left: ResourceValue, _ right: ResourceValue) -> Bool {
        switch (left, right) {
        case (.scalar(let one), .scalar(let other)): return one >= other
        case (.ranges(let one), .ranges(let other)): return RangeArithmetic.contains(one, other)
        case (.set(let one), .set(let other)): return SetArithmetic.isSubset(other, of: one)
        default: return false
        }
    }
}

/// Ranges are kept sorted, disjoint and non-adjacent (`[1-2]` + `[3-4]` = `[1-4]`).
enum RangeArithmetic {
    static func normalised(_ ranges: [ClosedRange<UInt64>]) -> [ClosedRange<UInt64>] {
        if ranges.count < 2 { return ranges }
        return coalescing(ranges.sorted { $0.lowerBound < $1.lowerBound })
    }

    /// Coalesces ranges already sorted by lower bound.
    private static func coalescing(_ sorted: [ClosedRange<UInt64>]) -> [ClosedRange<UInt64>] {
        var result: [ClosedRange<UInt64>] = []
        result.reserveCapacity(sorted.count)
        for range in sorted {
            if let last = result.last, last.upperBound == UInt64.max || range.lowerBound <= last.upperBound + 1 {
                if range.upperBound > last.upperBound {
                    result[result.count - 1] = last.lowerBound...range.upperBound
                }
            } else {
                result.append(range)
            }
        }
        return result
    }

    static func union(_ left: [ClosedRange<UInt64>], _ right: [ClosedRange<UInt64>]) -> [ClosedRange<UInt64>] {
        if left.isEmpty { return right }
        if right.isEmpty { return left }
        var merged: [ClosedRange<UInt64>] = []
        merged.reserveCapacity(left.count + right.count)
        var i = 0
        var j = 0
        while i < left.count || j < right.count {
            if j == right.count || (i < left.count && left[i].lowerBound <= right[j].lowerBound) {
                merged.append(left[i])
                i += 1
            } else {
                merged.append(right[j])
                j += 1
            }
        }
        return coalescing(merged)
    }

    static func difference(_ left: [ClosedRange<UInt64>], _ right: [ClosedRange<UInt64>]) -> [ClosedRange<UInt64>] {
        if right.isEmpty || left.isEmpty { return left }
        var result: [ClosedRange<UInt64>] = []
        var j = 0
        for range in left {
            var lower = range.lowerBound
            let upper = range.upperBound
            var exhausted = false
            // Skip removals entirely below this range.
            while j < right.count && right[j].upperBound < lower { j += 1 }
            var k = j
            while k < right.count && right[k].lowerBound <= upper {
                let cut = right[k]
                if cut.lowerBound > lower { result.append(lower...(cut.lowerBound - 1)) }
                if cut.upperBound >= upper {
                    exhausted = true
                    break
                }
                lower = max(lower, cut.upperBound + 1)
                k += 1
            }
            if !exhausted { result.append(lower...upper) }
        }
        return result
    }

    /// True when every range of `inner` lies inside one range of `outer` (both normalised).
    static func contains(_ outer: [ClosedRange<UInt64>], _ inner: [ClosedRange<UInt64>]) -> Bool {
        // Bags derived from one another share their range arrays; equality then costs nothing.
        if outer == inner { return true }
        var i = 0
        for range in inner {
            while i < outer.count && outer[i].upperBound < range.lowerBound { i += 1 }
            guard i < outer.count, outer[i].lowerBound <= range.lowerBound, range.upperBound <= outer[i].upperBound
            else { return false }
        }
        return true
    }
}

/// Sets are kept as sorted arrays of unique items.
enum SetArithmetic {
    static func union(_ left: [String], _ right: [String]) -> [String] {
        if left.isEmpty { return right }
        if right.isEmpty { return left }
        var result: [String] = []
        result.reserveCapacity(left.count + right.count)
        var i = 0
        var j = 0
        while i < left.count && j < right.count {
            if left[i] == right[j] {
                result.append(left[i])
                i += 1
                j += 1
            } else if left[i] < right[j] {
                result.append(left[i])
                i += 1
            } else {
                result.append(right[j])
                j += 1
            }
        }
        result.append(contentsOf: left[i...])
        result.append(contentsOf: right[j...])
        return result
    }

    static func difference(_ left: [String], _ right: [String]) -> [String] {
        if right.isEmpty { return left }
        let removed = Set(right)
        return left.filter { !removed.contains($0) }
    }

    static func isSubset(_ inner: [String], of outer: [String]) -> Bool {
        if inner.count > outer.count { return false }
        let available = Set(outer)
        return inner.allSatisfy { available.contains($0) }
    }
}
