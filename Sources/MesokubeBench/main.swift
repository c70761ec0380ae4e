import Allocation
import MesosModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// mesokube-bench: prints figures, asserts nothing. Usage:
//   mesokube-bench allocator [--agents N] [--frameworks N] [--rounds N] [--seed N] [--json]

let usage = "usage: mesokube-bench allocator [--agents 10000] [--frameworks 1000] [--rounds 3] [--seed 1] [--json]"

/// Parses `--name value` pairs and bare `--flag`s after the subcommand.
func parseOptions(_ arguments: ArraySlice<String>) -> [String: String]? {
    var options: [String: String] = [:]
    var rest = arguments
    while let argument = rest.popFirst() {
        guard argument.hasPrefix("--") else { return nil }
        let name = String(argument.dropFirst(2))
        if name == "json" {
            options[name] = "true"
        } else if let equals = name.firstIndex(of: "=") {
            options[String(name[..<equals])] = String(name[name.index(after: equals)...])
        } else {
            guard let value = rest.popFirst() else { return nil }
            options[name] = value
        }
    }
    return options
}

func integerOption(_ options: [String: String], _ name: String, default fallback: Int) -> Int? {
    guard let text = options[name] else { return fallback }
    guard let value = Int(text), value > 0 else { return nil }
    return value
}

let arguments = CommandLine.arguments.dropFirst()
guard arguments.first == "allocator", let options = parseOptions(arguments.dropFirst()),
    let agents = integerOption(options, "agents", default: 10_000),
    let frameworks = integerOption(options, "frameworks", default: 1_000),
    let rounds = integerOption(options, "rounds", default: 3),
    let seed = integerOption(options, "seed", default: 1)
else {
    print(usage)
    exit(2)
}

let settings = DeclineOffersBenchmark.Settings(
    agents: agents, frameworks: frameworks, rounds: rounds, seed: UInt64(seed))
let report = DeclineOffersBenchmark.run(settings)
if options["json"] != nil {
    print(report.jsonLine)
}
