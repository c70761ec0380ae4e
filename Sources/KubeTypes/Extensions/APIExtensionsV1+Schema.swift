private typealias F = FieldSchema

private func ext(_ name: String) -> SchemaType { .ref(APIExtensionsV1.prefix + name) }

/// The definitions of CustomResourceDefinition and everything it embeds, JSONSchemaProps included.
extension APIExtensionsV1 {
    static let typeSchemas: [TypeSchema] = [
        customResourceDefinition, ExtensionSupport.listSchema(prefix: prefix, crdKind), spec, names, version,
        validation, subresources, subresourceStatus, subresourceScale, columnDefinition, selectableField, conversion,
        webhookConversion, webhookClientConfig, serviceReference, status, condition, jsonSchemaProps,
        externalDocumentation, validationRule,
    ]

    static let customResourceDefinition = TypeSchema(
        prefix + "CustomResourceDefinition",
        "Adds a new kind to the API server; its objects are stored and served like built-in ones.",
        ExtensionSupport.typeMetaFields(crdKind) + [
            F("spec", ext("CustomResourceDefinitionSpec"), "The kind being defined.", required: true),
            F("status", ext("CustomResourceDefinitionStatus"), "Whether the definition is being served."),
        ], kinds: [crdKind])

    static let spec = TypeSchema(
        prefix + "CustomResourceDefinitionSpec", "Group, names, scope and versions of a custom kind.",
        [
            F("group", .string, "API group of the kind; a domain name with at least one dot.", required: true),
            F(
                "names", ext("CustomResourceDefinitionNames"), "How the kind and its resource are named.",
                required: true),
            F(
                "scope", .string, "Whether objects are namespaced.", required: true,
                enumValues: ["Cluster", "Namespaced"]),
            F(
                "versions", .array(ext("CustomResourceDefinitionVersion")),
                "Versions served; exactly one is the storage version.", required: true, listType: "atomic"),
            F("conversion", ext("CustomResourceConversion"), "How objects are converted between versions."),
            F("preserveUnknownFields", .boolean, "Legacy switch that turns off pruning; must be false in v1."),
        ])

    static let names = TypeSchema(
        prefix + "CustomResourceDefinitionNames", "The names under which a custom kind is served.",
        [
            F("plural", .string, "Lower-case plural used in URLs, e.g. crontabs.", required: true),
            F("singular", .string, "Lower-case singular name. Defaults to the lower-cased kind."),
            F("shortNames", .array(.string), "Short aliases kubectl accepts, e.g. ct.", listType: "atomic"),
            F("kind", .string, "CamelCase kind of the objects, e.g. CronTab.", required: true),
            F("listKind", .string, "Kind of lists of the objects. Defaults to kind + List."),
            F("categories", .array(.string), "Groups the resource belongs to, such as all.", listType: "atomic"),
        ])

    static let version = TypeSchema(
        prefix + "CustomResourceDefinitionVersion", "One version of a custom kind.",
        [
            F("name", .string, "Version name used in URLs, e.g. v1 or v2beta1.", required: true),
            F("served", .boolean, "Whether the version is served over the API.", required: true),
            F("storage", .boolean, "Whether objects are stored in this version; exactly one may be.", required: true),
            F("deprecated", .boolean, "Marks the version deprecated; requests get a warning."),
            F("deprecationWarning", .string, "Replaces the default deprecation warning."),
            F("schema", ext("CustomResourceValidation"), "Schema that objects of this version must follow."),
            F("subresources", ext("CustomResourceSubresources"), "Status and scale subresources of this version."),
            F(
                "additionalPrinterColumns", .array(ext("CustomResourceColumnDefinition")),
                "Extra columns for kubectl get; without any, only the age is shown.", listType: "atomic"),
            F(
                "selectableFields", .array(ext("SelectableField")), "Fields usable in field selectors (up to 8).",
                listType: "atomic"),
        ])

    static let validation = TypeSchema(
        prefix + "CustomResourceValidation", "The schema of a version.",
        [F("openAPIV3Schema", ext("JSONSchemaProps"), "OpenAPI v3 schema for validation and pruning.")])

    static let subresources = TypeSchema(
        prefix + "CustomResourceSubresources", "Which subresources objects of a version have.",
        [
            F("status", ext("CustomResourceSubresourceStatus"), "Enables /status; writes then split spec and status."),
            F("scale", ext("CustomResourceSubresourceScale"), "Enables /scale, for kubectl scale and autoscalers."),
        ])

    static let subresourceStatus = TypeSchema(
        prefix + "CustomResourceSubresourceStatus",
        "Turns on the status subresource; has no settings. The main resource then ignores status changes.", [])

    static let subresourceScale = TypeSchema(
        prefix + "CustomResourceSubresourceScale", "Where a custom object keeps its replica counts and selector.",
        [
            F("specReplicasPath", .string, "JSON path under .spec of the desired replicas.", required: true),
            F("statusReplicasPath", .string, "JSON path under .status of the observed replicas.", required: true),
            F("labelSelectorPath", .string, "JSON path of the serialized pod label selector in spec or status."),
        ])

    static let columnDefinition = TypeSchema(
        prefix + "CustomResourceColumnDefinition", "An extra column of kubectl get output.",
        [
            F("name", .string, "Column header.", required: true),
            F(
                "type", .string, "OpenAPI type of the value.", required: true,
                enumValues: ["integer", "number", "string", "boolean", "date"]),
            F("format", .string, "Optional OpenAPI format of the value."),
            F("description", .string, "Human-readable description of the column."),
            F("priority", .int32, "0 shows the column by default; higher only with -o wide."),
            F(
                "jsonPath", .string, "Simple JSON path, evaluated against each object, giving the value.",
                required: true),
        ])

    static let selectableField = TypeSchema(
        prefix + "SelectableField", "A field that may be used in field selectors.",
        [F("jsonPath", .string, "Simple JSON path of a string, integer or boolean field.", required: true)])

    static let conversion = TypeSchema(
        prefix + "CustomResourceConversion", "How objects move between versions.",
        [
            F(
                "strategy", .string, "None only rewrites apiVersion; Webhook calls a conversion service.",
                required: true, enumValues: ["None", "Webhook"]),
            F("webhook", ext("WebhookConversion"), "The conversion service; required with strategy Webhook."),
        ])

    static let webhookConversion = TypeSchema(
        prefix + "WebhookConversion", "How to reach a conversion webhook.",
        [
            F("clientConfig", ext("WebhookClientConfig"), "Where the webhook is and how to trust it."),
            F(
                "conversionReviewVersions", .array(.string), "ConversionReview versions the webhook understands.",
                required: true, listType: "atomic"),
        ])

    static let webhookClientConfig = TypeSchema(
        prefix + "WebhookClientConfig", "Location of a webhook, by URL or by service, and its CA bundle.",
        [
            F("url", .string, "HTTPS URL of the webhook."),
            F("service", ext("ServiceReference"), "Service in the cluster that serves the webhook."),
            F("caBundle", .bytes, "PEM CA bundle to verify the webhook's certificate."),
        ])

    static let serviceReference = TypeSchema(
        prefix + "ServiceReference", "A service that serves a webhook.",
        [
            F("namespace", .string, "Namespace of the service.", required: true),
            F("name", .string, "Name of the service.", required: true),
            F("path", .string, "URL path requests are sent to."),
            F("port", .int32, "Port of the service. Defaults to 443."),
        ])

    static let status = TypeSchema(
        prefix + "CustomResourceDefinitionStatus", "The state of a definition as the server sees it.",
        [
            F(
                "conditions", .array(ext("CustomResourceDefinitionCondition")), "Current conditions.",
                listType: "map", mapKeys: ["type"]),
            F("acceptedNames", ext("CustomResourceDefinitionNames"), "The names actually being served."),
            F(
                "storedVersions", .array(.string), "Every version objects have ever been stored in.",
                listType: "atomic"),
        ])

    static let condition = TypeSchema(
        prefix + "CustomResourceDefinitionCondition", "One condition of a definition, such as Established.",
        [
            F("type", .string, "Established, NamesAccepted, NonStructuralSchema, Terminating, ...", required: true),
            F("status", .string, "True, False or Unknown.", required: true),
            F("lastTransitionTime", .time, "When status last changed."),
            F("reason", .string, "CamelCase reason for the last transition."),
            F("message", .string, "Human-readable details of the last transition."),
            F("observedGeneration", .int64, "The metadata.generation the condition was computed from."),
        ])

    static let externalDocumentation = TypeSchema(
        prefix + "ExternalDocumentation", "A link to more documentation.",
        [F("description", .string, "What the link holds."), F("url", .string, "Where the documentation is.")])

    static let validationRule = TypeSchema(
        prefix + "ValidationRule", "A CEL expression every object must satisfy.",
        [
            F("rule", .string, "The CEL expression; self is the value at the schema's position.", required: true),
            F("message", .string, "Message shown when the rule fails."),
            F("messageExpression", .string, "CEL expression producing the failure message."),
            F("reason", .string, "Machine-readable failure reason, e.g. FieldValueInvalid."),
            F("fieldPath", .string, "Field the failure is reported on, relative to the schema's position."),
            F("optionalOldSelf", .boolean, "Evaluate the rule on create too, with oldSelf absent."),
        ])
}
