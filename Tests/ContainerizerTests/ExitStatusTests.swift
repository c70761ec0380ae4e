import Glibc
import Testing

@testable import Containerizer

// Swift Testing has its own `ExitStatus` (for exit tests), so name ours explicitly.
private typealias Status = Containerizer.ExitStatus

@Suite struct ExitStatusTests {
    @Test func decodesRawWaitStatuses() {
        #expect(Status(waitStatus: 0) == .exited(0))
        #expect(Status(waitStatus: 3 << 8) == .exited(3))
        #expect(Status(waitStatus: 9) == .signaled(9))
        // SIGSEGV with the core-dump bit set.
        #expect(Status(waitStatus: 0x80 | 11) == .signaled(11))
    }

    @Test func rawStatusRoundTrips() {
        #expect(Status.exited(3).waitStatus == 768)
        #expect(Status.signaled(SIGKILL).waitStatus == SIGKILL)
        #expect(Status(waitStatus: Status.exited(255).waitStatus) == .exited(255))
    }

    @Test func mesosMessagesMatchTheCommandExecutor() {
        #expect(Status.exited(3).mesosMessage == "Command exited with status 3")
        #expect(Status.signaled(SIGKILL).mesosMessage == "Command terminated with signal Killed")
        #expect(Status.signaled(SIGTERM).mesosMessage == "Command terminated with signal Terminated")
        #expect(Status.exited(0).isSuccess)
        #expect(!Status.exited(1).isSuccess)
    }

    @Test func parsesProcStatLinesWithAwkwardCommandNames() {
        let line = Array("4242 (we ird) name)) S 1 4240 4239 0 -1 4194560 100".utf8)
        let entry = ProcessTable.parse(statLine: line, pid: 4242)
        #expect(
            entry
                == ProcessTable.Entry(
                    pid: 4242, state: "S", parentPID: 1, processGroup: 4240, session: 4239, startTime: 0))
        let full = "77 (sh) S 1 77 77 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 123456 2220032 1"
        #expect(ProcessTable.parse(statLine: Array(full.utf8), pid: 77)?.startTime == 123456)
        #expect(ProcessTable.parse(statLine: Array("garbage".utf8), pid: 1) == nil)
        #expect(ProcessTable.parse(statLine: Array("5 (x) S 1 2".utf8), pid: 5) == nil, "too few fields")
        #expect(ProcessTable.parse(statLine: Array("5 (x) S 1 -2 3".utf8), pid: 5) == nil, "not a number")
        #expect(ProcessTable.parse(statLine: Array("5 (x) Z 1 2 3\n".utf8), pid: 5)?.isLive == false)
        let huge = "5 (x) S 1 2 99999999999 0"
        #expect(ProcessTable.parse(statLine: Array(huge.utf8), pid: 5) == nil, "a session beyond Int32")
    }
}
