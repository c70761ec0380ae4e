/// Every built-in resource and type definition, gathered from the per-group files.
public enum Builtin {
    public static let schemas: [TypeSchema] =
        MetaV1.schemas + CoreV1.schemas + AppsV1.schemas + BatchV1.schemas + AutoscalingAPI.schemas
        + PolicyV1.schemas + CoordinationV1.schemas + DiscoveryV1.schemas + EventsV1.schemas + RBACV1.schemas
        + AuthorizationV1.schemas + APIExtensionsV1.schemas + SchedulingV1.schemas + MetricsV1beta1.schemas
        + StorageV1.schemas

    public static let resources: [ResourceType] =
        CoreV1.resources + AppsV1.resources + BatchV1.resources + AutoscalingAPI.resources + PolicyV1.resources
        + CoordinationV1.resources + DiscoveryV1.resources + EventsV1.resources + RBACV1.resources
        + AuthorizationV1.resources + APIExtensionsV1.resources + SchedulingV1.resources + MetricsV1beta1.resources
        + StorageV1.resources

    public static let catalog = SchemaCatalog(schemas)
}
