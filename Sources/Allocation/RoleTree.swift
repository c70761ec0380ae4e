import MesosModel

/// The hierarchy of roles (`eng`, `eng/web`, ...) with one DRF sorter per level.
///
/// Every node's `levelSorter` orders its children (by their subtree allocation and their own
/// weight) together with the node itself (a "self" client carrying the allocations made
/// directly to the role, weighted like the role). Walking the levels in sorted order yields the
/// roles in hierarchical DRF order. Each node also has a framework sorter for the frameworks
/// subscribed to (or still holding resources in) that role.
struct RoleTree: Sendable {
    struct Node: Sendable {
        let path: String
        let parent: Int?
        var childCount = 0
        var levelSorter = DRFSorter(usesWeights: true)
        var frameworks = DRFSorter(usesWeights: false)
        /// Active clients of `frameworks`.
        var activeFrameworks = 0
        /// Active framework clients in this node and below.
        var activeInSubtree = 0
    }

    static let rootIndex = 0
    private(set) var nodes: [Node?] = [Node(path: "", parent: nil)]
    private(set) var indexByPath: [String: Int] = [:]
    private var freeSlots: [Int] = []

    func index(of role: String) -> Int? { indexByPath[role] }

    func node(_ index: Int) -> Node { nodes[index]! }

    var rolePaths: [String] { indexByPath.keys.sorted() }

    /// Creates the node for `role` and any missing ancestors.
    @discardableResult
    mutating func ensure(_ role: String) -> Int {
        if let existing = indexByPath[role] { return existing }
        let parentIndex = RoleName.parent(of: role).map { ensure($0) } ?? RoleTree.rootIndex
        var node = Node(path: role, parent: parentIndex)
        node.levelSorter.add(role)
        let index: Int
        if let slot = freeSlots.popLast() {
            index = slot
            nodes[slot] = node
        } else {
            index = nodes.count
            nodes.append(node)
        }
        indexByPath[role] = index
        nodes[parentIndex]!.levelSorter.add(role)
        nodes[parentIndex]!.childCount += 1
        return index
    }

    /// Removes `role` and then its ancestors while they hold no frameworks, children or allocation.
    mutating func removeIfUnused(_ role: String) {
        guard let index = indexByPath[role], let node = nodes[index], let parent = node.parent else { return }
        guard node.frameworks.isEmpty, node.childCount == 0,
            nodes[parent]!.levelSorter.allocation(of: role).isEmpty
        else { return }
        nodes[parent]!.levelSorter.remove(role)
        nodes[parent]!.childCount -= 1
        nodes[index] = nil
        indexByPath[role] = nil
        freeSlots.append(index)
        if parent != RoleTree.rootIndex { removeIfUnused(nodes[parent]!.path) }
    }

    // MARK: Frameworks

    mutating func addFramework(_ framework: String, to role: String) {
        let index = ensure(role)
        nodes[index]!.frameworks.add(framework)
    }

    mutating func removeFramework(_ framework: String, from role: String, context: ShareContext) {
        guard let index = indexByPath[role], nodes[index]!.frameworks.contains(framework) else { return }
        setFramework(framework, in: role, active: false, context: context)
        nodes[index]!.frameworks.remove(framework)
        removeIfUnused(role)
    }

    /// Activates or deactivates a framework in a role and propagates "has active frameworks"
    /// up the tree so that empty subtrees are skipped by the role order.
    mutating func setFramework(_ framework: String, in role: String, active: Bool, context: ShareContext) {
        guard let index = indexByPath[role], let wasActive = nodes[index]!.frameworks.isActive(framework),
            wasActive != active
        else { return }
        nodes[index]!.frameworks.setActive(framework, active, context: context)
        let delta = active ? 1 : -1
        nodes[index]!.activeFrameworks += delta
        let ownActive = nodes[index]!.activeFrameworks > 0
        nodes[index]!.levelSorter.setActive(role, ownActive, context: context)
        var current = index
        while true {
            nodes[current]!.activeInSubtree += delta
            guard let parent = nodes[current]!.parent else { break }
            let path = nodes[current]!.path
            nodes[parent]!.levelSorter.setActive(path, nodes[current]!.activeInSubtree > 0, context: context)
            current = parent
        }
    }

    /// Charges (or refunds) `quantities` to a framework in the role at `index` and to the
    /// role's ancestors.
    mutating func charge(
        _ quantities: ResourceQuantities, framework: String, at index: Int, adding: Bool, countsAsAllocation: Bool,
        context: ShareContext
    ) {
        let role = nodes[index]!.path
        nodes[index]!.frameworks.update(
            framework, by: quantities, adding: adding, countsAsAllocation: countsAsAllocation, context: context)
        nodes[index]!.levelSorter.update(
            role, by: quantities, adding: adding, countsAsAllocation: countsAsAllocation, context: context)
        var current = index
        while let parent = nodes[current]!.parent {
            nodes[parent]!.levelSorter.update(
                nodes[current]!.path, by: quantities, adding: adding, countsAsAllocation: countsAsAllocation,
                context: context)
            current = parent
        }
    }

    // MARK: Order and shares

    /// Node indices of roles with active frameworks, in hierarchical DRF order.
    mutating func orderedRoles(context: ShareContext) -> [Int] {
        var result: [Int] = []
        appendOrdered(from: RoleTree.rootIndex, context: context, into: &result)
        return result
    }

    private mutating func appendOrdered(from index: Int, context: ShareContext, into result: inout [Int]) {
        let ownPath = nodes[index]!.path
        for key in nodes[index]!.levelSorter.sorted(in: context) {
            if key.name == ownPath {
                result.append(index)
            } else if let child = indexByPath[key.name] {
                appendOrdered(from: child, context: context, into: &result)
            }
        }
    }

    /// Allocation of `role` and everything below it.
    func subtreeAllocation(_ role: String) -> ResourceQuantities {
        guard let index = indexByPath[role], let parent = nodes[index]!.parent else { return ResourceQuantities() }
        return nodes[parent]!.levelSorter.allocation(of: role)
    }

    /// Weighted share of `role` among its siblings (subtree allocation / totals / weight).
    func share(of role: String, context: ShareContext) -> Double {
        guard let index = indexByPath[role], let parent = nodes[index]!.parent else { return 0 }
        return nodes[parent]!.levelSorter.share(of: role, in: context)
    }

    mutating func refreshFrameworks(of index: Int, context: ShareContext) {
        nodes[index]!.frameworks.refresh(context)
    }
}
