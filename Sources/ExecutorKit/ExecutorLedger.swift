import MesosModel

/// What an executor must remember across a lost connection to its agent: tasks it was given and
/// status updates it sent that the agent has not yet acknowledged. Both go back to the agent in
/// the next SUBSCRIBE, so an agent restarted meanwhile neither loses a task nor an update.
public struct ExecutorLedger: Sendable, Equatable {
    public private(set) var tasks: [TaskID: TaskInfo] = [:]
    /// Unacknowledged updates in the order they were sent.
    public private(set) var updates: [TaskStatus] = []

    public init() {}

    public mutating func launched(_ task: TaskInfo) {
        tasks[task.taskID] = task
    }

    public mutating func sent(_ status: TaskStatus) {
        updates.append(status)
    }

    /// The agent acknowledged an update: it is delivered, and so is the task it was about.
    public mutating func acknowledged(taskID: TaskID, uuid: String) {
        updates.removeAll { $0.taskID == taskID && $0.uuid == uuid }
        tasks.removeValue(forKey: taskID)
    }

    public var subscribe: ExecutorCall.Subscribe {
        ExecutorCall.Subscribe(
            unacknowledgedTasks: tasks.values.sorted { $0.taskID.value < $1.taskID.value },
            unacknowledgedUpdates: updates)
    }
}
