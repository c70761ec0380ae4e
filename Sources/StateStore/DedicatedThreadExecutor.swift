import Foundation

/// An executor that runs its jobs, one at a time, on a thread of its own.
///
/// For work that must keep time while the rest of the process is saturated: a leader's lease
/// renewals. On the cooperative pool they would wait behind whatever fills it (a master decoding
/// ten thousand agents' re-registrations had its renewals woken up to a second late and lost its
/// lease); on an otherwise idle thread they wait only for the kernel's scheduler.
///
/// It is both the serial executor of the actors that choose it and a task executor preference,
/// so that the non-isolated async code those actors await runs here too.
public final class DedicatedThreadExecutor: SerialExecutor, TaskExecutor, @unchecked Sendable {
    /// Guards `jobs`; waited on by the thread when there is nothing to run.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    /// The thread's id, set when it starts (guarded by `condition`).
    private var thread: pthread_t?

    /// Starts the thread. It lives as long as the process: hold executors in long-lived places.
    public init(name: String) {
        let thread = Thread { [self] in self.runJobs() }
        thread.name = name
        thread.start()
    }

    /// Whether the caller runs on this executor's thread.
    public var isCurrentThread: Bool {
        condition.lock()
        defer { condition.unlock() }
        return thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    public func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }

    private func runJobs() {
        condition.lock()
        thread = pthread_self()
        condition.unlock()
        var batch: [UnownedJob] = []
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            swap(&batch, &jobs)
            condition.unlock()
            for job in batch {
                job.runSynchronously(isolatedTo: asUnownedSerialExecutor(), taskExecutor: asUnownedTaskExecutor())
            }
            batch.removeAll(keepingCapacity: true)
        }
    }
}

extension DedicatedThreadExecutor {
    /// The thread every `LeaderElection` of the process runs on.
    public static let leaderElection = DedicatedThreadExecutor(name: "leader-election")
}
