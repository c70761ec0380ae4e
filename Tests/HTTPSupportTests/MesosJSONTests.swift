import HTTPSupport
import NIOCore
import Testing

private struct Call: Codable, Equatable {
    struct Subscribe: Codable, Equatable {
        struct FrameworkInfo: Codable, Equatable {
            var user: String
            var name: String
            var failoverTimeout: Double?
            enum CodingKeys: String, CodingKey {
                case user, name
                case failoverTimeout = "failover_timeout"
            }
        }
        var frameworkInfo: FrameworkInfo
        enum CodingKeys: String, CodingKey { case frameworkInfo = "framework_info" }
    }
    struct Offer: Codable, Equatable {
        struct ID: Codable, Equatable { var value: String }
        var id: ID
    }
    var type: String
    var subscribe: Subscribe?
    var offers: [Offer]?
}

@Suite("MesosJSON")
struct MesosJSONTests {
    private func message<T: Decodable>(decoding json: String, as type: T.Type) -> String? {
        do throws(HTTPError) {
            _ = try MesosJSON.decode(type, from: ByteBuffer(string: json))
            return nil
        } catch {
            #expect(error.status == .badRequest)
            return error.message
        }
    }

    @Test func decodesValidBodies() throws {
        let json = #"{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u","name":"n"}},"unknown":1}"#
        let call = try MesosJSON.decode(Call.self, from: ByteBuffer(string: json))
        #expect(call.subscribe?.frameworkInfo.name == "n")
        #expect(call.subscribe?.frameworkInfo.failoverTimeout == nil)
    }

    @Test func missingKeyNamesTheFullPath() {
        let json = #"{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"u"}}}"#
        #expect(
            self.message(decoding: json, as: Call.self)
                == "Failed to parse body: missing key 'subscribe.framework_info.name'")
    }

    @Test func typeMismatchNamesArrayIndices() {
        let json = #"{"type":"ACCEPT","offers":[{"id":{"value":"a"}},{"id":{"value":7}}]}"#
        #expect(
            self.message(decoding: json, as: Call.self)
                == "Failed to parse body: expected a string at 'offers[1].id.value'")
    }

    @Test func invalidAndEmptyBodies() throws {
        let invalid = try #require(self.message(decoding: "{not json", as: Call.self))
        #expect(invalid.hasPrefix("Failed to parse body: invalid JSON"))
        #expect(self.message(decoding: "  ", as: Call.self) == "Failed to parse body: the body is empty")
    }

    @Test func encoderKeepsSlashesAndIsCompact() throws {
        let encoded = try MesosJSON.encode(["url": "http://host/path"])
        #expect(String(buffer: encoded) == #"{"url":"http://host/path"}"#)
    }

    @Test func infinityRoundTripsAsStout() throws {
        struct Value: Codable { var x: Double }
        let encoded = try MesosJSON.encode(Value(x: .infinity))
        #expect(String(buffer: encoded) == #"{"x":"Infinity"}"#)
        #expect(try MesosJSON.decode(Value.self, from: encoded).x == .infinity)
    }
}

@Suite("Request target parsing")
struct RequestTargetTests {
    @Test func pathAndQueryAreDecoded() {
        let request = HTTPRequest(method: .GET, uri: "/files/a%2Fb%20c?path=%2Ftmp%2Fx&q=a+b&q=c&bad=%zz")
        #expect(request.path == "/files/a/b c")
        #expect(request.query["path"] == "/tmp/x")
        #expect(request.query["q"] == "c")
        #expect(request.queryValues["q"] == ["a b", "c"])
        #expect(request.query["bad"] == "%zz")
    }

    @Test func absoluteFormTargetKeepsOnlyThePath() {
        let request = HTTPRequest(method: .GET, uri: "http://master:5050/state?jsonp=cb")
        #expect(request.path == "/state")
        #expect(request.query == ["jsonp": "cb"])
    }
}
