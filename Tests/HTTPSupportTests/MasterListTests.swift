import HTTPSupport
import Testing

@Suite struct MasterListTests {
    @Test func redirectsNameTheLeaderAndFailuresGoRoundTheSeeds() {
        let masters = MasterList("m1:5050, m2:5050,m3:5050")
        #expect(masters.seeds == ["m1:5050", "m2:5050", "m3:5050"])
        #expect(masters.current == "m1:5050")
        masters.follow(location: "//m3:5050/internal/agent")
        #expect(masters.current == "m3:5050")
        // The leader died: the next seed, then the one after, and round again.
        masters.failed("m3:5050")
        #expect(masters.current == "m2:5050")
        masters.failed("m2:5050")
        #expect(masters.current == "m3:5050")
        masters.failed("m3:5050")
        #expect(masters.current == "m1:5050")
        // A stale failure (someone already moved on) changes nothing.
        masters.failed("m2:5050")
        #expect(masters.current == "m1:5050")
    }

    @Test func aRedirectToALeaderThatJustFailedIsNotFollowed() {
        let masters = MasterList("m1:5050,m2:5050", avoidFor: .seconds(60))
        masters.follow(location: "//m9:5050/internal/agent")
        masters.failed("m9:5050")
        // The standby still names the dead leader until its lease runs out.
        #expect(!masters.follow(location: "//m9:5050/internal/agent"))
        #expect(masters.current != "m9:5050")
        #expect(masters.follow(location: "//m2:5050/internal/agent"))
        #expect(masters.current == "m2:5050")
        let forgetful = MasterList("m1:5050", avoidFor: .zero)
        forgetful.failed("m9:5050")
        #expect(forgetful.follow(location: "//m9:5050/"))
    }

    @Test func locationsInEveryFormMesosAndHTTPUse() {
        #expect(MasterList.hostPort(fromLocation: "//10.0.0.1:5050/master/state") == "10.0.0.1:5050")
        #expect(MasterList.hostPort(fromLocation: "http://10.0.0.1:5050/api/v1/scheduler") == "10.0.0.1:5050")
        #expect(MasterList.hostPort(fromLocation: "//leader:5050") == "leader:5050")
        #expect(MasterList.hostPort(fromLocation: "//") == nil)
        let single = MasterList("only:5050")
        single.failed("only:5050")
        #expect(single.current == "only:5050")
    }
}
