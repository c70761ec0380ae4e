import Testing

@testable import MesosModel

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

private func parsed(_ text: String, _ defaultRole: String = "*") -> Resources {
    do { return try Resources.parse(text, defaultRole: defaultRole) } catch {
        Issue.record("could not parse \(text): \(error)")
        return Resources()
    }
}

@Suite struct ResourcesArithmeticTests {
    @Test func scalarsUseThreeDecimalFixedPoint() {
        let sum = Resources([.scalar("cpus", 0.1)]) + Resources([.scalar("cpus", 0.2)])
        #expect(sum.cpus == 0.3)
        #expect((sum - Resources([.scalar("cpus", 0.3)])).isEmpty)
        #expect(Resources([.scalar("mem", 1.0004)]).mem == 1)
        #expect(Resources([.scalar("mem", 1.0006)]).mem == 1.001)
    }

    @Test func normalisationMergesAndDropsEmpty() {
        let resources = Resources([
            .scalar("cpus", 1), .scalar("cpus", 2), .scalar("mem", 0), .ranges("ports", []), .set("disks", []),
            .ranges("ports", [1...2]), .ranges("ports", [3...4]),
        ])
        #expect(resources.count == 2)
        #expect(resources.cpus == 3)
        #expect(resources.ranges("ports") == [1...4])
        #expect(resources == Resources([.ranges("ports", [3...4, 1...2]), .scalar("cpus", 3)]))
    }

    @Test func rangeArithmeticSplitsAndCoalesces() {
        let all = Resources([.ranges("ports", [31000...32000])])
        let some = Resources([.ranges("ports", [31005...31010, 31100...31100])])
        let rest = all - some
        #expect(rest.ranges("ports") == [31000...31004, 31011...31099, 31101...32000])
        #expect(rest + some == all)
        #expect(all.contains(some))
        #expect(!rest.contains(some))
        #expect(!some.contains(Resources([.ranges("ports", [31009...31011])])))
        // Removing ranges that were never there only removes the overlap.
        #expect((some - Resources([.ranges("ports", [31008...31200])])).ranges("ports") == [31005...31007])
    }

    @Test func setArithmetic() {
        let disks = Resources([.set("disks", ["a", "b", "c"])])
        let someDisks = Resources([.set("disks", ["b"])])
        #expect((disks - someDisks).setItems("disks") == ["a", "c"])
        #expect(disks.contains(someDisks))
        #expect(!someDisks.contains(disks))
        #expect((someDisks + Resources([.set("disks", ["z", "b"])])).setItems("disks") == ["b", "z"])
    }

    @Test func subtractionClampsAtZero() {
        let one = Resources([.scalar("cpus", 1), .scalar("mem", 64)])
        let result = one - Resources([.scalar("cpus", 2), .scalar("gpus", 1)])
        #expect(result == Resources([.scalar("mem", 64)]))
        #expect(!one.contains(Resources([.scalar("cpus", 2)])))
        #expect(one.contains(Resources()))
    }

    @Test func reservationsAndAllocationRolesNeverMerge() {
        let unreserved = parsed("cpus:4")
        let reserved = parsed("cpus(ads):2")
        let both = unreserved + reserved
        #expect(both.count == 2)
        #expect(both.cpus == 6)
        #expect(both.unreserved == unreserved)
        #expect(both.reserved(for: "ads") == reserved)
        #expect(both.reserved(for: "other").isEmpty)
        #expect(!unreserved.contains(reserved))
        let web = unreserved.allocated(to: "web")
        let api = unreserved.allocated(to: "api")
        #expect((web + api).count == 2)
        #expect(!web.contains(api))
        #expect((web + api).withoutAllocationInfo() == parsed("cpus:8"))
        #expect((web + api).allocationRoles == ["web", "api"])
    }

    @Test func preRefinementFormatIsUpgraded() {
        var dynamic = Resource.scalar("cpus", 2, role: "ads")
        dynamic.reservation = Resource.ReservationInfo(principal: "ops")
        let resources = Resources([.scalar("cpus", 1, role: "*"), .scalar("mem", 8, role: "ads"), dynamic])
        #expect(resources.unreserved.cpus == 1)
        let stacks = resources.reserved().list.map { $0.reservations ?? [] }
        #expect(stacks.contains([Resource.Reservation(type: .static, role: "ads")]))
        #expect(stacks.contains([Resource.Reservation(type: .dynamic, role: "ads", principal: "ops")]))
        #expect(resources.list.allSatisfy { $0.role == nil && $0.reservation == nil })
    }

    @Test func preRefinementFormatIsProducedForOldFrameworks() {
        let reservation = Resource.Reservation(type: .dynamic, role: "ads", principal: "ops")
        let resources = parsed("cpus:1") + parsed("mem:32").pushingReservation(reservation)
        let old = resources.preRefinementFormat()
        let cpus = old.first { $0.name == "cpus" }
        let mem = old.first { $0.name == "mem" }
        #expect(cpus?.role == "*")
        #expect(cpus?.reservation == nil)
        #expect(mem?.role == "ads")
        #expect(mem?.reservation?.principal == "ops")
        #expect(old.allSatisfy { $0.reservations == nil })
        // Reading the old format back gives the same resources.
        #expect(Resources(old) == resources)
        // An offer to a framework that is not MULTI_ROLE: the same, without the allocation info.
        let offered = resources.allocated(to: "ads")
        #expect(offered.preRefinementFormat().allSatisfy { $0.allocationInfo?.role == "ads" })
        #expect(offered.preRefinementFormat(keepingAllocationInfo: false) == old)
        let endpoint = resources.endpointFormat()
        #expect(endpoint.first { $0.name == "mem" }?.reservations == [reservation])
        #expect(endpoint.first { $0.name == "mem" }?.role == "ads")
    }

    @Test func allocatableFollowsTheRoleHierarchy() {
        let resources =
            parsed("cpus:1") + parsed("cpus(eng):2") + parsed("cpus(eng/web):4") + parsed("cpus(engineering):8")
        #expect(resources.allocatable(to: "eng/web").cpus == 7)
        #expect(resources.allocatable(to: "eng/web/canary").cpus == 7)
        #expect(resources.allocatable(to: "eng").cpus == 3)
        #expect(resources.allocatable(to: "engineering").cpus == 9)
        #expect(resources.allocatable(to: "*").cpus == 1)
        #expect(resources.reservationsByRole.mapValues(\.cpus) == ["eng": 2, "eng/web": 4, "engineering": 8])
    }

    @Test func pushAndPopReservations() {
        let unreserved = parsed("cpus:2;mem:64")
        let reserved = unreserved.pushingReservation(.init(type: .dynamic, role: "eng", principal: "p"))
        #expect(reserved.unreserved.isEmpty)
        #expect(reserved.reserved(for: "eng").cpus == 2)
        let refined = reserved.pushingReservation(.init(type: .dynamic, role: "eng/web", principal: "p"))
        #expect(refined.hasRefinedReservations)
        #expect(refined.reserved(for: "eng/web").mem == 64)
        #expect(refined.poppingReservation() == reserved)
        #expect(reserved.poppingReservation() == unreserved)
    }

    @Test func codableRoundTrip() throws {
        let resources = parsed("cpus:1.5;mem:1024;ports:[31000-31005,32000-32000];disks:{a,b};cpus(ads):2")
            .allocated(to: "ads")
        let encoded = try JSONEncoder().encode(resources)
        let decoded = try JSONDecoder().decode(Resources.self, from: encoded)
        #expect(decoded == resources)
        let text = String(decoding: encoded, as: UTF8.self)
        #expect(text.contains("\"allocation_info\""))
        #expect(text.contains("\"reservations\""))
    }

    @Test func quantitiesAndShrinking() {
        let resources = parsed("cpus:4;mem:100;ports:[1-10]") + parsed("cpus(eng):2")
        #expect(resources.scalarQuantities == ResourceQuantities(["cpus": 6, "mem": 100]))
        let shrunk = resources.shrinkingScalars(
            toFit: ResourceQuantities(["cpus": 1.5]), limitedNames: ["cpus", "mem"]
        ) { $0 == nil }
        #expect(shrunk.unreserved.cpus == 1.5)
        #expect(shrunk.unreserved.mem == 0)
        #expect(shrunk.reserved(for: "eng").cpus == 2)
        #expect(shrunk.ranges("ports") == [1...10])
        let quantities = ResourceQuantities(["cpus": 1, "mem": 2])
        #expect((quantities - ResourceQuantities(["cpus": 3])) == ResourceQuantities(["mem": 2]))
        #expect(quantities.contains(ResourceQuantities(["cpus": 1])))
        #expect(!quantities.contains(ResourceQuantities(["gpus": 1])))
    }
}
