/// Placeholder until the definitions are written.
public enum MetaV1 {
    public static let schemas: [TypeSchema] = []
}
