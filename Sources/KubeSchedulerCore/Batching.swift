import KubeTypes

extension KubeScheduler {
    /// The head of the scheduling queue that the offers in hand could hold: cpu and memory summed
    /// over the offers, each within `share` of itself (the framework's offer share) but always room
    /// for one pod. The rest wait for the next offers: tried now they could only fail, and a pod
    /// that fits nowhere is filtered against every node for its diagnosis (at 5,000 nodes with 26
    /// offering, 1,093 such pods took 22 s of one cycle). At least `minimum` pods are taken, so that
    /// the head of the queue is still diagnosed, reported and considered for preemption when little
    /// or nothing is offered. Gated pods cost nothing and ride along.
    public static func batch(
        _ pending: [JSON], offers: [ResourceOffer], share: Double, minimum: Int = 100
    ) -> [JSON] {
        var cpu: Int64 = 0
        var memory: Int64 = 0
        for offer in offers {
            cpu += max(Int64(Double(offer.milliCPU) * share), 1)
            memory += Int64(Double(offer.memory) * share)
        }
        var batch: [JSON] = []
        var taken = 0
        for pod in queueOrder(pending.map(PodInfo.init)) {
            if pod.schedulingGated {
                batch.append(pod.json)
                continue
            }
            let requests = pod.requests
            cpu -= max(requests.milliCPU, 1)
            memory -= requests.memory
            if taken >= minimum, cpu < 0 || memory < 0 { continue }
            batch.append(pod.json)
            taken += 1
        }
        return batch
    }
}
