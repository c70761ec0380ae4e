import KubeTypes
import Testing

@testable import KubeAPIServer

/// Bodies laid out the way Go's marshaller writes them, on top of the server's own writer.
extension ProtoWriter {
    mutating func mapEntry(_ field: Int, _ key: String, _ value: (inout ProtoWriter) -> Void) {
        message(field) { entry in
            entry.string(1, key)
            value(&entry)
        }
    }

    /// intstr.IntOrString: Go writes all three fields.
    mutating func intOrString(_ field: Int, int: Int64 = 0, string: String? = nil) {
        message(field) { value in
            value.int(1, string == nil ? 0 : 1)
            value.int(2, int)
            value.string(3, string ?? "")
        }
    }

    static func envelope(_ apiVersion: String, _ kind: String, _ build: (inout ProtoWriter) -> Void) -> [UInt8] {
        var object = ProtoWriter()
        build(&object)
        var unknown = ProtoWriter()
        unknown.message(1) { typeMeta in
            typeMeta.string(1, apiVersion)
            typeMeta.string(2, kind)
        }
        unknown.raw(2, object.bytes)
        unknown.string(3, "")
        unknown.string(4, "")
        return [0x6B, 0x38, 0x73, 0x00] + unknown.bytes
    }
}

@Suite struct ProtobufBodiesTests {
    /// ObjectMeta as Go writes it for a new object: every string, zero generation, empty time.
    static func metadata(_ writer: inout ProtoWriter, name: String) {
        writer.message(1) { meta in
            meta.string(1, name)
            meta.string(2, "")
            meta.string(3, "")
            meta.string(4, "")
            meta.string(5, "")
            meta.string(6, "")
            meta.int(7, 0)
            meta.message(8)
            meta.mapEntry(11, "app") { $0.string(2, name) }
        }
    }

    static func container(_ writer: inout ProtoWriter, field: Int) {
        writer.message(field) { container in
            container.string(1, "web")
            container.string(2, "nginx:1.27")
            container.string(3, "sh")
            container.string(3, "")
            container.message(6) { port in
                port.string(1, "")
                port.int(2, 0)
                port.int(3, 80)
                port.string(4, "TCP")
                port.string(5, "")
            }
            container.message(7) { env in
                env.string(1, "PASSWORD")
                env.string(2, "")
                env.message(3) { source in
                    source.message(4) { selector in
                        selector.message(1) { $0.string(1, "db") }
                        selector.string(2, "password")
                    }
                }
            }
            container.message(8) { resources in
                resources.mapEntry(1, "cpu") { $0.message(2) { $0.string(1, "500m") } }
                resources.mapEntry(2, "memory") { $0.message(2) { $0.string(1, "0") } }
            }
            container.message(10) { probe in
                probe.message(1) { handler in
                    handler.message(2) { get in
                        get.string(1, "/healthz")
                        get.intOrString(2, string: "http")
                        get.string(3, "")
                        get.string(4, "HTTP")
                    }
                }
                probe.int(2, 0)
                probe.int(3, 1)
            }
            container.string(13, "")
            container.bool(16, false)
        }
    }

    static func deploymentBody() -> [UInt8] {
        ProtoWriter.envelope("apps/v1", "Deployment") { deployment in
            metadata(&deployment, name: "web")
            deployment.message(2) { spec in
                spec.int(1, 0)
                spec.message(2) { $0.mapEntry(1, "app") { $0.string(2, "web") } }
                spec.message(3) { template in
                    template.message(1) { $0.message(8) }
                    template.message(2) { pod in
                        pod.message(1) { volume in
                            volume.string(1, "scratch")
                            volume.message(2) { $0.message(2) { $0.string(1, "") } }
                        }
                        container(&pod, field: 2)
                        pod.string(3, "Always")
                        pod.int(4, 30)
                        pod.bool(11, false)
                        pod.int(25, -5)
                    }
                }
                spec.message(4) { $0.string(1, "") }
                spec.int(5, 0)
                spec.int(6, 0)
                spec.bool(7, false)
            }
            deployment.message(3) { status in
                status.int(1, 0)
                status.int(2, 0)
            }
        }
    }

    @Test func dropsZeroScalarsButKeepsPointerZeros() throws {
        let object = try ProtobufBodies.decode(Self.deploymentBody())
        #expect(object["apiVersion"] == "apps/v1" && object["kind"] == "Deployment")
        #expect(object["metadata"] == ["name": "web", "labels": ["app": "web"]])
        let spec = try #require(object["spec"])
        #expect(spec["replicas"] == 0)
        #expect(spec["revisionHistoryLimit"] == 0)
        #expect(spec["minReadySeconds"] == nil && spec["paused"] == nil)
        #expect(spec["strategy"] == .emptyObject)
        #expect(spec["selector"] == ["matchLabels": ["app": "web"]])
        #expect(object["status"] == .emptyObject)
        let pod = try #require(spec[path: ["template", "spec"]])
        #expect(spec[path: ["template", "metadata"]] == .emptyObject)
        #expect(pod["restartPolicy"] == "Always" && pod["terminationGracePeriodSeconds"] == 30)
        #expect(pod["hostNetwork"] == nil)
    }

    @Test func negativeInt32ArrivesAsTenByteVarint() throws {
        var writer = ProtoWriter()
        writer.int(25, -5)
        // Two bytes of key (field 25), then ten of value.
        #expect(writer.bytes.count == 12)
        let object = try ProtobufBodies.decode(Self.deploymentBody())
        #expect(object[path: ["spec", "template", "spec", "priority"]] == -5)
    }

    @Test func nestedRepeatedMessagesInlineStructsAndQuantities() throws {
        let object = try ProtobufBodies.decode(Self.deploymentBody())
        let pod = try #require(object[path: ["spec", "template", "spec"]])
        // VolumeSource is embedded inline in Volume; an empty emptyDir stays an empty object.
        #expect(pod["volumes"] == [["name": "scratch", "emptyDir": .emptyObject]])
        let container = try #require(pod["containers"]?.arrayValue?.first)
        #expect(container["name"] == "web" && container["image"] == "nginx:1.27")
        // Repeated strings keep their empty elements; a scalar empty string is dropped.
        #expect(container["command"] == ["sh", ""] && container["terminationMessagePath"] == nil)
        #expect(container["ports"] == [["containerPort": 80, "protocol": "TCP"]])
        #expect(
            container["env"] == [
                ["name": "PASSWORD", "valueFrom": ["secretKeyRef": ["name": "db", "key": "password"]]]
            ])
        // Map values are kept even when zero: `memory: "0"` is what the user asked for.
        #expect(container["resources"] == ["limits": ["cpu": "500m"], "requests": ["memory": "0"]])
        #expect(
            container["livenessProbe"] == [
                "httpGet": ["path": "/healthz", "port": "http", "scheme": "HTTP"], "timeoutSeconds": 1,
            ])
        #expect(container["stdin"] == nil)
    }

    @Test func intOrStringBothWays() throws {
        let body = ProtoWriter.envelope("v1", "Service") { service in
            Self.metadata(&service, name: "web")
            service.message(2) { spec in
                spec.message(1) { port in
                    port.string(1, "http")
                    port.string(2, "TCP")
                    port.int(3, 80)
                    port.intOrString(4, int: 8080)
                    port.int(5, 0)
                }
                spec.message(1) { port in
                    port.int(3, 443)
                    port.intOrString(4, string: "https")
                }
                spec.message(1) { port in
                    port.int(3, 53)
                    port.intOrString(4)
                }
                spec.message(1) { port in
                    port.int(3, 54)
                    port.intOrString(4, int: -1)
                }
                spec.mapEntry(2, "app") { $0.string(2, "web") }
                spec.string(3, "")
                spec.string(4, "ClusterIP")
                spec.string(11, "")
                spec.bool(13, false)
            }
            service.message(3) { $0.message(1) }
        }
        let object = try ProtobufBodies.decode(body)
        let ports = try #require(object[path: ["spec", "ports"]]?.arrayValue)
        #expect(ports[0] == ["name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080])
        #expect(ports[1] == ["port": 443, "targetPort": "https"])
        // A zero IntOrString is what Go writes for an unset targetPort.
        #expect(ports[2] == ["port": 53])
        #expect(ports[3] == ["port": 54, "targetPort": -1])
        #expect(object[path: ["spec", "type"]] == "ClusterIP" && object[path: ["spec", "clusterIP"]] == nil)
        #expect(object["status"] == ["loadBalancer": .emptyObject])
    }

    @Test func pointerIntOrStringKeepsZero() throws {
        let body = ProtoWriter.envelope("apps/v1", "Deployment") { deployment in
            deployment.message(2) { spec in
                spec.message(4) { strategy in
                    strategy.string(1, "RollingUpdate")
                    strategy.message(2) { rolling in
                        rolling.intOrString(1, int: 0)
                        rolling.intOrString(2, string: "25%")
                    }
                }
            }
        }
        let strategy = try ProtobufBodies.decode(body)[path: ["spec", "strategy"]]
        #expect(strategy == ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": 0, "maxSurge": "25%"]])
    }

    @Test func timesAndPackedNumbers() throws {
        let body = ProtoWriter.envelope("batch/v1", "Job") { job in
            job.message(1) { meta in
                meta.string(1, "j")
                meta.message(8) { $0.int(1, 1_700_000_000) }
            }
            job.message(2) { spec in
                spec.int(7, 0)
                spec.message(11) { policy in
                    policy.message(1) { rule in
                        rule.string(1, "FailJob")
                        rule.message(2) { codes in
                            codes.string(2, "In")
                            codes.raw(3, ProtoWriter.varint(1) + ProtoWriter.varint(42))
                            codes.int(3, 7)
                        }
                    }
                }
            }
        }
        let object = try ProtobufBodies.decode(body)
        #expect(object[path: ["metadata", "creationTimestamp"]] == .string(Timestamp.format(1_700_000_000)))
        #expect(object[path: ["spec", "backoffLimit"]] == 0)
        let codes = object[path: ["spec", "podFailurePolicy", "rules"]]?.arrayValue?.first?["onExitCodes"]
        #expect(codes == ["operator": "In", "values": [1, 42, 7]])
    }

    @Test func deleteOptionsAndEviction() throws {
        let body = ProtoWriter.envelope("policy/v1", "Eviction") { eviction in
            Self.metadata(&eviction, name: "web-0")
            eviction.message(2) { options in
                options.int(1, 0)
                options.message(2) { $0.string(1, "abc") }
                options.string(4, "Background")
            }
        }
        let object = try ProtobufBodies.decode(body)
        #expect(
            object["deleteOptions"] == [
                "gracePeriodSeconds": 0, "preconditions": ["uid": "abc"], "propagationPolicy": "Background",
            ])
        let delete = try ProtobufBodies.decode(ProtoWriter.envelope("v1", "DeleteOptions") { $0.bool(3, false) })
        #expect(delete["orphanDependents"] == false && delete["kind"] == "DeleteOptions")
    }

    @Test func unknownFieldNumberIsRefusedNotSkipped() throws {
        let body = ProtoWriter.envelope("apps/v1", "Deployment") { deployment in
            deployment.message(2) { spec in
                spec.message(3) { template in
                    template.message(2) { $0.string(99, "from the future") }
                }
            }
        }
        let error = try #require(throws: APIError.self) { try ProtobufBodies.decode(body) }
        #expect(error.code == 415)
        #expect(error.message.contains("Deployment") && error.message.contains("field number 99"))
        #expect(error.message.contains("spec.template.spec") && error.message.contains("kubectl apply -f"))
    }

    @Test func managedFieldsAreRefusedByName() throws {
        let body = ProtoWriter.envelope("v1", "ConfigMap") { configMap in
            configMap.message(1) { $0.message(17) { $0.string(1, "kubectl") } }
        }
        let error = try #require(throws: APIError.self) { try ProtobufBodies.decode(body) }
        #expect(error.code == 415 && error.message.contains("metadata.managedFields"))
    }

    @Test func unknownKindIsRefused() throws {
        let body = ProtoWriter.envelope("apps/v1", "StatefulSet") { Self.metadata(&$0, name: "db") }
        let error = try #require(throws: APIError.self) { try ProtobufBodies.decode(body) }
        #expect(error.code == 415 && error.message.contains("Deployment") && error.message.contains("kubectl apply -f"))
    }

    @Test func truncatedAndMalformedBytesAreBadRequests() throws {
        let body = Self.deploymentBody()
        for cut in [body.count - 1, body.count - 7, 9] {
            let error = try #require(throws: APIError.self) { try ProtobufBodies.decode(Array(body.prefix(cut))) }
            #expect(error.code == 400, "cut at \(cut): \(error)")
        }
        let wrongWire = ProtoWriter.envelope("apps/v1", "Deployment") { $0.int(2, 5) }
        #expect(throws: APIError.self) { try ProtobufBodies.decode(wrongWire) }
        let error = try #require(throws: APIError.self) { try ProtobufBodies.decode(Array("{}".utf8)) }
        #expect(error.code == 400)
    }

    @Test func tablesAreConsistent() {
        let declared = ProtobufMessages.groups.reduce(0) { $0 + $1.count }
        #expect(declared == ProtobufMessages.all.count, "a message name is declared in two groups")
        for (name, message) in ProtobufMessages.all {
            for (number, field) in message {
                var type = field.type
                while case .map(let value) = type { type = value }
                if case .message(let target) = type {
                    #expect(ProtobufMessages.all[target] != nil, "\(name).\(number) refers to missing \(target)")
                }
                #expect(field.inline == field.name.isEmpty, "\(name).\(number)")
            }
        }
        for (kind, root) in ProtobufMessages.kinds {
            #expect(ProtobufMessages.all[root] != nil, "\(kind)")
        }
    }
}
