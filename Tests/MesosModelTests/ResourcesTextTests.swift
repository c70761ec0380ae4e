import Testing

@testable import MesosModel

@Suite struct ResourcesTextTests {
    @Test func parsesTheAgentResourcesFormat() throws {
        let resources = try Resources.parse("cpus:4;mem:1024;ports:[31000-32000];cpus(ads):8;disks:{a,b}")
        #expect(resources.unreserved.cpus == 4)
        #expect(resources.reserved(for: "ads").cpus == 8)
        #expect(resources.mem == 1024)
        #expect(resources.ranges("ports") == [31000...32000])
        #expect(resources.setItems("disks") == ["a", "b"])
        let stack = resources.reserved(for: "ads").list.first?.reservations
        #expect(stack == [Resource.Reservation(type: .static, role: "ads")])
    }

    @Test func toleratesWhitespaceNewlinesAndRepeats() throws {
        let resources = try Resources.parse(" cpus : 1 ;\n cpus:0.5; ports:[ 1-2 , 5-6 ];; mem(eng/web):10 ")
        #expect(resources.cpus == 1.5)
        #expect(resources.ranges("ports") == [1...2, 5...6])
        #expect(resources.reserved(for: "eng/web").mem == 10)
    }

    @Test func defaultRoleReservesRoleLessEntries() throws {
        let resources = try Resources.parse("cpus:2;mem(other):5", defaultRole: "ads")
        #expect(resources.reserved(for: "ads").cpus == 2)
        #expect(resources.reserved(for: "other").mem == 5)
        #expect(resources.unreserved.isEmpty)
    }

    @Test func parsesAJSONArray() throws {
        let text = """
            [{"name":"cpus","type":"SCALAR","scalar":{"value":3}},
             {"name":"mem","type":"SCALAR","scalar":{"value":64},"role":"ads"},
             {"name":"ports","type":"RANGES","ranges":{"range":[{"begin":1,"end":5}]}}]
            """
        let resources = try Resources.parse(text)
        #expect(resources.unreserved.cpus == 3)
        #expect(resources.reserved(for: "ads").mem == 64)
        #expect(resources.ranges("ports") == [1...5])
        #expect(try Resources.parse(text, defaultRole: "x").reserved(for: "x").cpus == 3)
    }

    @Test(arguments: [
        "cpus", "cpus:abc", "cpus:-1", "cpus(ads:1", "cpus()):1", "cpus():1", ":4", "ports:[5-1]",
        "ports:[1-2-3]", "ports:[a-b]", "ports:[1-5", "disks:{a,b", "gpus:1.5", "cpus(*/x):1", "cpus(a b):1",
        "cpus(/a):1", "mem:nan", "mem:inf", "mem:0x10", "[{\"name\":\"cpus\"}]", "cpus:{a}",
    ])
    func rejectsBadText(_ text: String) {
        #expect(throws: ResourceError.self) { try Resources.parse(text) }
    }

    @Test func rejectsAnInvalidDefaultRole() {
        #expect(throws: ResourceError.self) { try Resources.parse("cpus:1", defaultRole: "a//b") }
    }

    @Test func emptyTextIsNoResources() throws {
        #expect(try Resources.parse("").isEmpty)
        #expect(try Resources.parse(" ; ").isEmpty)
    }

    @Test func descriptionIsReadable() throws {
        let resources = try Resources.parse("cpus:1.25;mem:1024;ports:[1-2,4-4];cpus(ads):8")
        #expect(resources.description == "cpus:1.25; cpus(ads):8; mem:1024; ports:[1-2, 4-4]")
        #expect(resources.allocated(to: "web").description.hasPrefix("cpus{web}:1.25"))
    }

    @Test func legacyJSONSumsOverReservations() throws {
        let resources = try Resources.parse("cpus:1;cpus(ads):2;ports:[31000-31004,31006-32000];x:{b,a}")
        let json = resources.legacyJSON
        #expect(json["cpus"] == .number(3))
        #expect(json["gpus"] == .number(0))
        #expect(json["mem"] == .number(0))
        #expect(json["disk"] == .number(0))
        #expect(json["ports"] == .string("[31000-31004, 31006-32000]"))
        #expect(json["x"] == .string("{a, b}"))
    }

    @Test func parsesAttributes() throws {
        let attributes = try parseAttributes("rack:abc;zone:west;level:10;keys:[1000-1500];tags:{a,b};ver:1.2.3")
        #expect(attributes.map(\.name) == ["rack", "zone", "level", "keys", "tags", "ver"])
        #expect(attributes.map(\.type) == [.text, .text, .scalar, .ranges, .set, .text])
        #expect(attributes[2].scalar?.value == 10)
        #expect(attributes[3].ranges?.range == [Resource.ValueRange(begin: 1000, end: 1500)])
        let json = legacyAttributesJSON(attributes)
        #expect(json["rack"] == .string("abc"))
        #expect(json["level"] == .number(10))
        #expect(json["keys"] == .string("[1000-1500]"))
        #expect(json["tags"] == .string("{a, b}"))
    }

    @Test(arguments: ["rack", "rack:", ":abc", "keys:[1-", "keys:[x-y]"])
    func rejectsBadAttributes(_ text: String) {
        #expect(throws: ResourceError.self) { try parseAttributes(text) }
    }
}

@Suite struct ResourcesValidationTests {
    @Test(arguments: ["*", "ads", "eng/web", "a.b", "x-y", "eng/web/canary", "é"])
    func validRoleNames(_ role: String) {
        #expect(isValidRoleName(role) == nil)
    }

    @Test(arguments: [
        "", "/a", "a/", "a//b", ".", "..", "a/./b", "a/../b", "a/*", "*/a", "-a", "a/-b", "a b", "a\tb", "a\u{7f}",
    ])
    func invalidRoleNames(_ role: String) {
        #expect(isValidRoleName(role) != nil)
    }

    @Test func acceptsWellFormedResources() {
        var dynamic = Resource.scalar("cpus", 1, role: "ads")
        dynamic.reservation = Resource.ReservationInfo(principal: "p")
        let good: [Resource] = [
            .scalar("cpus", 1), .scalar("gpus", 2), .ranges("ports", [1...5, 7...9]), .set("disks", ["a", "b"]),
            .scalar("mem", 1, role: "ads"), dynamic,
        ]
        #expect(Resources.validationError(good) == nil)
        #expect(Resources(good).validationError() == nil)
    }

    @Test func rejectsMalformedResources() {
        func problem(_ resource: Resource) -> String? { Resources.validationError([resource]) }
        #expect(problem(.scalar("", 1)) != nil)
        #expect(problem(.scalar("cpus", -1)) != nil)
        #expect(problem(.scalar("cpus", .nan)) != nil)
        #expect(problem(.scalar("cpus", .infinity)) != nil)
        #expect(problem(.scalar("gpus", 0.5)) != nil)
        #expect(problem(.set("cpus", ["a"])) != nil)
        #expect(problem(Resource(name: "x", type: .scalar)) != nil)
        #expect(problem(Resource(name: "x", type: .ranges, scalar: .init(value: 1))) != nil)
        #expect(problem(.ranges("ports", [1...5, 5...9])) != nil)
        #expect(problem(Resource(name: "ports", type: .ranges, ranges: .init(range: [.init(begin: 5, end: 1)]))) != nil)
        #expect(problem(.set("disks", ["a", "a"])) != nil)
        #expect(problem(.scalar("cpus", 1, role: "a//b")) != nil)
        var starDynamic = Resource.scalar("cpus", 1, role: "*")
        starDynamic.reservation = Resource.ReservationInfo(principal: "p")
        #expect(problem(starDynamic) != nil)
        var badStack = Resource.scalar("cpus", 1)
        badStack.reservations = [.init(type: .dynamic, role: "a"), .init(type: .dynamic, role: "b")]
        #expect(problem(badStack) != nil)
        var staticOnTop = Resource.scalar("cpus", 1)
        staticOnTop.reservations = [.init(type: .dynamic, role: "a"), .init(type: .static, role: "a/b")]
        #expect(problem(staticOnTop) != nil)
        var withDisk = Resource.scalar("disk", 1)
        withDisk.disk = .object([:])
        #expect(problem(withDisk)?.contains("disk") == true)
        var badAllocation = Resource.scalar("cpus", 1)
        badAllocation.allocationInfo = AllocationInfo(role: "a b")
        #expect(problem(badAllocation) != nil)
    }

    @Test func normalisedNegativeAmountsStayVisibleToValidation() {
        #expect(Resources([.scalar("cpus", -2)]).validationError() != nil)
        #expect(throws: ResourceError.self) { try Resources(validating: [.scalar("cpus", -2)]) }
    }
}
