import MesosModel

/// What a share is measured against. `version` changes whenever totals or weights change, which
/// makes every sorter rebuild its order lazily instead of re-sorting on each change.
struct ShareContext {
    var totals: ResourceQuantities
    var excludedNames: Set<String>
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
/// (two binary searches), which is what keeps an allocation run over 10 000 agents cheap.
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
        var allocation = ResourceQuantities()
        /// How often the client was chosen; only ever grows (Mesos uses it to break ties).
        var allocationCount = 0
        var active = false
        /// The key under which the client currently sits in `order`, when it does.
        var position: SortKey?
    }

    /// Frameworks inside one role all weigh 1; role sorters look weights up by client name.
    let usesWeights: Bool
    private(set) var clients: [String: Client] = [:]
    /// Active clients, sorted; valid only when `sortedVersion` matches the context.
    private(set) var order: [SortKey] = []
    private var sortedVersion = -1

    init(usesWeights: Bool) {
        self.usesWeights = usesWeights
    }

    func contains(_ name: String) -> Bool { clients[name] != nil }

    func allocation(of name: String) -> ResourceQuantities { clients[name]?.allocation ?? ResourceQuantities() }

    func share(of name: String, in context: ShareContext) -> Double {
        guard let client = clients[name] else { return 0 }
        return share(name: name, allocation: client.allocation, context: context)
    }

    private func share(name: String, allocation: ResourceQuantities, context: ShareContext) -> Double {
        var dominant = 0.0
        for total in context.totals.items where total.millis > 0 && !context.excludedNames.contains(total.name) {
            let fraction = Double(allocation.millis(total.name)) / Double(total.millis)
            if fraction > dominant { dominant = fraction }
        }
        guard usesWeights else { return dominant }
        let weight = context.weights[name] ?? 1
        return dominant / weight
    }

    mutating func add(_ name: String) {
        if clients[name] == nil { clients[name] = Client() }
    }

    mutating func remove(_ name: String) {
        guard let client = clients.removeValue(forKey: name) else { return }
        if let position = client.position { removeFromOrder(position) }
    }

    mutating func setActive(_ name: String, _ active: Bool, context: ShareContext) {
        guard var client = clients[name], client.active != active else { return }
        client.active = active
        if active {
            client.position = insertIfFresh(name: name, client: client, context: context)
        } else if let position = client.position {
            removeFromOrder(position)
            client.position = nil
        }
        clients[name] = client
    }

    /// Adds (or, with `adding == false`, removes) `quantities` to the client's allocation.
    /// `countsAsAllocation` bumps the tie-breaking counter, as a new offer does.
    mutating func update(
        _ name: String, by quantities: ResourceQuantities, adding: Bool, countsAsAllocation: Bool,
        context: ShareContext
    ) {
        guard var client = clients[name] else { return }
        if let position = client.position {
            removeFromOrder(position)
            client.position = nil
        }
        if adding { client.allocation += quantities } else { client.allocation -= quantities }
        if countsAsAllocation { client.allocationCount += 1 }
        if client.active { client.position = insertIfFresh(name: name, client: client, context: context) }
        clients[name] = client
    }

    /// Active clients in DRF order, rebuilding the order if totals or weights changed.
    mutating func sorted(in context: ShareContext) -> [SortKey] {
        refresh(context)
        return order
    }

    /// Makes `order` valid for `context` (full re-sort only after totals or weights changed).
    mutating func refresh(_ context: ShareContext) {
        guard sortedVersion != context.version else { return }
        var rebuilt: [SortKey] = []
        rebuilt.reserveCapacity(clients.count)
        for (name, client) in clients where client.active {
            let key = SortKey(
                share: share(name: name, allocation: client.allocation, context: context),
                allocationCount: client.allocationCount, name: name)
            rebuilt.append(key)
            clients[name]?.position = key
        }
        rebuilt.sort()
        order = rebuilt
        sortedVersion = context.version
    }

    /// Inserts the client at its place when the order is current; a stale order is rebuilt
    /// wholesale later, so there is nothing to maintain now.
    private mutating func insertIfFresh(name: String, client: Client, context: ShareContext) -> SortKey? {
        guard sortedVersion == context.version else { return nil }
        let key = SortKey(
            share: share(name: name, allocation: client.allocation, context: context),
            allocationCount: client.allocationCount, name: name)
        order.insert(key, at: insertionIndex(of: key))
        return key
    }

    private mutating func removeFromOrder(_ key: SortKey) {
        let index = insertionIndex(of: key)
        if index < order.count, order[index].name == key.name {
            order.remove(at: index)
        } else if let fallback = order.firstIndex(where: { $0.name == key.name }) {
            // Only reachable if a stale order was kept; stay correct rather than fast.
            order.remove(at: fallback)
        }
    }

    /// First index whose key is not less than `key` (binary search).
    private func insertionIndex(of key: SortKey) -> Int {
        var low = 0
        var high = order.count
        while low < high {
            let middle = (low + high) / 2
            if order[middle] < key { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
