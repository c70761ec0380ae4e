/// Placeholder until the definitions are written.
public enum AutoscalingAPI {
    public static let schemas: [TypeSchema] = []
    public static let resources: [ResourceType] = []
}
