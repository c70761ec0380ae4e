import KubeTypes

/// One writer at a time. Service writes pass through it so that two services never pick the same
/// cluster IP or node port between reading what is in use and storing their own.
actor SerialGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    private func acquire() async {
        if busy {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            busy = true
        }
    }

    /// Hands the gate to the next waiter, who then holds it without `busy` ever dropping.
    private func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }

    nonisolated func run<T>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        do {
            let result = try await body()
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }
}

/// Cluster IP and node port allocation for services (the pure rules are `ServiceAddresses`). What is
/// in use is read from the stored services under the gate, so it survives restarts and needs no
/// separate bitmap or repair loop; the cost is one list of services per service write.
extension KubeAPIServer {
    /// Runs a write of `resource` under the service gate when the kind allocates addresses.
    func serializingAllocation<T>(_ resource: ResourceType, _ body: () async throws -> T) async throws -> T {
        guard resource.strategy.allocatesServiceAddresses else { return try await body() }
        return try await serviceGate.run(body)
    }

    /// Fills and checks the addresses of a validated service; `old` is the stored one on updates.
    func allocateServiceAddresses(_ service: inout JSON, old: JSON?, resource: ResourceType) async throws {
        guard resource.strategy.allocatesServiceAddresses else { return }
        let (items, _) = try await storage.store.listAll(prefix: ObjectStorage.prefix(resource, namespace: nil))
        let services = try items.map(ObjectStorage.decode)
        let excluded = old.map { (namespace: $0.namespace, name: $0.name) }
        let inUse = ServiceAddressesInUse(services: services, excluding: excluded)
        do {
            try ServiceAddresses.allocate(
                &service, old: old, inUse: inUse, network: options.serviceNetwork, random: environment.randomNumber)
        } catch .invalid(let errors) {
            throw APIError.invalid(resource, name: service.name, errors)
        } catch .rangeFull(let message) {
            throw APIError.internalError(message)
        }
    }
}
