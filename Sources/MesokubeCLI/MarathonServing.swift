import ArgumentParser
import Foundation
import HTTPSupport
import Logging
import Marathon
import StateStore

/// Flags of the Marathon API, shared by `mesokube dev` and `mesokube master`.
struct MarathonFlags: ParsableArguments {
    @Option(help: "Marathon API port (0 picks a free one).") var marathonPort: Int = 8080
    @Option(help: "The Mesos role the Marathon framework takes its resources under (apps default to it).")
    var marathonRole: String = "marathon"
    @Option(help: "The Marathon role's weight in the master's weighted DRF (default: the master's, 1).")
    var marathonWeight: Double?
    @Option(
        help: """
            Most instances launched on one offer (Marathon's --max_instances_per_offer); the rest of the \
            offer goes back, so the master's DRF decides who gets it next.
            """)
    var marathonMaxInstancesPerOffer: Int = 5

    func validate() throws {
        guard (0...65535).contains(marathonPort) else { throw ValidationError("Port \(marathonPort) is out of range") }
        guard !marathonRole.isEmpty, marathonRole != "*", !marathonRole.contains("/"), !marathonRole.hasPrefix(".")
        else {
            throw ValidationError("--marathon-role must be a Mesos role name such as marathon, not '\(marathonRole)'")
        }
        guard marathonMaxInstancesPerOffer >= 1 else {
            throw ValidationError(
                "--marathon-max-instances-per-offer must be 1 or more, not \(marathonMaxInstancesPerOffer)")
        }
        if let marathonWeight, !(marathonWeight > 0 && marathonWeight.isFinite) {
            throw ValidationError("--marathon-weight must be a positive number, not \(marathonWeight)")
        }
    }
}

/// Marathon of a master: its role's weight (when given), then the framework and its API.
enum MarathonServing {
    static func start(
        store: any StateStore, master: String, ip: String, flags: MarathonFlags
    ) async throws
        -> MarathonService
    {
        if let weight = flags.marathonWeight {
            let body = try JSONEncoder().encode([KubeScheduling.WeightEntry(role: flags.marathonRole, weight: weight)])
            let response = try await HTTPClientSession.shared.call(
                .PUT, url: "http://\(master)/weights", body: Array(body), headers: ["Content-Type": "application/json"])
            guard response.status.code == 200 else {
                throw ValidationError("the master refused the marathon role's weight: \(response.bodyString)")
            }
        }
        var options = MarathonScheduler.Options()
        options.role = flags.marathonRole
        options.maxInstancesPerOffer = flags.marathonMaxInstancesPerOffer
        return try await MarathonService.start(
            store: store, master: master, host: ip, port: flags.marathonPort, options: options,
            logger: Logger(label: "mesokube.marathon"))
    }
}
