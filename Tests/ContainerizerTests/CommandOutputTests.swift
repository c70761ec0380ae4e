import Foundation
import Testing

@testable import Containerizer

@Suite struct CommandOutputTests {
    @Test func collectsBothStreamsAndTheExitStatus() throws {
        let outcome = try CommandOutput.run(["sh", "-c", "echo out; echo err >&2; exit 3"])
        #expect(outcome.status == .exited(3))
        #expect(String(decoding: outcome.stdout, as: UTF8.self) == "out\n")
        #expect(String(decoding: outcome.stderr, as: UTF8.self) == "err\n")
    }

    @Test func largeOutputOnBothStreamsDoesNotDeadlock() throws {
        // 1 MiB on each stream: far beyond a pipe's 64 KiB buffer.
        let outcome = try CommandOutput.run([
            "sh", "-c", "head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2",
        ])
        #expect(outcome.status.isSuccess)
        #expect(outcome.stdout.count == 1 << 20 && outcome.stderr.count == 1 << 20)
    }

    @Test func aMissingProgramAndAFailureAreReportedAsImageErrors() throws {
        #expect(throws: ImageError.self) { try CommandOutput.run(["no-such-program-mesokube"]) }
        let error = try #require(throws: ImageError.self) { try ImageShell.run(["sh", "-c", "echo why >&2; exit 1"]) }
        #expect(error.description.hasSuffix("failed: why"))
        #expect(try ImageShell.run(["echo", "hi"]) == "hi\n")
    }

    @Test func childrenStartWithDefaultSignalsAndNoInheritedDescriptors() throws {
        // SwiftNIO makes this process ignore SIGPIPE (as the agent does); a child must not inherit that.
        let status = try CommandOutput.run([
            "sh", "-c", "grep -q '^SigIgn:.*' /proc/self/status && awk '/^SigIgn/ {print $2}' /proc/self/status",
        ])
        #expect(
            String(decoding: status.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).allSatisfy {
                $0 == "0"
            })
        let fds = try CommandOutput.run(["sh", "-c", "ls /proc/self/fd | wc -l"])
        // 0, 1, 2, and the directory ls itself reads.
        #expect(
            Int(String(decoding: fds.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 99 <= 4)
    }
}
