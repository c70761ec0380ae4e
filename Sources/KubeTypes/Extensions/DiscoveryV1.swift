private typealias F = FieldSchema

/// `discovery.k8s.io/v1`: endpoint slices, the scalable successor of core Endpoints that lists the
/// network endpoints behind a service in chunks.
public enum DiscoveryV1 {
    static let prefix = "io.k8s.api.discovery.v1."
    static let sliceKind = GroupVersionKind("discovery.k8s.io", "v1", "EndpointSlice")
    static let addressTypes = ["IPv4", "IPv6", "FQDN"]
    static let protocols = ["SCTP", "TCP", "UDP"]
    static let maxEndpoints = 1000
    static let maxAddresses = 100
    static let maxPorts = 20000

    public static let schemas: [TypeSchema] = [
        endpointSlice, endpoint, endpointConditions, endpointHints, forZone, forNode, endpointPort,
        ExtensionSupport.listSchema(prefix: prefix, sliceKind),
    ]

    public static let resources: [ResourceType] = [
        ResourceType(
            group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice", plural: "endpointslices",
            namespaced: true, schemaName: prefix + "EndpointSlice",
            strategy: ResourceStrategy(
                applyDefaults: { applyDefaults(&$0) },
                validateCreate: { validate($0) },
                validateUpdate: { new, old in
                    validate(new)
                        + ExtensionSupport.immutable(new["addressType"], old["addressType"], at: "addressType")
                },
                table: table))
    ]

    static let endpointSlice = TypeSchema(
        prefix + "EndpointSlice", "A chunk of the network endpoints that back a service, all of one address type.",
        ExtensionSupport.typeMetaFields(sliceKind) + [
            F(
                "addressType", .string, "Kind of address every endpoint in the slice carries.", required: true,
                enumValues: addressTypes),
            F(
                "endpoints", .array(.ref(prefix + "Endpoint")), "The endpoints, at most 1000 per slice.",
                required: true, listType: "atomic"),
            F(
                "ports", .array(.ref(prefix + "EndpointPort")),
                "Ports exposed by every endpoint; empty means no port restriction.", listType: "atomic"),
        ], kinds: [sliceKind])

    static let endpoint = TypeSchema(
        prefix + "Endpoint", "One network endpoint, usually a pod, with its addresses and readiness.",
        [
            F(
                "addresses", .array(.string), "Addresses of the endpoint, interchangeable for clients (1 to 100).",
                required: true, listType: "set"),
            F("conditions", .ref(prefix + "EndpointConditions"), "Readiness of the endpoint."),
            F("hostname", .string, "DNS label naming the endpoint, used for per-endpoint DNS records."),
            F("targetRef", ExtensionSupport.objectReference, "Object (usually a pod) that provides the endpoint."),
            F("deprecatedTopology", .stringMap, "Legacy topology labels; replaced by nodeName and zone."),
            F("nodeName", .string, "Node that hosts the endpoint."),
            F("zone", .string, "Zone the endpoint is in."),
            F("hints", .ref(prefix + "EndpointHints"), "Hints for topology-aware routing."),
        ])

    static let endpointConditions = TypeSchema(
        prefix + "EndpointConditions", "Readiness of an endpoint; an absent condition means unknown.",
        [
            F("ready", .boolean, "The endpoint can take traffic; false while terminating."),
            F("serving", .boolean, "The endpoint can take traffic, even while terminating."),
            F("terminating", .boolean, "The endpoint is shutting down."),
        ])

    static let endpointHints = TypeSchema(
        prefix + "EndpointHints", "Where an endpoint should preferably be used from.",
        [
            F(
                "forZones", .array(.ref(prefix + "ForZone")), "Zones whose clients should use this endpoint.",
                listType: "atomic"),
            F(
                "forNodes", .array(.ref(prefix + "ForNode")), "Nodes whose clients should use this endpoint.",
                listType: "atomic"),
        ])

    static let forZone = TypeSchema(
        prefix + "ForZone", "A zone named in a routing hint.", [F("name", .string, "Name of the zone.", required: true)]
    )

    static let forNode = TypeSchema(
        prefix + "ForNode", "A node named in a routing hint.", [F("name", .string, "Name of the node.", required: true)]
    )

    static let endpointPort = TypeSchema(
        prefix + "EndpointPort", "One port the endpoints of a slice expose.",
        [
            F("name", .string, "Name of the port, matching the service port name; may be empty."),
            F("protocol", .string, "IP protocol of the port. Defaults to TCP.", enumValues: protocols),
            F("port", .int32, "Port number; absent means all ports."),
            F("appProtocol", .string, "Application protocol, such as a IANA service name or a prefixed name."),
        ])

    /// Upstream fills an empty name and the TCP protocol on every port.
    static func applyDefaults(_ object: inout JSON) {
        guard var ports = object["ports"]?.arrayValue else { return }
        for index in ports.indices where ports[index].objectValue != nil {
            if ports[index]["name"] == nil { ports[index]["name"] = "" }
            if ports[index]["protocol"] == nil { ports[index]["protocol"] = "TCP" }
        }
        object["ports"] = .array(ports)
    }
}
