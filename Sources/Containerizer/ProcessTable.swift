import Foundation
import Glibc

/// Read-only view of /proc, used to find group and session members that outlive their
/// leader (a leader that exits leaves its background children in its group and session).
enum ProcessTable {
    /// The fields of /proc/<pid>/stat that process supervision needs.
    struct Entry: Equatable {
        var pid: Int32
        /// One-letter state: R, S, D, Z (zombie), T, X (dead), ...
        var state: Character
        var parentPID: Int32
        var processGroup: Int32
        var session: Int32
        /// Clock ticks after boot when the process started; with the pid it names one
        /// process for good, even after the number is reused.
        var startTime: UInt64

        /// Zombies and dead entries can no longer run, whatever signal they get.
        var isLive: Bool { state != "Z" && state != "X" }
    }

    /// The stat line of one process, or nil if it is gone or unreadable.
    static func entry(pid: Int32) -> Entry? {
        let descriptor = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        // comm is at most 15 bytes, so the fields we need sit well inside the first 1024.
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return parse(statLine: Array(buffer[0..<count]), pid: pid)
    }

    /// Parses "pid (comm) state ppid pgrp session ...". comm may hold spaces and
    /// parentheses, so fields are taken after the last ')'. Scanned byte by byte, without
    /// strings: agents parse every process' line when they look for a session's members, and
    /// with thousands of processes (a thousand tasks and their supervisors) that was most of a
    /// busy agent's time.
    static func parse(statLine: [UInt8], pid: Int32) -> Entry? {
        guard let closingParen = statLine.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        // starttime is field 22 of the stat line, the 20th after comm; nothing later is needed.
        var fields: [Range<Int>] = []
        fields.reserveCapacity(20)
        var index = closingParen + 1
        while fields.count < 20 {
            while index < statLine.count, statLine[index] == UInt8(ascii: " ") { index += 1 }
            let start = index
            while index < statLine.count, statLine[index] > UInt8(ascii: " ") { index += 1 }
            guard index > start else { break }
            fields.append(start..<index)
        }
        guard fields.count >= 4, fields[0].count == 1,
            let parent = decimal(statLine[fields[1]]).flatMap(Int32.init(exactly:)),
            let group = decimal(statLine[fields[2]]).flatMap(Int32.init(exactly:)),
            let session = decimal(statLine[fields[3]]).flatMap(Int32.init(exactly:))
        else { return nil }
        let startTime = fields.count > 19 ? decimal(statLine[fields[19]]) ?? 0 : 0
        return Entry(
            pid: pid, state: Character(Unicode.Scalar(statLine[fields[0].lowerBound])), parentPID: parent,
            processGroup: group, session: session, startTime: startTime)
    }

    /// A non-negative decimal number of at most 19 digits (so it fits), or nil.
    static func decimal(_ digits: ArraySlice<UInt8>) -> UInt64? {
        guard !digits.isEmpty, digits.count <= 19 else { return nil }
        var value: UInt64 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(digit - UInt8(ascii: "0"))
        }
        return value
    }

    /// Every process visible in /proc (empty if /proc is not mounted).
    static func allEntries() -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { name in
            guard let pid = Int32(name) else { return nil }
            return entry(pid: pid)
        }
    }

    /// True while some member of the group can still run. `kill(-pgid, 0)` alone is not
    /// enough: it also succeeds for zombies, and orphaned zombies linger until init reaps them.
    static func groupHasLiveMembers(_ processGroup: Int32) -> Bool {
        if kill(-processGroup, 0) != 0 && errno == ESRCH { return false }
        guard FileManager.default.fileExists(atPath: "/proc/self/stat") else { return true }
        return allEntries().contains { $0.processGroup == processGroup && $0.isLive }
    }

    /// Pids of live processes in the session, including ones that moved to another group.
    static func liveMembers(ofSession session: Int32) -> [Int32] {
        allEntries().filter { $0.session == session && $0.isLive }.map(\.pid)
    }
}
