import KubeClient
import KubeTestSupport
import KubeTypes
import Testing

/// PriorityClasses and the Priority admission: class names become priorities, the system classes
/// exist from the start, and pods that name a missing class or set their own number are refused.
@Suite struct PriorityAdmissionTests {
    static func pod(_ name: String, priorityClass: String? = nil, priority: Int64? = nil) -> JSON {
        var spec: JSON = ["containers": [["name": "main", "image": "busybox"]]]
        if let priorityClass { spec["priorityClassName"] = .string(priorityClass) }
        if let priority { spec["priority"] = .int(priority) }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)], "spec": spec]
    }

    static func priorityClass(_ name: String, value: Int64, globalDefault: Bool = false, policy: String? = nil) -> JSON
    {
        var object: JSON = [
            "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": ["name": .string(name)],
            "value": .int(value), "globalDefault": .bool(globalDefault),
        ]
        if let policy { object["preemptionPolicy"] = .string(policy) }
        return object
    }

    static func refusal(_ body: () async throws -> JSON) async -> KubeAPIError? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error as? KubeAPIError
        }
    }

    @Test func aPodGetsThePriorityAndPreemptionPolicyOfItsClass() async throws {
        let api = try await LiveAPIServer.start()
        let client = api.client
        _ = try await client.create(.priorityClasses, Self.priorityClass("batch", value: 100, policy: "Never"))
        let pod = try await client.create(.pods, namespace: "default", Self.pod("p", priorityClass: "batch"))
        #expect(pod[path: ["spec", "priority"]]?.intValue == 100)
        #expect(pod[path: ["spec", "preemptionPolicy"]]?.stringValue == "Never")
        let critical = try await client.create(
            .pods, namespace: "default", Self.pod("c", priorityClass: "system-cluster-critical"))
        #expect(critical[path: ["spec", "priority"]]?.intValue == 2_000_000_000)
        let plain = try await client.create(.pods, namespace: "default", Self.pod("plain"))
        #expect(plain[path: ["spec", "priority"]]?.intValue == 0)
        await api.stop()
    }

    @Test func theGlobalDefaultClassAppliesToPodsWithoutOne() async throws {
        let api = try await LiveAPIServer.start()
        _ = try await api.client.create(.priorityClasses, Self.priorityClass("normal", value: 5, globalDefault: true))
        let pod = try await api.client.create(.pods, namespace: "default", Self.pod("d"))
        #expect(pod[path: ["spec", "priorityClassName"]]?.stringValue == "normal")
        #expect(pod[path: ["spec", "priority"]]?.intValue == 5)
        await api.stop()
    }

    @Test func missingClassesAndHandWrittenPrioritiesAreForbidden() async throws {
        let api = try await LiveAPIServer.start()
        let client = api.client
        let missing = await Self.refusal {
            try await client.create(.pods, namespace: "default", Self.pod("m", priorityClass: "nope"))
        }
        #expect(missing?.code == 403)
        #expect(missing?.message == #"pods "m" is forbidden: no PriorityClass with name nope was found"#)
        let forged = await Self.refusal {
            try await client.create(.pods, namespace: "default", Self.pod("f", priority: 7))
        }
        #expect(forged?.code == 403)
        #expect(forged?.message.contains("the integer value of priority (7) must not be provided in pod spec") == true)
        await api.stop()
    }

    @Test func priorityClassesAreValidatedAndTheirValueIsImmutable() async throws {
        let api = try await LiveAPIServer.start()
        let client = api.client
        let reserved = await Self.refusal {
            try await client.create(.priorityClasses, Self.priorityClass("system-x", value: 1))
        }
        #expect(reserved?.code == 422)
        let tooHigh = await Self.refusal {
            try await client.create(.priorityClasses, Self.priorityClass("huge", value: 1_000_000_001))
        }
        #expect(tooHigh?.code == 422)
        let badPolicy = await Self.refusal {
            try await client.create(.priorityClasses, Self.priorityClass("odd", value: 1, policy: "Sometimes"))
        }
        #expect(badPolicy?.code == 422)
        var created = try await client.create(.priorityClasses, Self.priorityClass("low", value: 1))
        created["value"] = 2
        let changed = await Self.refusal { try await client.update(.priorityClasses, created) }
        #expect(changed?.code == 422)
        #expect(changed?.message.contains("may not be changed in an update") == true)
        await api.stop()
    }
}
