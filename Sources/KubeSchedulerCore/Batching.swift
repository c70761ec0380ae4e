extension KubeScheduler {
    /// Splits the queue (in queue order) into the head that the offers in hand could hold and the
    /// rest: cpu and memory summed over the offers, each within `share` of itself (the framework's
    /// offer share) but always room for one pod. The rest wait for the next offers: tried now they
    /// could only fail, and a pod that fits nowhere is filtered against every node for its
    /// diagnosis (at 5,000 nodes with 26 offering, 1,093 such pods took 22 s of one cycle). At
    /// least `minimum` pods are taken, so that the head of the queue is still diagnosed, reported
    /// and considered for preemption when little or nothing is offered. Gated pods cost nothing
    /// and are always taken.
    ///
    /// `podRoom` is how many more pods the offering nodes admit (allocatable pods less those bound
    /// or nominated there): 68 offers of 64 cpus each held 16 pods of 100m by cpu, but their nodes only
    /// 110 pods each, and the 3,361 pods taken beyond that were each filtered against all 5,000
    /// nodes and dry-run for preemption, failing (63 s of one cycle).
    static func batch(
        _ queue: [PodInfo], offers: [ResourceOffer], podRoom: Int = .max, share: Double, minimum: Int = 100
    ) -> (taken: [PodInfo], deferred: [PodInfo]) {
        var cpu: Int64 = 0
        var memory: Int64 = 0
        var pods = podRoom
        for offer in offers {
            cpu += max(Int64(Double(offer.milliCPU) * share), 1)
            memory += Int64(Double(offer.memory) * share)
        }
        var taken: [PodInfo] = []
        var deferred: [PodInfo] = []
        var tried = 0
        for pod in queue {
            if pod.schedulingGated {
                taken.append(pod)
                continue
            }
            cpu -= max(pod.requests.milliCPU, 1)
            memory -= pod.requests.memory
            pods -= 1
            if tried >= minimum, cpu < 0 || memory < 0 || pods < 0 {
                deferred.append(pod)
                continue
            }
            taken.append(pod)
            tried += 1
        }
        return (taken, deferred)
    }
}
