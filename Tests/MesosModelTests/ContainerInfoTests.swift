import Foundation
import Testing

@testable import MesosModel

private func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
    try JSONDecoder().decode(type, from: Data(text.utf8))
}

private func json(_ text: String) throws -> JSONValue {
    try decode(JSONValue.self, text)
}

private func reencoded<T: Codable>(_ value: T) throws -> JSONValue {
    try JSONValueEncoder.encode(value)
}

@Suite struct ContainerInfoTests {
    @Test func decodesAMesosContainerWithADockerImage() throws {
        let text = #"""
            {"type":"MESOS","mesos":{"image":{"type":"DOCKER","docker":{"name":"library/busybox:1.36"},"cached":false}},
             "volumes":[{"container_path":"data","host_path":"/srv/data","mode":"RO"}]}
            """#
        let container = try decode(ContainerInfo.self, text)
        #expect(container.type == .mesos)
        #expect(container.imageName == "library/busybox:1.36")
        #expect(container.forcePullImage)
        #expect(
            container.hostPathVolumes == [HostPathVolume(hostPath: "/srv/data", containerPath: "data", readOnly: true)])
    }

    @Test func decodesADockerContainer() throws {
        let text = #"""
            {"type":"DOCKER","docker":{"image":"hello_world:latest","network":"HOST","privileged":false,
             "parameters":[{"key":"cap-add","value":"NET_ADMIN"}],"force_pull_image":true,
             "port_mappings":[{"host_port":0,"container_port":9001,"protocol":"tcp"}]}}
            """#
        let container = try decode(ContainerInfo.self, text)
        #expect(container.type == .docker)
        #expect(container.imageName == "hello_world:latest")
        #expect(container.forcePullImage)
        #expect(container.docker?.effectiveNetwork == .host)
        #expect(container.docker?.parameters == [.init(key: "cap-add", value: "NET_ADMIN")])
        #expect(container.docker?.portMappings?.first?.containerPort == 9001)
    }

    @Test func unknownEnumValuesDecodeAndRoundTrip() throws {
        let text =
            #"{"type":"APPC","mesos":{"image":{"type":"APPC","appc":{"name":"x"}}},"docker":{"network":"BRIDGE"}}"#
        let container = try decode(ContainerInfo.self, text)
        #expect(container.type?.rawValue == "APPC")
        #expect(container.mesos?.image?.type == .appc)
        #expect(container.docker?.effectiveNetwork == .bridge)
        #expect(container.imageName == nil)
        #expect(try reencoded(container) == json(text))
    }

    @Test func everyFieldRoundTripsIncludingUnknownOnes() throws {
        let text = #"""
            {"type":"MESOS","hostname":"h","future_field":{"a":[1,2]},
             "mesos":{"image":{"type":"DOCKER","cached":true,"docker":{"name":"n","config":{"type":"VALUE"},"x":1},
                      "new":"y"},"other":true},
             "docker":{"image":"i","volume_driver":"d","extra":null},
             "volumes":[{"container_path":"/c","host_path":"/h","mode":"RW","source":{"type":"SECRET"},"z":0}],
             "network_infos":[{"name":"net"}],
             "linux_info":{"share_pid_namespace":true,"ipc_mode":"PRIVATE","shm_size":64,"seccomp":{"unconfined":true},
                           "bounding_capabilities":{"capabilities":["NET_RAW"]},"unknown":1},
             "rlimit_info":{"rlimits":[{"type":"RLMT_NOFILE","hard":10,"soft":10}]},"tty_info":{}}
            """#
        let container = try decode(ContainerInfo.self, text)
        #expect(container.unknownFields["future_field"] != nil)
        #expect(container.linuxInfo?.nonDefaultFields.contains("share_pid_namespace") == true)
        #expect(container.linuxInfo?.nonDefaultFields.contains("unknown") == true)
        #expect(container.hostPathVolumes.isEmpty, "a volume with a source is not a host-path volume")
        #expect(try reencoded(container) == json(text))
    }

    @Test func wrongFieldTypesFailToDecode() {
        #expect(throws: DecodingError.self) {
            try decode(ContainerInfo.self, #"{"type":"DOCKER","docker":{"privileged":"yes"}}"#)
        }
    }

    @Test func builtContainersEncodeWithWireNames() throws {
        #expect(
            try reencoded(ContainerInfo.mesosImage("busybox"))
                == json(#"{"type":"MESOS","mesos":{"image":{"type":"DOCKER","docker":{"name":"busybox"}}}}"#))
        #expect(
            try reencoded(ContainerInfo.dockerImage("nginx")) == json(#"{"type":"DOCKER","docker":{"image":"nginx"}}"#))
        #expect(ContainerInfo(type: .mesos).imageName == nil)
    }
}

@Suite struct TaskLimitsTests {
    @Test func acceptsNumbersAndInfinity() throws {
        let limits = try decode(TaskLimits.self, #"{"cpus":{"value":2.5},"mem":{"value":"Infinity"}}"#)
        #expect(limits.cpus == 2.5)
        #expect(limits.mem == .infinity)
        #expect(try reencoded(limits) == json(#"{"cpus":{"value":2.5},"mem":{"value":"Infinity"}}"#))
    }

    @Test func acceptsNumericStrings() throws {
        let limits = try decode(TaskLimits.self, #"{"mem":{"value":"512"}}"#)
        #expect(limits.mem == 512)
    }

    @Test func refusesNonNumbers() {
        #expect(throws: DecodingError.self) { try decode(TaskLimits.self, #"{"mem":{"value":"lots"}}"#) }
        #expect(throws: DecodingError.self) { try decode(TaskLimits.self, #"{"mem":{}}"#) }
    }
}

@Suite struct TaskInfoContainerFieldsTests {
    private let taskText = #"""
        {"name":"t","task_id":{"value":"t1"},"agent_id":{"value":"a1"},"command":{"value":"true"},
         "container":{"type":"DOCKER","docker":{"image":"busybox"}},
         "health_check":{"type":"HTTP","http":{"port":80,"path":"/health"},"interval_seconds":1},
         "check":{"type":"TCP"},
         "limits":{"cpus":{"value":1},"mem":{"value":"Infinity"}}}
        """#

    @Test func typedFieldsDecodeAndInvalidChecksStillDecode() throws {
        let task = try decode(TaskInfo.self, taskText)
        #expect(task.container?.imageName == "busybox")
        #expect(task.healthCheck?.definition?.type == .http)
        #expect(task.healthCheck?.definition?.intervalSeconds == 1)
        #expect(task.healthCheck?.definition?.http?.effectivePath == "/health")
        #expect(task.check?.definition == nil)
        #expect(task.check?.error?.description == "CheckInfo 'tcp' is required for type TCP")
        #expect(task.limits?.cpus == 1)
        #expect(task.limits?.mem == .infinity)
    }

    @Test func taskInfoRoundTripsTheChecksVerbatim() throws {
        let task = try decode(TaskInfo.self, taskText)
        let again = try JSONValueEncoder.encode(task)
        #expect(again["health_check"] == (try json(taskText))["health_check"])
        #expect(again["check"] == (try json(taskText))["check"])
        #expect(try JSONValueEncoder.decode(TaskInfo.self, from: again) == task)
    }

    @Test func checkDefinitionsBuiltInCodeParseBack() throws {
        let health = CheckDefinition(HealthCheck(type: .tcp, tcp: TCPCheckDefinition(port: 8080)))
        #expect(health.error == nil)
        #expect(CheckDefinition<HealthCheck>(json: health.json) == health)
        #expect(CheckDefinition<HealthCheck>(json: health.json).definition == health.definition)
        let check = CheckDefinition(CheckInfo(type: .command, command: CommandInfo(value: "exit 0")))
        #expect(CheckDefinition<CheckInfo>(json: check.json).definition == check.definition)
    }

    @Test func taskStatusCarriesCheckStatus() throws {
        var status = TaskStatus(taskID: TaskID("t1"), state: .running)
        status.checkStatus = CheckStatusInfo(type: .command, command: .init(exitCode: 1))
        let wire = try JSONValueEncoder.encode(status)
        #expect(wire["check_status"] == (try json(#"{"type":"COMMAND","command":{"exit_code":1}}"#)))
        #expect(try JSONValueEncoder.decode(TaskStatus.self, from: wire).checkStatus == status.checkStatus)
    }
}
