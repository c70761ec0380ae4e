/// Keys in ascending order in one array with free room at both ends: an insertion or removal
/// shifts only the keys on the shorter side of its position (one memmove).
///
/// This is the shape of DRF re-ordering. The client an offer just went to leaves near the
/// front (it had the lowest share) and re-enters among the clients already served; with a
/// plain array every offer shifted everything after both positions — with 1,000 frameworks,
/// the largest single cost of an allocation run.
struct SortedKeys<Element: Comparable & Sendable>: Sendable, RandomAccessCollection {
    /// Keys occupy `slots[start ..< start + count]`; every other slot is nil.
    private var slots: [Element?] = []
    private var start = 0
    private(set) var count = 0

    init() {}

    /// From keys already in ascending order.
    init(sorted: [Element]) {
        count = sorted.count
        relayout(from: sorted.map { $0 })
    }

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    subscript(position: Int) -> Element { slots[start + position]! }

    /// First position whose key is not less than `key` (binary search).
    func insertionIndex(of key: Element) -> Int {
        slots.withUnsafeBufferPointer { buffer in
            var low = 0
            var high = count
            while low < high {
                let middle = (low + high) / 2
                if buffer[start + middle]! < key { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }

    /// Inserts `key` at its place and returns that position.
    @discardableResult
    mutating func insert(_ key: Element) -> Int {
        let position = insertionIndex(of: key)
        let towardsFront = position < count - position
        // No room on the short side: re-centre (amortised over the next count/2 insertions on
        // this side) rather than shift the long side.
        if towardsFront ? start == 0 : start + count == slots.count {
            relayout(from: Array(slots[start..<(start + count)]))
        }
        if towardsFront {
            // The keys before `position` step one slot towards the front.
            shift(from: start, count: position, by: -1)
            start -= 1
        } else {
            shift(from: start + position, count: count - position, by: 1)
        }
        slots[start + position] = key
        count += 1
        return position
    }

    /// Puts `key` at `position` in place of the key there when the order stays ascending;
    /// false (and nothing changed) when it would not.
    mutating func replace(at position: Int, with key: Element) -> Bool {
        if position > 0 && key < self[position - 1] { return false }
        if position + 1 < count && self[position + 1] < key { return false }
        slots[start + position] = key
        return true
    }

    mutating func remove(at position: Int) {
        precondition(position >= 0 && position < count, "SortedKeys position out of range")
        slots[start + position] = nil
        if position < count - 1 - position {
            shift(from: start, count: position, by: 1)
            start += 1
        } else {
            shift(from: start + position + 1, count: count - 1 - position, by: -1)
        }
        count -= 1
    }

    /// Moves `count` slots from `first` by one slot (`offset` ±1) onto the nil slot beside
    /// them, leaving nil where the run began: a bitwise move, no reference counting per key.
    private mutating func shift(from first: Int, count: Int, by offset: Int) {
        guard count > 0 else { return }
        slots.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            let hole = offset > 0 ? first + count : first - 1
            let vacated = offset > 0 ? first : first + count - 1
            (base + hole).deinitialize(count: 1)
            (base + first + offset).moveInitialize(from: base + first, count: count)
            (base + vacated).initialize(to: nil)
        }
    }

    /// Lays `keys` out in the middle of a fresh array with room on both sides.
    private mutating func relayout(from keys: [Element?]) {
        let room = Swift.max(8, keys.count / 2)
        var fresh: [Element?] = Array(repeating: nil, count: room)
        fresh.reserveCapacity(keys.count + 2 * room)
        fresh.append(contentsOf: keys)
        fresh.append(contentsOf: repeatElement(nil, count: room))
        slots = fresh
        start = room
    }
}
