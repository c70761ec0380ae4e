import Foundation
import MesosModel
import Testing

@testable import Containerizer

private func json(_ text: String) throws -> JSONValue {
    try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
}

private func refusal(_ text: String) throws -> String? {
    do {
        _ = try HealthCheck(json: try json(text))
        return nil
    } catch let error as HealthCheckDefinitionError {
        return error.description
    }
}

@Suite struct HealthCheckModelTests {
    @Test func appliesMesosDefaults() throws {
        let check = try HealthCheck(json: json(#"{"type":"TCP","tcp":{"port":8080}}"#))
        #expect(check.type == .tcp)
        #expect(check.tcp?.port == 8080)
        #expect(check.delaySeconds == 15)
        #expect(check.intervalSeconds == 10)
        #expect(check.timeoutSeconds == 20)
        #expect(check.consecutiveFailures == 3)
        #expect(check.gracePeriodSeconds == 10)
    }

    @Test func readsEveryHTTPField() throws {
        let check = try HealthCheck(
            json: json(
                #"""
                {"type":"HTTP","delay_seconds":1,"interval_seconds":2.5,"timeout_seconds":3,
                 "consecutive_failures":4,"grace_period_seconds":5,
                 "http":{"scheme":"https","port":443,"path":"/health","statuses":[200]}}
                """#))
        #expect(check.http == HTTPCheckDefinition(port: 443, path: "/health", scheme: "https").with(statuses: [200]))
        #expect(check.intervalSeconds == 2.5)
        #expect(check.consecutiveFailures == 4)
        #expect(check.gracePeriodSeconds == 5)
    }

    @Test func commandHealthCheckCarriesACommandInfo() throws {
        let check = try HealthCheck(
            json: json(#"{"type":"COMMAND","command":{"value":"test -f ready","shell":true}}"#))
        #expect(check.command?.value == "test -f ready")
        #expect(
            CheckProbe(check, context: ProbeContext(sandbox: "/tmp", environment: [:]))?.target
                == .command(.shell("test -f ready")))
    }

    @Test func refusesBadDefinitionsWithClearMessages() throws {
        #expect(try refusal(#"{"tcp":{"port":1}}"#) == "HealthCheck must specify 'type'")
        #expect(try refusal(#"{"type":"DOCKER"}"#) == "HealthCheck type DOCKER is not supported")
        #expect(try refusal(#"{"type":"GRPC"}"#) == "HealthCheck type GRPC is not supported")
        #expect(try refusal(#"{"type":"PING"}"#) == "HealthCheck type 'PING' is unknown")
        #expect(try refusal(#"{"type":"HTTP"}"#) == "HealthCheck 'http' is required for type HTTP")
        #expect(try refusal(#"{"type":"HTTP","http":{"path":"/"}}"#) == "HealthCheck 'http.port' is required")
        #expect(
            try refusal(#"{"type":"HTTP","http":{"port":80,"path":"health"}}"#)
                == "HealthCheck 'http.path' must start with '/', got 'health'")
        #expect(
            try refusal(#"{"type":"HTTP","http":{"port":80,"scheme":"ftp"}}"#)
                == "HealthCheck 'http.scheme' must be 'http' or 'https', got 'ftp'")
        #expect(try refusal(#"{"type":"TCP","tcp":{"port":70000}}"#) == "HealthCheck 'tcp.port' must be in 1...65535")
        #expect(try refusal(#"{"type":"COMMAND"}"#) == "HealthCheck 'command' is required for type COMMAND")
        #expect(
            try refusal(#"{"type":"COMMAND","command":{"shell":true}}"#) == "HealthCheck command must have a 'value'")
        #expect(
            try refusal(#"{"type":"TCP","tcp":{"port":1},"interval_seconds":-1}"#)
                == "HealthCheck 'interval_seconds' must be non-negative")
        #expect(try refusal(#"[1]"#) == "HealthCheck must be a JSON object")
    }

    @Test func checkInfoNestsTheCommandAndRoundTrips() throws {
        let text = #"{"type":"COMMAND","delay_seconds":0,"command":{"command":{"value":"exit 3"}}}"#
        let check = try CheckInfo(json: json(text))
        #expect(check.command?.value == "exit 3")
        #expect(check.delaySeconds == 0)
        #expect(check.intervalSeconds == 10)
        let again = try JSONDecoder().decode(CheckInfo.self, from: JSONEncoder().encode(check))
        #expect(again == check)
        #expect(throws: HealthCheckDefinitionError.self) {
            try CheckInfo(json: json(#"{"type":"COMMAND","command":{"value":"exit 3"}}"#))
        }
    }

    @Test func healthCheckRoundTripsThroughCodable() throws {
        let check = HealthCheck(
            type: .http, delaySeconds: 0, gracePeriodSeconds: 0, http: HTTPCheckDefinition(port: 81, path: "/x"))
        let data = try JSONEncoder().encode(check)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"grace_period_seconds\""))
        #expect(try JSONDecoder().decode(HealthCheck.self, from: data) == check)
    }

    @Test func checkStatusUsesMesosFieldNames() throws {
        let status = ProbeResult.command(.exited(2)).checkStatus(.command)
        let text = String(decoding: try JSONEncoder().encode(status), as: UTF8.self)
        #expect(text.contains("\"exit_code\":2"))
        #expect(ProbeResult.timedOut.checkStatus(.http) == .empty(.http))
        #expect(ProbeResult.failed("refused").checkStatus(.tcp).tcp?.succeeded == false)
        #expect(ProbeResult.http(statusCode: 503).checkStatus(.http).http?.statusCode == 503)
    }

    @Test func healthVerdicts() {
        #expect(ProbeResult.http(statusCode: 200).isHealthy)
        #expect(ProbeResult.http(statusCode: 399).isHealthy)
        #expect(!ProbeResult.http(statusCode: 400).isHealthy)
        #expect(!ProbeResult.http(statusCode: 199).isHealthy)
        #expect(ProbeResult.command(.exited(0)).isHealthy)
        #expect(!ProbeResult.command(.exited(1)).isHealthy)
        #expect(!ProbeResult.command(.signaled(9)).isHealthy)
        #expect(ProbeResult.tcpConnected.isHealthy)
        #expect(!ProbeResult.timedOut.isHealthy)
    }
}

extension HTTPCheckDefinition {
    fileprivate func with(statuses: [Int]) -> HTTPCheckDefinition {
        var copy = self
        copy.statuses = statuses
        return copy
    }
}
