import KubeClient
import KubeControllersCore
import KubeTypes

/// The controllers' events: a core's `ControllerEvent` about an object it names by reference.
extension EventRecorder {
    public func record(_ event: ControllerEvent, about object: ObjectReference, kind: Kind) async {
        await record(
            event.type, reason: event.reason, message: event.message,
            about: Subject(kind: kind, namespace: object.namespace, name: object.name, uid: object.uid))
    }

    public func record(
        _ type: KubeEventType, reason: String, message: String, about object: ObjectReference, kind: Kind
    ) async {
        await record(ControllerEvent(type, reason: reason, message: message), about: object, kind: kind)
    }
}

extension EventRecorder.Kind {
    public static let replicaSet = EventRecorder.Kind(apiVersion: "apps/v1", kind: "ReplicaSet")
    public static let deployment = EventRecorder.Kind(apiVersion: "apps/v1", kind: "Deployment")
    public static let job = EventRecorder.Kind(apiVersion: "batch/v1", kind: "Job")
    public static let service = EventRecorder.Kind(apiVersion: "v1", kind: "Service")
    public static let cronJob = EventRecorder.Kind(apiVersion: "batch/v1", kind: "CronJob")
}
