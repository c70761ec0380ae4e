/// Helpers for hierarchical role paths such as `eng/web/canary`.
public enum RoleName {
    /// `eng/web` → `eng`; nil for a top-level role.
    public static func parent(of role: String) -> String? {
        guard let slash = role.lastIndex(of: "/") else { return nil }
        return String(role[..<slash])
    }

    /// Ancestors nearest first: `a/b/c` → `["a/b", "a"]`.
    public static func ancestors(of role: String) -> [String] {
        var result: [String] = []
        var current = role
        while let parent = parent(of: current) {
            result.append(parent)
            current = parent
        }
        return result
    }

    /// True when `role` lies strictly below `ancestor` (`a/b` is below `a`, `ab` is not).
    public static func isStrictSubrole(_ role: String, of ancestor: String) -> Bool {
        let roleBytes = role.utf8
        let ancestorBytes = ancestor.utf8
        guard roleBytes.count > ancestorBytes.count, role.hasPrefix(ancestor) else { return false }
        return roleBytes[roleBytes.index(roleBytes.startIndex, offsetBy: ancestorBytes.count)] == UInt8(ascii: "/")
    }

    /// True when `role` is `ancestor` or lies below it.
    public static func isSelfOrSubrole(_ role: String, of ancestor: String) -> Bool {
        role == ancestor || isStrictSubrole(role, of: ancestor)
    }
}

extension Resources {
    /// Resources without any reservation.
    public var unreserved: Resources { filtered { $0.key.reservations.isEmpty } }

    /// Reserved resources; with `role`, only those whose reservation (top of the stack) is for
    /// exactly that role.
    public func reserved(for role: String? = nil) -> Resources {
        filtered { entry in
            guard let reservationRole = entry.key.reservationRole else { return false }
            return role == nil || reservationRole == role
        }
    }

    /// Reserved resources grouped by the role they are reserved for.
    public var reservationsByRole: [String: Resources] {
        var grouped: [String: [ResourceEntry]] = [:]
        for entry in entries {
            if let role = entry.key.reservationRole { grouped[role, default: []].append(entry) }
        }
        return grouped.mapValues { Resources(sortedEntries: $0) }
    }

    /// True when any entry carries a reservation stack deeper than one (refined reservation).
    public var hasRefinedReservations: Bool { entries.contains { $0.key.reservations.count > 1 } }

    /// What a framework in `role` may be offered: unreserved resources plus those reserved
    /// for `role` or one of its ancestors.
    public func allocatable(to role: String) -> Resources {
        filtered { entry in
            guard let reservationRole = entry.key.reservationRole else { return true }
            return reservationRole == role || RoleName.isStrictSubrole(role, of: reservationRole)
        }
    }

    /// Tags every entry with `allocation_info.role = role`.
    public func allocated(to role: String) -> Resources {
        retaggingAllocation(role)
    }

    /// Removes `allocation_info` from every entry.
    public func withoutAllocationInfo() -> Resources {
        retaggingAllocation(nil)
    }

    /// The allocation role is the last field of the order, so retagging keeps entries sorted
    /// and only neighbours can collide.
    private func retaggingAllocation(_ role: String?) -> Resources {
        guard let first = entries.first, !entries.allSatisfy({ $0.key.allocationRole == role }) else { return self }
        let oneRoleBefore = entries.allSatisfy { $0.key.allocationRole == first.key.allocationRole }
        var retagged = entries
        for index in retagged.indices { retagged[index].key.allocationRole = role }
        // Entries that differed only in their allocation role collide now; with one role before
        // (the common case: an untagged offer being tagged) there is nothing to merge.
        if oneRoleBefore { return Resources(sortedEntries: retagged) }
        return Resources(sortedEntries: ResourceEntry.mergingAdjacent(retagged))
    }

    /// Every allocation role present.
    public var allocationRoles: Set<String> { Set(entries.compactMap(\.key.allocationRole)) }

    /// Resources grouped by allocation role; untagged entries are left out.
    public var allocations: [String: Resources] {
        var grouped: [String: [ResourceEntry]] = [:]
        for entry in entries {
            if let role = entry.key.allocationRole { grouped[role, default: []].append(entry) }
        }
        return grouped.mapValues { Resources(sortedEntries: $0) }
    }

    /// Resources without allocation info.
    public var unallocated: Resources { filtered { $0.key.allocationRole == nil } }

    /// Dynamic RESERVE: pushes `reservation` on top of every entry's stack.
    public func pushingReservation(_ reservation: Resource.Reservation) -> Resources {
        var changed = entries
        for index in changed.indices { changed[index].key.reservations.append(reservation) }
        return Resources(unsortedEntries: changed)
    }

    /// Dynamic UNRESERVE: pops the top reservation of every reserved entry.
    public func poppingReservation() -> Resources {
        var changed = entries
        for index in changed.indices where !changed[index].key.reservations.isEmpty {
            changed[index].key.reservations.removeLast()
        }
        return Resources(unsortedEntries: changed)
    }

    /// The pre-refinement JSON shape for frameworks without RESERVATION_REFINEMENT:
    /// `role` is `*` or the reservation role, `reservation{principal,labels}` marks a dynamic
    /// reservation, and there is no `reservations` stack. A refined stack collapses to its top
    /// entry (lossy: check `hasRefinedReservations` first if that matters).
    public func preRefinementFormat() -> [Resource] {
        preRefinementFormat(keepingAllocationInfo: true)
    }

    /// `preRefinementFormat()`, dropping the allocation info on the way when asked (an offer to a
    /// framework that is not MULTI_ROLE) rather than retagging the whole bag first. Entries are not
    /// merged: meant for bags whose entries all carry one allocation role, as an offer's do.
    public func preRefinementFormat(keepingAllocationInfo: Bool) -> [Resource] {
        entries.map { entry in
            var resource = entry.resource()
            resource.reservations = nil
            if !keepingAllocationInfo { resource.allocationInfo = nil }
            Resources.applyPreRefinementFields(to: &resource, stack: entry.key.reservations)
            return resource
        }
    }

    /// Mesos' "endpoint" shape used by operator endpoints: the post-refinement stack plus,
    /// when the stack is at most one deep, the pre-refinement `role`/`reservation` fields too.
    public func endpointFormat() -> [Resource] {
        entries.map { entry in
            var resource = entry.resource()
            if entry.key.reservations.count <= 1 {
                Resources.applyPreRefinementFields(to: &resource, stack: entry.key.reservations)
            }
            return resource
        }
    }

    private static func applyPreRefinementFields(to resource: inout Resource, stack: [Resource.Reservation]) {
        guard let top = stack.last else {
            resource.role = "*"
            return
        }
        resource.role = top.role ?? "*"
        if top.type == .dynamic {
            resource.reservation = Resource.ReservationInfo(principal: top.principal, labels: top.labels)
        }
    }
}
