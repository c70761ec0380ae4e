/// An Event's `type`: the two values upstream's recorders write.
public enum KubeEventType: String, Sendable, Hashable {
    case normal = "Normal"
    case warning = "Warning"
}
