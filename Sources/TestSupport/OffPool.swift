import Foundation

/// Runs CPU-heavy synchronous test work on a thread of its own. Swift concurrency's
/// cooperative pool has one thread per core (two here); a long synchronous loop on it starves
/// every other test that is waiting on sockets, actors or timers, and those then time out.
public func runOffCooperativePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: work()) }
        thread.stackSize = 16 << 20
        thread.start()
    }
}
