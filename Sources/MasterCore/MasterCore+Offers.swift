import Allocation
import MesosModel

extension MasterCore {
    /// Runs one allocation cycle and turns its result into OFFERS events, one per framework.
    public mutating func allocate(now: Double) -> [MasterAction] {
        counters.allocationRuns += 1
        let allocations = allocator.allocate(now: now, using: &rng)
        var byFramework: [FrameworkID: [Offer]] = [:]
        for allocation in allocations {
            let id: OfferID
            let rendered: Offer
            do {
                guard let framework = frameworks[allocation.framework], framework.connected,
                    let agent = agents[allocation.agent]
                else {
                    // Cannot happen for active frameworks; give the resources straight back.
                    allocator.recoverResources(
                        framework: allocation.framework, agent: allocation.agent, resources: allocation.resources,
                        refuseSeconds: nil, now: now)
                    continue
                }
                id = nextOfferID()
                let record = OfferRecord(
                    id: id, frameworkID: framework.id, agentID: agent.id, role: allocation.role,
                    resources: allocation.resources, createdAt: now)
                offers[id] = record
                rendered = renderOffer(record, for: framework, agent: agent)
            }
            // In place, once the copy above is gone: inserting into a copy of the record would copy
            // its whole offer set each time, which made a cycle over 50,000 agents quadratic.
            frameworks[allocation.framework]?.offerIDs.insert(id)
            byFramework[allocation.framework, default: []].append(rendered)
        }
        var actions: [MasterAction] = []
        for (frameworkID, list) in byFramework.sorted(by: { $0.key < $1.key }) {
            guard let stream = frameworks[frameworkID]?.streamID else { continue }
            counters.offersSent += list.count
            actions.append(.sendToFramework(streamID: stream, .offers(list)))
        }
        return actions
    }

    /// An offer as this framework expects to see it: allocation info only for MULTI_ROLE
    /// frameworks, pre-refinement reservations for frameworks without RESERVATION_REFINEMENT.
    func renderOffer(_ record: OfferRecord, for framework: FrameworkRecord, agent: AgentRecord) -> Offer {
        let multiRole = framework.info.isMultiRole
        let rendered =
            framework.info.understandsReservationRefinement
            ? (multiRole ? record.resources : record.resources.withoutAllocationInfo()).list
            : record.resources.preRefinementFormat(keepingAllocationInfo: multiRole)
        let executorIDs = framework.executors[agent.id].map { Array($0.keys).sorted() }
        return Offer(
            id: record.id, frameworkID: framework.id, agentID: agent.id, hostname: agent.info.hostname,
            url: agent.offerURL, resources: rendered,
            attributes: agent.info.attributes?.isEmpty == false ? agent.info.attributes : nil,
            executorIDs: executorIDs?.isEmpty == false ? executorIDs : nil,
            allocationInfo: multiRole ? AllocationInfo(role: record.role) : nil)
    }

    /// Takes back every outstanding offer of a framework (disconnect, failover, teardown).
    mutating func recoverOffers(of frameworkID: FrameworkID, sendRescind: Bool) -> [MasterAction] {
        guard let framework = frameworks[frameworkID] else { return [] }
        var actions: [MasterAction] = []
        for offerID in framework.offerIDs.sorted() {
            actions += removeOffer(offerID, rescind: sendRescind, refuseSeconds: nil, now: 0)
        }
        return actions
    }

    /// Rescinds one offer: the framework gets RESCIND and the resources go back to the pool.
    mutating func rescindOffer(_ offerID: OfferID, now: Double) -> [MasterAction] {
        counters.offersRescinded += 1
        return removeOffer(offerID, rescind: true, refuseSeconds: nil, now: now)
    }

    mutating func removeOffer(_ offerID: OfferID, rescind: Bool, refuseSeconds: Double?, now: Double) -> [MasterAction]
    {
        guard let offer = offers.removeValue(forKey: offerID) else { return [] }
        frameworks[offer.frameworkID]?.offerIDs.remove(offerID)
        allocator.recoverResources(
            framework: offer.frameworkID, agent: offer.agentID, resources: offer.resources,
            refuseSeconds: refuseSeconds, now: now)
        guard rescind, let stream = frameworks[offer.frameworkID]?.streamID else { return [] }
        return [.sendToFramework(streamID: stream, .rescind(offerID))]
    }

    /// Offers held past `--offer-timeout` are rescinded so hoarding frameworks cannot starve others.
    mutating func expireOffers(now: Double) -> [MasterAction] {
        guard let timeout = config.offerTimeoutSeconds else { return [] }
        var actions: [MasterAction] = []
        for offer in offers.values.filter({ now - $0.createdAt >= timeout }).sorted(by: { $0.id < $1.id }) {
            actions += rescindOffer(offer.id, now: now)
        }
        return actions
    }

    /// The periodic timer: failover and agent deadlines, offer expiry, then an allocation run.
    public mutating func tick(now: Double) -> [MasterAction] {
        var actions = expireFailoverTimeouts(now: now)
        actions += expireAgents(now: now)
        actions += markSilentAgentsUnreachable(now: now)
        actions += pruneUnreachableAgents(now: now)
        actions += pingAgents(now: now)
        actions += expireOffers(now: now)
        actions += allocate(now: now)
        return actions
    }

    /// DECLINE: the offers' resources go back behind a refuse filter.
    public mutating func decline(
        _ call: SchedulerCall, frameworkID: FrameworkID, now: Double
    ) -> Result<[MasterAction], MasterCallError> {
        guard let decline = call.decline else {
            return .failure(.badRequest("Expecting 'decline' to be present"))
        }
        let refuse = decline.filters?.effectiveRefuseSeconds ?? 5
        var actions: [MasterAction] = []
        for offerID in decline.offerIDs {
            guard let offer = offers[offerID], offer.frameworkID == frameworkID else { continue }
            counters.offersDeclined += 1
            actions += removeOffer(offerID, rescind: false, refuseSeconds: refuse, now: now)
        }
        return .success(actions)
    }

    /// SUPPRESS / REVIVE, optionally limited to some of the framework's roles.
    public mutating func suppressOrRevive(
        _ call: SchedulerCall, frameworkID: FrameworkID, revive: Bool
    ) -> Result<[MasterAction], MasterCallError> {
        guard var record = frameworks[frameworkID] else { return .failure(.forbidden("Framework is not subscribed")) }
        let requested = Set((revive ? call.revive?.roles : call.suppress?.roles) ?? [])
        let unknown = requested.subtracting(record.roles)
        if !unknown.isEmpty {
            return .failure(.badRequest("Roles \(unknown.sorted()) are not among the framework's roles"))
        }
        let roles = requested.isEmpty ? record.roles : requested
        if revive {
            allocator.reviveOffers(framework: frameworkID, roles: roles)
            record.suppressedRoles.subtract(roles)
            frameworks[frameworkID] = record
            return .success([.requestAllocation])
        }
        allocator.suppressOffers(framework: frameworkID, roles: roles)
        record.suppressedRoles.formUnion(roles)
        frameworks[frameworkID] = record
        return .success([])
    }
}
