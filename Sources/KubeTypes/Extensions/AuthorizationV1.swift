/// Placeholder until the definitions are written.
public enum AuthorizationV1 {
    public static let schemas: [TypeSchema] = []
    public static let resources: [ResourceType] = []
}
