private typealias F = FieldSchema

/// JSONSchemaProps: the OpenAPI v3 subset a custom resource schema is written in. It is recursive:
/// nested schemas (properties, items, allOf, ...) are JSONSchemaProps again.
extension APIExtensionsV1 {
    private static let props = SchemaType.ref(prefix + "JSONSchemaProps")

    static let jsonSchemaProps = TypeSchema(
        prefix + "JSONSchemaProps", "A JSON Schema (OpenAPI v3 subset) describing one value of a custom resource.",
        [
            F("id", .string, "Identifier of the schema."),
            F("$schema", .string, "URI of the JSON Schema dialect."),
            F("$ref", .string, "Reference to another schema; not allowed in custom resource schemas."),
            F("title", .string, "Short title of the value."),
            F("description", .string, "Explanation of the value, shown by kubectl explain."),
            F(
                "type", .string, "JSON type of the value.",
                enumValues: ["array", "boolean", "integer", "number", "object", "string"]),
            F("format", .string, "Format refining the type, such as int32, date-time or byte."),
            F("default", .any, "Value filled in when the field is absent."),
            F("example", .any, "An example value."),
            F("enum", .array(.any), "The only values allowed.", listType: "atomic"),
            F("nullable", .boolean, "Whether null is accepted (and kept) for this value."),
            F("maximum", .number, "Largest allowed number."),
            F("exclusiveMaximum", .boolean, "Makes maximum itself disallowed."),
            F("minimum", .number, "Smallest allowed number."),
            F("exclusiveMinimum", .boolean, "Makes minimum itself disallowed."),
            F("multipleOf", .number, "Numbers must be a multiple of this."),
            F("maxLength", .int64, "Longest allowed string, in characters."),
            F("minLength", .int64, "Shortest allowed string, in characters."),
            F("pattern", .string, "Regular expression strings must match."),
            F("maxItems", .int64, "Largest allowed array length."),
            F("minItems", .int64, "Smallest allowed array length."),
            F("uniqueItems", .boolean, "Whether array items must be distinct."),
            F("maxProperties", .int64, "Most members an object may have."),
            F("minProperties", .int64, "Fewest members an object may have."),
            F("required", .array(.string), "Object members that must be present.", listType: "atomic"),
            F("items", props, "Schema of the items of an array."),
            F(
                "additionalItems", .any,
                "Schema, or a boolean, for items beyond a tuple; not used by structural schemas."),
            F("properties", .map(props), "Schemas of the known members of an object."),
            F(
                "additionalProperties", .any,
                "Schema of the values of a map-like object, or a boolean; exclusive with properties."),
            F("patternProperties", .map(props), "Schemas for members whose names match a pattern."),
            F("dependencies", .map(.any), "Members or schemas required when a member is present."),
            F("definitions", .map(props), "Named schemas for reuse; not allowed in custom resource schemas."),
            F("allOf", .array(props), "The value must match every one of these schemas.", listType: "atomic"),
            F("oneOf", .array(props), "The value must match exactly one of these schemas.", listType: "atomic"),
            F("anyOf", .array(props), "The value must match at least one of these schemas.", listType: "atomic"),
            F("not", props, "The value must not match this schema."),
            F("externalDocs", .ref(prefix + "ExternalDocumentation"), "Link to further documentation."),
            F(
                "x-kubernetes-preserve-unknown-fields", .boolean,
                "Keep members not named in properties instead of pruning them."),
            F(
                "x-kubernetes-embedded-resource", .boolean,
                "The value is a whole object with apiVersion, kind and metadata."),
            F("x-kubernetes-int-or-string", .boolean, "The value may be an integer or a string."),
            F(
                "x-kubernetes-list-type", .string, "How server-side apply merges the list.",
                enumValues: ["atomic", "set", "map"]),
            F(
                "x-kubernetes-list-map-keys", .array(.string), "Keys identifying items of a map-type list.",
                listType: "atomic"),
            F(
                "x-kubernetes-map-type", .string, "How server-side apply merges the object.",
                enumValues: ["granular", "atomic"]),
            F(
                "x-kubernetes-validations", .array(.ref(prefix + "ValidationRule")),
                "CEL rules the value must satisfy.",
                mergeKey: "rule", strategy: "merge", listType: "map", mapKeys: ["rule"]),
        ])
}
