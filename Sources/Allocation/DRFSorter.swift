import MesosModel

/// What a share is measured against. `version` changes whenever totals or weights change, which
/// makes every sorter rebuild its order lazily instead of re-sorting on each change.
struct ShareContext {
    /// Cluster totals of the scalars that count for fairness (positive, not excluded).
    var denominators: [ResourceQuantities.Item]
    var weights: [String: Double]
    var version: Int
}

/// Weighted Dominant Resource Fairness over a set of named clients (roles or frameworks).
///
/// share(client) = max over scalar names of allocated/total, divided by the client's weight;
/// ties go to fewer allocations, then to the smaller name. Only active clients are ordered;
/// inactive ones keep their allocation but are never returned.
///
/// The order is maintained incrementally: a change to one client moves only that client
/// (two binary searches in a `SortedKeys`), which is what keeps an allocation run over 10 000
/// agents cheap.
struct DRFSorter: Sendable {
    struct SortKey: Sendable, Comparable {
        var share: Double
        var allocationCount: Int
        var name: String

        static func < (lhs: SortKey, rhs: SortKey) -> Bool {
            if lhs.share != rhs.share { return lhs.share < rhs.share }
            if lhs.allocationCount != rhs.allocationCount { return lhs.allocationCount < rhs.allocationCount }
            return lhs.name < rhs.name
        }
    }

    struct Client: Sendable {
        let name: String
        var allocation = ResourceQuantities()
        /// How often the client was chosen; only ever grows (Mesos uses it to break ties).
        var allocationCount = 0
        var active = false
        /// The key under which the client currently sits in `order`, when it does.
        var position: SortKey?

        init(name: String) { self.name = name }
    }

    /// Frameworks inside one role all weigh 1; role sorters look weights up by client name.
    let usesWeights: Bool
    /// Clients in a dense array (removal swaps the last one in), found by name through
    /// `slots`: a charge per offer mutates its client in place instead of copying it out of a
    /// dictionary and back.
    private var clients: [Client] = []
    private var slots: [String: Int] = [:]
    /// Active clients, sorted; valid only when `sortedVersion` matches the context.
    private(set) var order = SortedKeys<SortKey>()
    private var sortedVersion = -1

    init(usesWeights: Bool) {
        self.usesWeights = usesWeights
    }

    var isEmpty: Bool { clients.isEmpty }

    func contains(_ name: String) -> Bool { slots[name] != nil }

    /// Whether the client is active; nil when it is not in the sorter.
    func isActive(_ name: String) -> Bool? { slots[name].map { clients[$0].active } }

    func allocation(of name: String) -> ResourceQuantities {
        slots[name].map { clients[$0].allocation } ?? ResourceQuantities()
    }

    func share(of name: String, in context: ShareContext) -> Double {
        guard let slot = slots[name] else { return 0 }
        return share(of: clients[slot], context: context)
    }

    private func share(of client: Client, context: ShareContext) -> Double {
        var dominant = 0.0
        for total in context.denominators {
            let fraction = Double(client.allocation.millis(total.name)) / Double(total.millis)
            if fraction > dominant { dominant = fraction }
        }
        guard usesWeights, !context.weights.isEmpty else { return dominant }
        let weight = context.weights[client.name] ?? 1
        return dominant / weight
    }

    mutating func add(_ name: String) {
        guard slots[name] == nil else { return }
        slots[name] = clients.count
        clients.append(Client(name: name))
    }

    mutating func remove(_ name: String) {
        guard let slot = slots.removeValue(forKey: name) else { return }
        if let position = clients[slot].position { removeFromOrder(position) }
        let last = clients.removeLast()
        if slot < clients.count {
            clients[slot] = last
            slots[last.name] = slot
        }
    }

    mutating func setActive(_ name: String, _ active: Bool, context: ShareContext) {
        guard let slot = slots[name], clients[slot].active != active else { return }
        clients[slot].active = active
        if active {
            clients[slot].position = insertIfFresh(slot, context: context)
        } else if let position = clients[slot].position {
            removeFromOrder(position)
            clients[slot].position = nil
        }
    }

    /// Adds (or, with `adding == false`, removes) `quantities` to the client's allocation.
    /// `countsAsAllocation` bumps the tie-breaking counter, as a new offer does.
    mutating func update(
        _ name: String, by quantities: ResourceQuantities, adding: Bool, countsAsAllocation: Bool,
        context: ShareContext
    ) {
        guard let slot = slots[name] else { return }
        if adding {
            clients[slot].allocation += quantities
        } else {
            clients[slot].allocation -= quantities
        }
        if countsAsAllocation { clients[slot].allocationCount += 1 }
        // The client's new key, when the order is current; a stale order is rebuilt wholesale later.
        let key = sortedVersion == context.version && clients[slot].active ? sortKey(slot, context: context) : nil
        if let old = clients[slot].position {
            clients[slot].position = nil
            if let index = orderPosition(of: old) {
                // A key that still fits between its neighbours is replaced where it is — always
                // so in a sorter of one (a role's own level), which every offer charges.
                if let key, order.replace(at: index, with: key) {
                    clients[slot].position = key
                    return
                }
                order.remove(at: index)
            }
        }
        if let key {
            order.insert(key)
            clients[slot].position = key
        }
    }

    /// Active clients in DRF order, rebuilding the order if totals or weights changed.
    mutating func sorted(in context: ShareContext) -> SortedKeys<SortKey> {
        refresh(context)
        return order
    }

    /// Makes `order` valid for `context` (full re-sort only after totals or weights changed).
    mutating func refresh(_ context: ShareContext) {
        guard sortedVersion != context.version else { return }
        var rebuilt: [SortKey] = []
        rebuilt.reserveCapacity(clients.count)
        for slot in clients.indices {
            guard clients[slot].active else { continue }
            let key = sortKey(slot, context: context)
            rebuilt.append(key)
            clients[slot].position = key
        }
        rebuilt.sort()
        order = SortedKeys(sorted: rebuilt)
        sortedVersion = context.version
    }

    private func sortKey(_ slot: Int, context: ShareContext) -> SortKey {
        SortKey(
            share: share(of: clients[slot], context: context), allocationCount: clients[slot].allocationCount,
            name: clients[slot].name)
    }

    /// Inserts the client at its place when the order is current; a stale order is rebuilt
    /// wholesale later, so there is nothing to maintain now.
    private mutating func insertIfFresh(_ slot: Int, context: ShareContext) -> SortKey? {
        guard sortedVersion == context.version else { return nil }
        let key = sortKey(slot, context: context)
        order.insert(key)
        return key
    }

    private mutating func removeFromOrder(_ key: SortKey) {
        if let index = orderPosition(of: key) { order.remove(at: index) }
    }

    /// Where `key` sits in `order`: a binary search, or a scan if a stale order was kept (stay
    /// correct rather than fast there).
    private func orderPosition(of key: SortKey) -> Int? {
        let index = order.insertionIndex(of: key)
        if index < order.count, order[index].name == key.name { return index }
        return order.firstIndex { $0.name == key.name }
    }
}
