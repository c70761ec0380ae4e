import Testing

@testable import KubeAPIServer

@Suite struct RequestInfoTests {
    @Test func parsesResourcePaths() throws {
        let log = try #require(RequestInfo(path: "/api/v1/namespaces/default/pods/web-0/log"))
        #expect(log.group == "" && log.version == "v1" && log.namespace == "default")
        #expect(log.resource == "pods" && log.name == "web-0" && log.subresource == "log")
        let namespace = RequestInfo(path: "/api/v1/namespaces/default")
        #expect(namespace?.resource == "namespaces" && namespace?.name == "default" && namespace?.namespace == nil)
        let finalize = RequestInfo(path: "/api/v1/namespaces/gone/finalize")
        #expect(finalize?.resource == "namespaces" && finalize?.subresource == "finalize")
        let all = RequestInfo(path: "/apis/apps/v1/deployments")
        #expect(all?.group == "apps" && all?.namespace == nil && all?.name == nil)
        #expect(RequestInfo(path: "/apis/apps") == nil)
        #expect(RequestInfo(path: "/api/v1/namespaces/a/pods/b/c/d") == nil)
    }
}
