import Testing

@testable import MarathonCore

@Suite struct PathIdTests {
    @Test func parsesAbsoluteAndRelativeIds() {
        #expect(PathId("/a/b").segments == ["a", "b"])
        #expect(PathId("/a/b").isAbsolute)
        #expect(!PathId("a/b").isAbsolute)
        #expect(PathId("//a//b/").description == "/a/b")
        #expect(PathId("a/b").description == "a/b")
        #expect(PathId("/").isRoot)
        #expect(PathId.root.description == "/")
    }

    @Test func resolvesRelativeIdsAgainstTheBaseGroup() {
        #expect(PathId("app").canonical(base: PathId("/prod")) == PathId("/prod/app"))
        #expect(PathId("../other/app").canonical(base: PathId("/prod/web")) == PathId("/prod/other/app"))
        #expect(PathId("./app").canonical(base: PathId("/prod")) == PathId("/prod/app"))
        #expect(PathId("../../../x").canonical(base: PathId("/a")) == PathId("/x"))
        // An absolute id ignores the base but still resolves its own dots.
        #expect(PathId("/a/../b").canonical(base: PathId("/prod")) == PathId("/b"))
        #expect(PathId("demo").canonical() == PathId("/demo"))
    }

    @Test func namesForTasksAndStorage() {
        let id = PathId("/prod/web/api")
        #expect(id.safePath == "prod_web_api")
        #expect(PathId(safePath: "prod_web_api") == id)
        #expect(id.mesosTaskName == "api.web.prod")
        #expect(PathId("/marathon-demo-application").mesosTaskName == "marathon-demo-application")
    }

    @Test func parentAndChildRelations() {
        let group = PathId("/prod")
        let app = PathId("/prod/web/api")
        #expect(app.parent == PathId("/prod/web"))
        #expect(app.allParents == [PathId("/prod/web"), PathId("/prod"), .root])
        #expect(PathId("/prod/web").isChild(of: group))
        #expect(!app.isChild(of: group))
        #expect(app.isDescendant(of: group))
        #expect(!group.isDescendant(of: group))
        #expect(group.includes(group))
        #expect(group.includes(app))
        #expect(!PathId("/production").isDescendant(of: group))
        #expect(PathId("/a").isTopLevel)
        #expect(!PathId.root.isTopLevel)
        #expect(group.appending("web") == PathId("/prod/web"))
        #expect(
            PathId("/app").childViolation(of: group)
                == "identifier /app is not child of /prod. Hint: use relative paths.")
        #expect(app.childViolation(of: group) == nil)
        #expect(PathId("/a") < PathId("/a/b"))
        #expect(PathId("/a/b") < PathId("/b"))
    }

    @Test func segmentRulesFollowMarathonsPattern() {
        for good in ["a", "a1", "web-api", "a.b", "x-1.y-2", "0", ".", ".."] {
            #expect(PathId.isValidSegment(good), "\(good)")
        }
        for bad in ["", "-a", "a-", "A", "a_b", "a..b", ".a", "a.", "a b", "ä", "a.-b"] {
            #expect(!PathId.isValidSegment(bad), "\(bad)")
        }
    }

    @Test func appIdsAreValidatedWithMarathonsTexts() throws {
        #expect(try PathId.appId("marathon-demo-application") == PathId("/marathon-demo-application"))
        #expect(try PathId.appId("api", base: PathId("/prod")) == PathId("/prod/api"))
        #expect(try PathId.appId("/a/../b") == PathId("/b"))

        let upper = #expect(throws: ValidationFailure.self) { try PathId.appId("/My_App") }
        #expect(
            upper?.errors(at: "/id") == [
                #"must fully match regular expression '^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])|(\.|\.\.)$'"#
            ])
        let root = #expect(throws: ValidationFailure.self) { try PathId.appId("/") }
        #expect(root?.errors(at: "/id") == ["must not be root"])
        let up = #expect(throws: ValidationFailure.self) { try PathId.appId("..") }
        #expect(up?.errors(at: "/id") == ["must not be root"])
        let reserved = #expect(throws: ValidationFailure.self) { try PathId.appId("/web/tasks") }
        #expect(
            reserved?.errors(at: "/id") == [
                "must not end with any of the following reserved keywords: restart, tasks, versions"
            ])
        #expect(reserved?.json["message"] == .string("Object is not valid"))
        #expect(try PathId.appId("/tasks/web") == PathId("/tasks/web"))
    }
}
