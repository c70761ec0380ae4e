/// Placeholder until the definitions are written.
public enum CoordinationV1 {
    public static let schemas: [TypeSchema] = []
    public static let resources: [ResourceType] = []
}
