// Bag arithmetic: both operands are sorted by key, so every operation is one merge walk.

extension Resources {
    public static func + (lhs: Resources, rhs: Resources) -> Resources {
        if lhs.entries.isEmpty { return rhs }
        if rhs.entries.isEmpty { return lhs }
        let left = lhs.entries
        let right = rhs.entries
        var merged: [ResourceEntry] = []
        merged.reserveCapacity(left.count + right.count)
        var i = 0
        var j = 0
        while i < left.count && j < right.count {
            let order = left[i].key.compare(right[j].key)
            if order < 0 {
                merged.append(left[i])
                i += 1
            } else if order > 0 {
                merged.append(right[j])
                j += 1
            } else {
                let sum = ValueArithmetic.adding(left[i].value, right[j].value)
                if !sum.isEmpty { merged.append(ResourceEntry(key: left[i].key, value: sum)) }
                i += 1
                j += 1
            }
        }
        merged.append(contentsOf: left[i...])
        merged.append(contentsOf: right[j...])
        return Resources(sortedEntries: merged)
    }

    /// Removes `rhs` from `lhs`, clamping: what `lhs` does not hold is ignored, scalars stop
    /// at zero (`cpus:1 - cpus:2` is empty) and ranges/sets lose only their common part.
    public static func - (lhs: Resources, rhs: Resources) -> Resources {
        if lhs.entries.isEmpty || rhs.entries.isEmpty { return lhs }
        let left = lhs.entries
        let right = rhs.entries
        var kept: [ResourceEntry] = []
        kept.reserveCapacity(left.count)
        var j = 0
        for entry in left {
            while j < right.count && right[j].key.compare(entry.key) < 0 { j += 1 }
            if j < right.count && right[j].key.compare(entry.key) == 0 {
                if let rest = ValueArithmetic.subtracting(entry.value, right[j].value) {
                    kept.append(ResourceEntry(key: entry.key, value: rest))
                }
                j += 1
            } else {
                kept.append(entry)
            }
        }
        return Resources(sortedEntries: kept)
    }

    public static func += (lhs: inout Resources, rhs: Resources) {
        lhs = lhs + rhs
    }

    public static func -= (lhs: inout Resources, rhs: Resources) {
        lhs = lhs - rhs
    }

    /// True when every entry of `other` is covered by the entry with the same identity
    /// (name, type, reservations, allocation role) here.
    public func contains(_ other: Resources) -> Bool {
        // Walked through buffer pointers: entries are compared in place, not copied out (each
        // copy would retain the key's strings and arrays; the allocator asks this of every
        // refuse filter on every agent it visits).
        entries.withUnsafeBufferPointer { mine in
            other.entries.withUnsafeBufferPointer { theirs in
                var i = 0
                for j in theirs.indices {
                    var order = 1
                    while i < mine.count {
                        order = mine[i].key.compare(theirs[j].key)
                        if order >= 0 { break }
                        i += 1
                    }
                    guard order == 0, ValueArithmetic.contains(mine[i].value, theirs[j].value) else { return false }
                }
                return true
            }
        }
    }

    /// What both hold: `self - (self - other)`.
    public func intersection(_ other: Resources) -> Resources {
        self - (self - other)
    }
}
