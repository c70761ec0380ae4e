import Foundation
import KubeClient
import KubeControllersCore
import KubeTypes

/// Small pieces every controller shell needs to turn keys into objects and core actions into
/// API calls.
enum ControllerShell {
    /// The queue key of the object's controller when it is of `kind` (controllers live in their
    /// objects' namespace, so the namespace comes from the object).
    static func controllerKey(of object: JSON, kind: String) -> String? {
        guard let controller = controllerOwner(of: object), controller["kind"]?.stringValue == kind,
            let name = controller["name"]?.stringValue
        else { return nil }
        return Informer.key(namespace: object.namespace, name: name)
    }

    /// The object's ownerReference marked `controller: true`, if any.
    static func controllerOwner(of object: JSON) -> JSON? {
        let references = object[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []
        return references.first { $0["controller"]?.boolValue == true }
    }

    /// The text upstream puts in failure events and conditions: the server's message, not our
    /// wrapper around it.
    static func message(of error: any Error) -> String {
        if let error = error as? KubeAPIError { return error.message }
        return "\(error)"
    }

    static func isNotFound(_ error: any Error) -> Bool { (error as? KubeAPIError)?.isNotFound ?? false }
}

extension JSON {
    /// True once `metadata.deletionTimestamp` is set.
    var deletionRequested: Bool {
        guard let stamp = self[path: ["metadata", "deletionTimestamp"]] else { return false }
        return stamp != .null
    }
}

/// The time the controllers hand their cores: epoch seconds of the wall clock, as the
/// timestamps in objects are. Tests inject their own `now` instead.
public enum WallClock {
    @Sendable public static func seconds() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
