import Foundation
import Glibc
import Testing

@testable import Containerizer

/// A sandbox laid out like an executor run, attached both under Mesos' virtual
/// `/frameworks/.../runs/latest` path and under its real absolute path.
private struct SandboxFixture {
    static let virtualRoot = "/frameworks/fw-1/executors/exec-1/runs/latest"

    let root: TemporaryDirectory
    let sandbox: String
    let files: SandboxFiles

    init(maxReadLength: Int = SandboxFiles.defaultMaxReadLength) throws {
        root = try TemporaryDirectory("sandbox-files")
        sandbox = root.path + "/sandbox"
        try root.write("sandbox/stdout", "hello\nworld\n")
        try root.write("sandbox/stderr", "")
        try root.write("sandbox/sub/dir/file.txt", "nested")
        try root.write("secret.txt", "outside the sandbox")
        try root.write("sandbox-other/f", "sibling with a common name prefix")
        try FileManager.default.createSymbolicLink(atPath: sandbox + "/escape", withDestinationPath: "/etc")
        try FileManager.default.createSymbolicLink(
            atPath: sandbox + "/escape-file", withDestinationPath: "../secret.txt")
        try FileManager.default.createSymbolicLink(
            atPath: sandbox + "/sibling", withDestinationPath: "../sandbox-other/f")
        try FileManager.default.createSymbolicLink(atPath: sandbox + "/inner", withDestinationPath: "sub")
        try FileManager.default.createSymbolicLink(atPath: sandbox + "/dangling", withDestinationPath: "missing")
        files = SandboxFiles(
            roots: [Self.virtualRoot: sandbox, sandbox: sandbox], maxReadLength: maxReadLength)
    }

    func virtual(_ relative: String) -> String { Self.virtualRoot + "/" + relative }
}

private func expectError(
    _ expected: SandboxFilesError, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected \(expected), got success", sourceLocation: sourceLocation)
    } catch {
        #expect(error as? SandboxFilesError == expected, sourceLocation: sourceLocation)
    }
}

private func expectStatus(
    _ statusCode: Int, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected HTTP \(statusCode), got success", sourceLocation: sourceLocation)
    } catch {
        #expect((error as? SandboxFilesError)?.statusCode == statusCode, "\(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct SandboxFilesBrowseTests {
    @Test func listsEntriesSortedWithVirtualPathsAndMetadata() throws {
        let fixture = try SandboxFixture()
        defer { fixture.root.remove() }
        let entries = try fixture.files.browse(path: SandboxFixture.virtualRoot)

        // The dangling symlink is left out; the others are listed through their targets.
        #expect(
            entries.map(\.path)
                == ["escape", "escape-file", "inner", "sibling", "stderr", "stdout", "sub"]
                .map { fixture.virtual($0) })
        let stdout = try #require(entries.first { $0.path == fixture.virtual("stdout") })
        var info = stat()
        try #require(stat(fixture.sandbox + "/stdout", &info) == 0)
        #expect(stdout.size == 12)
        #expect(stdout.nlink == 1)
        #expect(stdout.mode == "-rw-r--r--")
        #expect(stdout.mtime == Double(info.st_mtim.tv_sec))
        #expect(stdout.uid == String(cString: getpwuid(getuid()).pointee.pw_name))
        #expect(stdout.gid == String(cString: getgrgid(getgid()).pointee.gr_name))
        let sub = try #require(entries.first { $0.path == fixture.virtual("sub") })
        #expect(sub.mode.hasPrefix("d"))
    }

    @Test func realAbsolutePathIsAttachedToo() throws {
        let fixture = try SandboxFixture()
        defer { fixture.root.remove() }
        let entries = try fixture.files.browse(path: fixture.sandbox + "/sub/")
        #expect(entries.map(\.path) == [fixture.sandbox + "/sub/dir"])
        #expect(entries.first?.mode.hasPrefix("drwx") == true)
    }

    @Test func browsingAFileReturnsJustThatFile() throws {
        let fixture = try SandboxFixture()
        defer { fixture.root.remove() }
        let entries = try fixture.files.browse(path: fixture.virtual("sub/dir/file.txt"))
        #expect(entries.count == 1)
        #expect(entries.first?.path == fixture.virtual("sub/dir/file.txt"))
        #expect(entries.first?.size == 6)
    }

    @Test func missingPathsAre404() throws {
        let fixture = try SandboxFixture()
        defer { fixture.root.remove() }
        expectStatus(404) { _ = try fixture.files.browse(path: fixture.virtual("nope")) }
        expectStatus(404) { _ = try fixture.files.browse(path: "/frameworks/other/executors/x/runs/latest") }
        expectStatus(404) { _ = try fixture.files.browse(path: fixture.virtual("stdout/below-a-file")) }
        expectError(.invalid("Expecting 'path=value' in query.")) { _ = try fixture.files.browse(path: "") }
    }

    @Test func dotDotTraversalIsRefused() throws {
        let fixture = try SandboxFixture()
        defer { fixture.root.remove() }
        expectStatus(400) { _ = try fixture.files.browse(path: fixture.virtual("../../../../../../etc")) }
        expectStatus(400) { _ = try fixture.files.browse(path: fixture.sandbox + "/..") }
        expectStatus(400) { _ = try fixture.files.read(path: fixture.virtual("sub/../../secret.txt"), offset: 0) }
    }

    @Test func symlinksLeadingOutOfTheRootAreRefused() throws {
        let fixture = try SandboxFixture()
        defer { fixture.root.remove() }
        expectError(.invalid("'\(fixture.virtual("escape"))' is inaccessible")) {
            _ = try fixture.files.browse(path: fixture.virtual("escape"))
        }
        expectStatus(400) { _ = try fixture.files.read(path: fixture.virtual("escape/passwd"), offset: 0) }
        expectStatus(400) { _ = try fixture.files.read(path: fixture.virtual("escape-file"), offset: 0) }
        // Same string prefix as the sandbox, but a different directory.
        expectStatus(400) { _ = try fixture.files.read(path: fixture.virtual("sibling"), offset: 0) }
    }

    @Test func symlinksStayingInsideTheRootWork() throws {
        let fixture = try SandboxFixture()
        defer { fixture.root.remove() }
        let chunk = try fixture.files.read(path: fixture.virtual("inner/dir/file.txt"), offset: 0)
        #expect(chunk == FileChunk(data: "nested", offset: 0))
    }

    @Test func attachAndDetachAtRunTime() throws {
        let fixture = try SandboxFixture()
        defer { fixture.root.remove() }
        let later = fixture.root.path + "/later"
        try fixture.files.attach(realPath: later, as: "/frameworks/fw-1/executors/exec-2/runs/latest/")
        #expect(fixture.files.attachedRoots["/frameworks/fw-1/executors/exec-2/runs/latest"] == later)
        // Attached before the sandbox exists: not found until it does.
        expectStatus(404) { _ = try fixture.files.browse(path: "/frameworks/fw-1/executors/exec-2/runs/latest") }
        try fixture.root.write("later/stdout", "late")
        #expect(
            try fixture.files.read(path: "/frameworks/fw-1/executors/exec-2/runs/latest/stdout", offset: 0)
                == FileChunk(data: "late", offset: 0))

        fixture.files.detach(virtualPath: SandboxFixture.virtualRoot)
        expectStatus(404) { _ = try fixture.files.browse(path: SandboxFixture.virtualRoot) }
    }

    @Test func attachedSingleFileHasNoChildren() throws {
        let fixture = try SandboxFixture()
        defer { fixture.root.remove() }
        try fixture.files.attach(realPath: fixture.root.path + "/secret.txt", as: "/agent/log")
        #expect(
            try fixture.files.read(path: "/agent/log", offset: 0, length: 7) == FileChunk(data: "outside", offset: 0))
        expectStatus(404) { _ = try fixture.files.browse(path: "/agent/log/child") }
    }

    @Test func entriesEncodeWithMesosFieldNames() throws {
        let entry = FileEntry(
            path: "/a/stdout", nlink: 1, size: 3, mtime: 1_700_000_000, mode: "-rw-r--r--",
            uid: "root", gid: "root")
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(entry), as: UTF8.self)
        #expect(
            json
                == #"{"gid":"root","mode":"-rw-r--r--","mtime":1700000000,"nlink":1,"path":"\/a\/stdout","size":3,"uid":"root"}"#
        )
        let chunk = String(decoding: try encoder.encode(FileChunk(data: "hi", offset: 4)), as: UTF8.self)
        #expect(chunk == #"{"data":"hi","offset":4}"#)
    }

    @Test func modeStringsCoverFileTypes() {
        #expect(FileEntry.modeString(S_IFDIR | 0o755) == "drwxr-xr-x")
        #expect(FileEntry.modeString(S_IFREG | 0o640) == "-rw-r-----")
        #expect(FileEntry.modeString(S_IFLNK | 0o777) == "lrwxrwxrwx")
        #expect(FileEntry.modeString(S_IFIFO | 0o600) == "prw-------")
    }
}

@Suite struct SandboxFilesReadTests {
    @Test func withoutOffsetReturnsTheSize() throws {
        let fixture = try SandboxFixture()
        defer { fixture.root.remove() }
        #expect(try fixture.files.read(path: fixture.virtual("stdout")) == FileChunk(data: "", offset: 12))
        #expect(
            try fixture.files.read(path: fixture.virtual("stdout"), offset: -1, length: 5)
                == FileChunk(data: "", offset: 12))
    }

    @Test func readsAtOffsetForLength() throws {
        let fixture = try SandboxFixture()
        defer { fixture.root.remove() }
        let path = fixture.virtual("stdout")
        #expect(try fixture.files.read(path: path, offset: 0, length: 5) == FileChunk(data: "hello", offset: 0))
        #expect(try fixture.files.read(path: path, offset: 6) == FileChunk(data: "world\n", offset: 6))
        #expect(try fixture.files.read(path: path, offset: 6, length: -1) == FileChunk(data: "world\n", offset: 6))
        #expect(try fixture.files.read(path: path, offset: 10, length: 100) == FileChunk(data: "d\n", offset: 10))
        #expect(try fixture.files.read(path: path, offset: 2, length: 0) == FileChunk(data: "", offset: 2))
        #expect(try fixture.files.read(path: path, offset: 100) == FileChunk(data: "", offset: 100))
        #expect(try fixture.files.read(path: path, offset: 12) == FileChunk(data: "", offset: 12))
        #expect(try fixture.files.read(path: fixture.virtual("stderr"), offset: 0) == FileChunk(data: "", offset: 0))
    }

    @Test func invalidRequestsAreRejected() throws {
        let fixture = try SandboxFixture()
        defer { fixture.root.remove() }
        expectError(.invalid("Cannot read a directory.")) { _ = try fixture.files.read(path: fixture.virtual("sub")) }
        expectError(.invalid("Negative length provided: -2.")) {
            _ = try fixture.files.read(path: fixture.virtual("stdout"), offset: 0, length: -2)
        }
        expectError(.invalid("Negative offset provided: -5.")) {
            _ = try fixture.files.read(path: fixture.virtual("stdout"), offset: -5)
        }
        expectStatus(404) { _ = try fixture.files.read(path: fixture.virtual("missing"), offset: 0) }
        expectStatus(404) { _ = try fixture.files.read(path: fixture.virtual("dangling"), offset: 0) }
    }

    @Test func fifoIsRefusedWithoutBlocking() throws {
        let fixture = try SandboxFixture()
        defer { fixture.root.remove() }
        try #require(mkfifo(fixture.sandbox + "/pipe", 0o600) == 0)
        expectStatus(400) { _ = try fixture.files.read(path: fixture.virtual("pipe"), offset: 0) }
    }

    @Test func readsAreCappedAndCanBePagedThrough() throws {
        let fixture = try SandboxFixture(maxReadLength: 4)
        defer { fixture.root.remove() }
        let path = fixture.virtual("stdout")
        #expect(try fixture.files.read(path: path, offset: 0) == FileChunk(data: "hell", offset: 0))
        var assembled = ""
        var offset = 0
        while true {
            let chunk = try fixture.files.read(path: path, offset: offset, length: 1000)
            if chunk.data.isEmpty { break }
            assembled += chunk.data
            offset += chunk.data.utf8.count
        }
        #expect(assembled == "hello\nworld\n")
    }

    @Test func multiByteCharacterCutByTheCapIsLeftForTheNextRead() throws {
        let fixture = try SandboxFixture(maxReadLength: 2)
        defer { fixture.root.remove() }
        try fixture.root.write("sandbox/utf8", "aé€")  // 61 | C3 A9 | E2 82 AC
        let path = fixture.virtual("utf8")
        #expect(try fixture.files.read(path: path, offset: 0) == FileChunk(data: "a", offset: 0))
        #expect(try fixture.files.read(path: path, offset: 1) == FileChunk(data: "é", offset: 1))
        // Only part of a character fits at all: deliver it rather than stall.
        #expect(try fixture.files.read(path: path, offset: 3) == FileChunk(data: "\u{FFFD}", offset: 3))
    }

    @Test func incompleteTailDetection() {
        #expect(SandboxFiles.lengthWithoutIncompleteTail(Array("abc".utf8)) == 3)
        #expect(SandboxFiles.lengthWithoutIncompleteTail([0x61, 0xC3]) == 1)
        #expect(SandboxFiles.lengthWithoutIncompleteTail([0x61, 0xE2, 0x82]) == 1)
        #expect(SandboxFiles.lengthWithoutIncompleteTail([0x61, 0xE2, 0x82, 0xAC]) == 4)
        #expect(SandboxFiles.lengthWithoutIncompleteTail([0xE2, 0x82]) == 2)
        #expect(SandboxFiles.lengthWithoutIncompleteTail([]) == 0)
    }

    @Test func downloadPathRefusesDirectories() throws {
        let fixture = try SandboxFixture()
        defer { fixture.root.remove() }
        #expect(try fixture.files.downloadPath(path: fixture.virtual("stdout")) == fixture.sandbox + "/stdout")
        expectError(.invalid("Cannot download a directory.")) {
            _ = try fixture.files.downloadPath(path: fixture.virtual("sub"))
        }
    }
}
