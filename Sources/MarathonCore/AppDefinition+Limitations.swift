/// What this Mesokube release cannot run yet, refused with a 422 that names the field rather than
/// accepted and silently ignored: networks other than `host` (the agent runs every task in the host
/// network), GPUs (agents offer none), and roles other than the framework's own (it subscribes with
/// that one role only).
///
/// Public API for the HTTP shell: `app.mesokubeLimitations(frameworkRole:)` → nil or the 422.
extension AppDefinition {
    public func mesokubeLimitations(frameworkRole: String) -> ValidationFailure? {
        var details: [ViolationDetail] = []
        if networks.contains(where: { $0.mode != .host }) {
            details.append(
                ViolationDetail(
                    path: "/networks",
                    errors: ["only host networking is supported by Mesokube yet (tasks run in the agent's network)"]))
        }
        if gpus > 0 { details.append(ViolationDetail(path: "/gpus", errors: ["GPUs are not supported by Mesokube"])) }
        if let role, role != frameworkRole {
            details.append(ViolationDetail(path: "/role", errors: ["got \(role), expected one of: [\(frameworkRole)]"]))
        }
        return details.isEmpty ? nil : ValidationFailure(details: details)
    }
}
