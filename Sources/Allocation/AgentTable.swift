import MesosModel

/// The allocator's agents: records in a dense array in arrival order (removal swaps the last
/// one in), found by ID through an index.
///
/// An allocation run walks the array by position, so it hashes no agent ID and reads a
/// record's fields in place; a dictionary of records would hand out a copy of the whole
/// record (its allocations, its totals) on every read. The arrival order also makes the
/// input of the run's shuffle deterministic, which a dictionary's order is not.
struct AgentTable: Sendable {
    /// `ids[position]` is the agent whose record is `records[position]`.
    private(set) var ids: [AgentID] = []
    private var records: [AgentRecord] = []
    private var positions: [AgentID: Int] = [:]

    var count: Int { records.count }

    func position(of id: AgentID) -> Int? { positions[id] }

    func contains(_ id: AgentID) -> Bool { positions[id] != nil }

    subscript(id: AgentID) -> AgentRecord? {
        positions[id].map { records[$0] }
    }

    subscript(position: Int) -> AgentRecord {
        _read { yield records[position] }
        _modify { yield &records[position] }
    }

    mutating func insert(_ record: AgentRecord, for id: AgentID) {
        precondition(positions[id] == nil, "agent \(id) is already in the table")
        positions[id] = records.count
        ids.append(id)
        records.append(record)
    }

    @discardableResult
    mutating func remove(_ id: AgentID) -> AgentRecord? {
        guard let position = positions.removeValue(forKey: id) else { return nil }
        let removed = records[position]
        let lastID = ids.removeLast()
        let last = records.removeLast()
        if position < records.count {
            ids[position] = lastID
            records[position] = last
            positions[lastID] = position
        }
        return removed
    }
}
