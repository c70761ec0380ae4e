/// Why a node rejected a pod: the failing plugin's reasons and whether evicting pods could help.
public struct NodeStatus: Sendable, Hashable {
    public enum Code: Sendable, Hashable {
        /// Upstream `Unschedulable`: removing pods from the node might make room (preemption tries).
        case unschedulable
        /// Upstream `UnschedulableAndUnresolvable`: no eviction helps (preemption skips the node).
        case unresolvable
    }

    public var code: Code
    public var reasons: [String]
    /// The plugin that said no, as upstream names it.
    public var plugin: String

    public init(_ code: Code, _ reasons: [String], plugin: String) {
        self.code = code
        self.reasons = reasons
        self.plugin = plugin
    }

    static func unschedulable(_ plugin: String, _ reasons: String...) -> NodeStatus {
        NodeStatus(.unschedulable, reasons, plugin: plugin)
    }

    static func unresolvable(_ plugin: String, _ reasons: String...) -> NodeStatus {
        NodeStatus(.unresolvable, reasons, plugin: plugin)
    }
}

/// Upstream's filter failure texts, kept in one place because users match on them.
public enum FilterReason {
    public static let nodeName = "node(s) didn't match the requested node name"
    public static let nodeUnschedulable = "node(s) were unschedulable"
    public static let nodeAffinity = "node(s) didn't match Pod's node affinity/selector"
    public static let nodeAffinityConflict = "pod affinity terms conflict"
    public static let nodePorts = "node(s) didn't have free ports for the requested pod ports"
    public static let tooManyPods = "Too many pods"
    public static let insufficientCPU = "Insufficient cpu"
    public static let insufficientMemory = "Insufficient memory"
    public static let insufficientEphemeralStorage = "Insufficient ephemeral-storage"
    /// Mesokube's own: the agent has no outstanding offer, so no task can be launched there now.
    public static let noOffer = "node(s) had no resource offer"
    public static let spreadConstraints = "node(s) didn't match pod topology spread constraints"
    public static let spreadMissingLabel = spreadConstraints + " (missing required label)"
    public static let podAffinity = "node(s) didn't match pod affinity rules"
    public static let podAntiAffinity = "node(s) didn't match pod anti-affinity rules"
    public static let existingAntiAffinity = "node(s) didn't satisfy existing pods anti-affinity rules"
    public static let preemptionNotHelpful = "Preemption is not helpful for scheduling"
    public static let noPreemptionVictims = "No preemption victims found for incoming pod"
    public static let preemptionPolicyNever = "not eligible due to preemptionPolicy=Never."
    public static let terminatingOnNominatedNode = "not eligible due to a terminating pod on the nominated node."

    public static func untoleratedTaint(_ taint: Taint) -> String {
        "node(s) had untolerated taint {\(taint.key): \(taint.value)}"
    }

    /// Nodes left out by a PreFilter that named the only nodes worth trying.
    public static func outsidePreFilterResult(_ plugins: [String]) -> String {
        "node(s) didn't satisfy plugin(s) [" + plugins.joined(separator: " ") + "]"
    }
}

/// Why no node fit (upstream `framework.Diagnosis`): a status per node that was tried, one shared
/// status for the nodes that were not, and the PreFilter and PostFilter messages.
public struct Diagnosis: Sendable, Hashable {
    public var nodeStatuses: [String: NodeStatus] = [:]
    /// Stands for every node without an entry in `nodeStatuses`.
    public var absentNodesStatus: NodeStatus?
    public var preFilterMessage: String?
    public var postFilterMessage: String?

    public init() {}

    /// The status a node has in this diagnosis, explicit or shared.
    func status(of node: String) -> NodeStatus? { nodeStatuses[node] ?? absentNodesStatus }

    /// Upstream `FitError.Error()`: `0/N nodes are available: ` then the PreFilter message or the
    /// reasons counted over nodes, each as `count reason`, sorted as strings (so "10 x" sorts before
    /// "2 y", exactly as Go's sort.Strings does), then the PostFilter message, which carries its own
    /// full stop.
    public func fitErrorMessage(numAllNodes: Int) -> String {
        var message = "0/\(numAllNodes) nodes are available:"
        if let preFilterMessage {
            message += " \(preFilterMessage)."
        } else {
            var counts: [String: Int] = [:]
            for status in nodeStatuses.values {
                for reason in status.reasons { counts[reason, default: 0] += 1 }
            }
            let absent = numAllNodes - nodeStatuses.count
            if absent > 0, let absentNodesStatus {
                for reason in absentNodesStatus.reasons { counts[reason, default: 0] += absent }
            }
            let histogram = counts.map { "\($0.value) \($0.key)" }.sorted {
                $0.utf8.lexicographicallyPrecedes($1.utf8)
            }
            if !histogram.isEmpty { message += " " + histogram.joined(separator: ", ") + "." }
        }
        if let postFilterMessage { message += " " + postFilterMessage }
        return message
    }
}
