import Foundation
import Simulation
import Testing

@Test(.enabled(if: ProcessInfo.processInfo.environment["SIM_DET"] != nil), arguments: 0..<2)
func exploreDeterminism(shard: Int) {
    for seed in 1...UInt64(100) where Int(seed) % 2 == shard {
        var config = SimulationConfig(seed: seed)
        config.keepFullTrace = true
        let a = Simulator.run(config)
        let b = Simulator.run(config)
        if a.traceHash != b.traceHash {
            let la = a.fullTrace!, lb = b.fullTrace!
            let i = la.indices.first { $0 >= lb.count || la[$0] != lb[$0] } ?? la.count
            print("DIVERGE seed \(seed) at \(i): \(i < la.count ? la[i] : "-") || \(i < lb.count ? lb[i] : "-")")
        }
    }
}
