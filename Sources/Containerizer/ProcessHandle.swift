import Foundation

/// A process started by `ProcessLauncher`. The child leads its own session and process
/// group, so `pid` is also its process-group id and session id.
///
/// The handle owns the exit status: a dedicated reaper thread records it once and wakes
/// every async waiter, so waiting never blocks the cooperative pool.
public final class ProcessHandle: @unchecked Sendable, Hashable, CustomStringConvertible {
    /// Process id of the launched child (= its process-group id and session id).
    public let pid: Int32

    // Guards `status` and `waiters`; the reaper thread and async callers race on both.
    private let lock = NSLock()
    private var status: ExitStatus?
    private var waiters: [CheckedContinuation<ExitStatus, Never>] = []

    init(pid: Int32) {
        self.pid = pid
    }

    /// The process-group id to signal; equal to `pid` because the child called `setsid`.
    public var processGroupID: Int32 { pid }

    /// The exit status if the process has already been reaped, without waiting.
    public var exitStatusIfReaped: ExitStatus? {
        lock.lock()
        defer { lock.unlock() }
        return status
    }

    /// Suspends until the process has been reaped. Not cancellable: a waiter always gets
    /// the real status, which is what a status update needs.
    public func waitForExit() async -> ExitStatus {
        await withCheckedContinuation { continuation in
            lock.lock()
            if let status {
                lock.unlock()
                continuation.resume(returning: status)
            } else {
                waiters.append(continuation)
                lock.unlock()
            }
        }
    }

    /// Called once by the reaper thread.
    func recordExit(_ exitStatus: ExitStatus) {
        lock.lock()
        status = exitStatus
        let pending = waiters
        waiters.removeAll()
        lock.unlock()
        for waiter in pending {
            waiter.resume(returning: exitStatus)
        }
    }

    public var description: String { "process \(pid)" }

    public static func == (lhs: ProcessHandle, rhs: ProcessHandle) -> Bool { lhs === rhs }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(self))
    }
}
