import Foundation
import Glibc
import TestSupport
import Testing

@testable import Containerizer

@Suite("Image containers through runc")
struct ImageRuncTests {
    @Test(arguments: [false, true])
    func aTaskFromAnImportedImagePrintsHello(dockerArchive: Bool) async throws {
        let workspace = try ImageWorkspace()
        defer { workspace.cleanUp() }
        let (container, sandbox) = try await runOffCooperativePool {
            Result {
                let image = try workspace.importImage(busyboxSpec(), docker: dockerArchive)
                return try workspace.run(image, command: .argv(["echo", "hello"]))
            }
        }.get()
        #expect(await workspace.runtime.waitForExit(container) == .exited(0))
        #expect(contents(of: sandbox + "/stdout") == "hello\n")
    }

    @Test func honoursEntrypointCmdEnvWorkingDirAndUser() async throws {
        let workspace = try ImageWorkspace()
        defer { workspace.cleanUp() }
        let script = "echo \"$GREETING $EXTRA $MESOS_SANDBOX $(pwd) $(id -u):$(id -g)\"; ls /mnt/mesos/sandbox"
        let spec = busyboxSpec(
            entrypoint: ["/bin/sh", "-c"], cmd: [script], env: ["PATH=/bin", "GREETING=hi", "EXTRA=image"],
            workingDir: "/www", user: "1000:1001")
        let (container, sandbox) = try await runOffCooperativePool {
            Result {
                let image = try workspace.importImage(spec)
                return try workspace.run(image, environment: ["EXTRA": "given"])
            }
        }.get()
        #expect(await workspace.runtime.waitForExit(container) == .exited(0))
        let lines = contents(of: sandbox + "/stdout").split(separator: "\n")
        #expect(lines.first == "hi given /mnt/mesos/sandbox /www 1000:1001")
        // The sandbox is bind-mounted: the container sees its own stdout/stderr files there.
        #expect(lines.dropFirst().sorted() == ["stderr", "stdout"])
    }

    @Test func hostPathVolumesAreMounted() async throws {
        let workspace = try ImageWorkspace()
        defer { workspace.cleanUp() }
        try workspace.directory.write("volume/note.txt", "from the host")
        let volume = OCIVolume(hostPath: workspace.directory.path + "/volume", containerPath: "/data", readOnly: true)
        let (container, sandbox) = try await runOffCooperativePool {
            Result {
                try workspace.run(
                    try workspace.importImage(busyboxSpec()),
                    command: .shell("cat /data/note.txt; touch /data/x || echo read-only"), volumes: [volume])
            }
        }.get()
        #expect(await workspace.runtime.waitForExit(container) == .exited(0))
        #expect(contents(of: sandbox + "/stdout") == "from the hostread-only\n")
        #expect(!FileManager.default.fileExists(atPath: workspace.directory.path + "/volume/x"))
    }

    @Test func anHTTPServerImageServesItsPage() async throws {
        let workspace = try ImageWorkspace()
        defer { workspace.cleanUp() }
        let port = try unusedLoopbackPort()
        let (container, _) = try await runOffCooperativePool {
            Result { try workspace.run(try workspace.importImage(.httpServer(name: "nginx", port: port))) }
        }.get()
        var page = ""
        for _ in 0..<500 where page.isEmpty {
            page = await runOffCooperativePool {
                (try? TestImages.run(["curl", "-sf", "--max-time", "2", "http://127.0.0.1:\(port)/"])) ?? ""
            }
            if page.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(page == "Hello from nginx\n")
        #expect(await runOffCooperativePool { workspace.runtime.kill(container.containerID) })
        #expect(!(await workspace.runtime.waitForExit(container)).isSuccess)
    }

    @Test func killStopsTheContainerAndDeleteLeavesNothing() async throws {
        let workspace = try ImageWorkspace()
        defer { workspace.cleanUp() }
        let (container, _) = try await runOffCooperativePool {
            Result { try workspace.run(try workspace.importImage(busyboxSpec()), command: .argv(["sleep", "1000"])) }
        }.get()
        let runtime = workspace.runtime
        var running = false
        for _ in 0..<1000 where !running {
            // runc reports "running" slightly before it writes the pid file: wait for both.
            running = await runOffCooperativePool {
                runtime.status(container.containerID) == "running" && container.initPID != nil
            }
            if !running { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(running)
        let initPID = try #require(container.initPID)
        #expect(await runOffCooperativePool { runtime.kill(container.containerID) })
        let status = await runtime.waitForExit(container)
        #expect(!status.isSuccess)
        let rootfsPath = workspace.rootfs.rootfsPath(container.containerID)
        try await runOffCooperativePool {
            Result {
                try runtime.delete(container.containerID)
                try workspace.rootfs.release(containerID: container.containerID)
            }
        }.get()
        #expect(kill(initPID, 0) != 0)
        #expect(runtime.status(container.containerID) == nil)
        #expect(!FileManager.default.fileExists(atPath: runtime.stateRoot + "/" + container.containerID))
        #expect(!FileManager.default.fileExists(atPath: container.bundle))
        #expect(!ImageRootfs.isMountPoint(rootfsPath))
        #expect(!FileManager.default.fileExists(atPath: rootfsPath))
    }

    @Test func aMissingRuncIsReportedClearly() throws {
        #expect(throws: ImageError.runtimeMissing) {
            try OCIRuntime(stateRoot: "/tmp/unused", bundleRoot: "/tmp/unused", runcPath: "/nonexistent/runc")
        }
        #expect(ImageError.runtimeMissing.description == "runc is not installed; apt-get install runc")
    }

    @Test func buildsTheProcessFromImageAndCommand() throws {
        let image = ImageConfig(entrypoint: ["/bin/httpd"], cmd: ["-p", "80"], env: ["PATH=/x", "A=1"])
        #expect(try OCIBundle.arguments(.image, image: image) == ["/bin/httpd", "-p", "80"])
        #expect(
            try OCIBundle.arguments(.imageEntrypoint(arguments: ["-p", "81"]), image: image) == [
                "/bin/httpd", "-p", "81",
            ])
        #expect(try OCIBundle.arguments(.shell("echo hi"), image: image) == ["/bin/sh", "-c", "echo hi"])
        #expect(throws: ImageError.self) { try OCIBundle.arguments(.image, image: ImageConfig()) }
        #expect(
            OCIBundle.environment(image: image, extra: ["A": "2", "B": "3"])
                == ["PATH=/x", "A=2", "B=3", "MESOS_SANDBOX=/mnt/mesos/sandbox"])
        #expect(try OCIBundle.user("7") == (7, 0))
        #expect(throws: ImageError.self) { try OCIBundle.user("nobody") }
    }
}
