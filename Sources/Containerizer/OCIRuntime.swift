import Foundation
import Glibc

/// A container started by `OCIRuntime`: its `runc run` process (which exits with the
/// container's status) and where its bundle lives.
public struct OCIContainer: Sendable {
    public let containerID: String
    public let bundle: String
    public let process: ProcessHandle

    /// The container's init pid as seen from the host, once runc wrote it.
    public var initPID: Int32? {
        guard let text = try? String(contentsOfFile: bundle + "/pid", encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// Runs OCI containers with `runc`. Each container runs under a foreground `runc run`
/// spawned through `ProcessLauncher`: runc stays the container's parent, so its exit status
/// is the container's (with `create`+`start` the status would be lost to init).
/// `stateRoot` is runc's `--root`; bundles go to `<bundleRoot>/<container-id>`.
public final class OCIRuntime: Sendable {
    public let stateRoot: String
    public let bundleRoot: String
    public let runcPath: String
    private let launcher = ProcessLauncher()

    /// Throws `ImageError.runtimeMissing` when no runc binary is found.
    public init(stateRoot: String, bundleRoot: String, runcPath: String? = nil) throws {
        guard let found = runcPath ?? Self.findRunc() else { throw ImageError.runtimeMissing }
        guard access(found, X_OK) == 0 else { throw ImageError.runtimeMissing }
        self.stateRoot = stateRoot
        self.bundleRoot = bundleRoot
        self.runcPath = found
        try FileManager.default.createDirectory(atPath: stateRoot, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: bundleRoot, withIntermediateDirectories: true)
    }

    /// Searches the usual system directories for `runc`.
    public static func findRunc() -> String? {
        ProcessLauncher.defaultSearchPath.split(separator: ":").map { "\($0)/runc" }.first { access($0, X_OK) == 0 }
    }

    /// Writes the bundle and starts the container; its stdout/stderr go to the sandbox's
    /// `stdout`/`stderr` files.
    public func start(_ spec: OCIContainerSpec) throws -> OCIContainer {
        let launch = try prepare(spec)
        let bundle = bundleRoot + "/" + spec.containerID
        do {
            let process = try launcher.launch(launch)
            return OCIContainer(containerID: spec.containerID, bundle: bundle, process: process)
        } catch {
            throw ImageError.runtimeFailed(error.description)
        }
    }

    /// Writes the bundle and returns how to run it: a foreground `runc run`, whose exit
    /// status is the container's, for the caller to start (under a supervisor, or `start`).
    /// With `keepAfterExit` runc leaves the ended container (and its cgroup, with the OOM-kill
    /// count) until `delete`; otherwise it removes it as it exits.
    public func prepare(_ spec: OCIContainerSpec, keepAfterExit: Bool = false) throws -> LaunchSpec {
        let bundle = bundleRoot + "/" + spec.containerID
        try FileManager.default.createDirectory(atPath: bundle, withIntermediateDirectories: true)
        try OCIBundle.configJSON(spec).write(to: URL(fileURLWithPath: bundle + "/config.json"))
        return LaunchSpec(
            command: .argv(
                executable: runcPath,
                arguments: [runcPath, "--root", stateRoot, "run"] + (keepAfterExit ? ["--keep"] : []) + [
                    "--bundle", bundle, "--pid-file", bundle + "/pid", spec.containerID,
                ]),
            environment: ["PATH": ProcessLauncher.defaultSearchPath], workingDirectory: spec.sandbox)
    }

    /// Waits for the container to exit; its status is runc's.
    public func waitForExit(_ container: OCIContainer) async -> ExitStatus {
        await launcher.waitForExit(container.process)
    }

    /// Signals every process of the container (`runc kill --all`). False if it is already gone.
    @discardableResult
    public func kill(_ containerID: String, signal: String = "KILL") -> Bool {
        (try? ImageShell.run([runcPath, "--root", stateRoot, "kill", "--all", containerID, signal])) != nil
    }

    /// Stops a container running under `supervisor` (`runc run` in the foreground): SIGTERM
    /// reaches the container through runc, which forwards signals to it; SIGKILL cannot be
    /// forwarded, so once `gracePeriod` runs out every process gets it through `runc kill --all`.
    /// True when the container ended within the grace period.
    public func stop(
        _ containerID: String, record: SupervisorRecord, supervisor: ContainerSupervisor, gracePeriod: Duration
    ) async -> Bool {
        supervisor.signalGroup(record, SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: gracePeriod)
        while clock.now < deadline {
            if supervisor.exitIfEnded(record) != nil { return true }
            try? await clock.sleep(for: .milliseconds(50))
        }
        kill(containerID, signal: "KILL")
        return false
    }

    /// The container's runc status (`running`, `stopped`, …), nil when runc does not know it.
    public func status(_ containerID: String) -> String? {
        guard let output = try? ImageShell.run([runcPath, "--root", stateRoot, "state", containerID]),
            let object = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
        else { return nil }
        return object["status"] as? String
    }

    /// Kills what is left, removes runc's state and the bundle. Idempotent.
    public func delete(_ containerID: String) throws {
        if status(containerID) != nil {
            try ImageShell.run([runcPath, "--root", stateRoot, "delete", "--force", containerID])
        }
        try? FileManager.default.removeItem(atPath: bundleRoot + "/" + containerID)
        if status(containerID) != nil { throw ImageError.runtimeFailed("container \(containerID) still exists") }
    }
}
