// swift-tools-version:6.0
// Mesokube: Kubernetes on a Mesos-style resource manager, as one Swift system.
// Targets follow ARCHITECTURE.md §3: folder = target, arrows point at what a target may import.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "Mesokube",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "mesokube", targets: ["MesokubeCLI"]),
        .executable(name: "mesokube-bench", targets: ["MesokubeBench"]),
        .executable(name: "mesokube-supervisor", targets: ["MesokubeSupervisor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // Pure value types and state machines: no I/O, no wall clock, no global randomness.
        .target(name: "MesosModel", swiftSettings: strict),
        .target(name: "Allocation", dependencies: ["MesosModel"], swiftSettings: strict),
        .target(
            name: "MasterCore", dependencies: ["MesosModel", "Allocation", "DiscoveryCore"], swiftSettings: strict),
        .target(name: "AgentCore", dependencies: ["MesosModel"], swiftSettings: strict),
        // Marathon's app model, validation, placement constraints and deployment plans (pure).
        .target(name: "MarathonCore", dependencies: ["MesosModel", "DiscoveryCore"], swiftSettings: strict),
        // Service discovery's pure parts: the cluster snapshot, DNS messages and records, proxy rules.
        .target(name: "DiscoveryCore", swiftSettings: strict),

        // Storage protocol and drivers.
        .target(name: "StateStore", swiftSettings: strict),
        .target(
            name: "StateStoreSQLite",
            dependencies: ["StateStore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .target(
            name: "StateStoreEtcd",
            dependencies: [
                "StateStore", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict),

        // Shells and the plumbing they share.
        .target(
            name: "Containerizer",
            dependencies: [
                "MesosModel", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .target(
            name: "HTTPSupport",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        .target(
            name: "FrameworkKit",
            dependencies: ["MesosModel", "HTTPSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .target(
            name: "Master",
            dependencies: [
                "MesosModel", "MasterCore", "Allocation", "StateStore", "HTTPSupport", "DiscoveryCore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Service discovery's shells: the DNS server and the service proxy's iptables keeper.
        .target(
            name: "Discovery",
            dependencies: [
                "DiscoveryCore", "HTTPSupport", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "Agent",
            dependencies: [
                "MesosModel", "AgentCore", "Containerizer", "HTTPSupport", "Discovery", "DiscoveryCore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Kubernetes: pure object model (schemas, validation, patches, printing) and the API server shell.
        .target(name: "KubeTypes", swiftSettings: strict),
        .target(
            name: "KubeAPIServer",
            dependencies: [
                "KubeTypes", "StateStore", "HTTPSupport", .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict),
        // The kubelet's HTTP endpoints (container logs, exec over WebSocket) that the API server proxies to.
        .target(
            name: "KubeletServer",
            dependencies: [
                "HTTPSupport", "KubeTypes", "CZlib", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strict),
        // The system zlib (zlib1g-dev), for SPDY header blocks.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // Pod placement under the kube scheduler's filter/score plugins (pure).
        .target(name: "KubeSchedulerCore", dependencies: ["KubeTypes"], swiftSettings: strict),
        // The kubelet's pod lifecycle decisions: start order, restarts and back-off, probes, status (pure).
        .target(name: "KubeletCore", dependencies: ["KubeTypes"], swiftSettings: strict),
        // ReplicaSet and Deployment reconcile decisions (pure).
        .target(name: "KubeControllersCore", dependencies: ["KubeTypes", "DiscoveryCore"], swiftSettings: strict),
        // The kube scheduler as a framework of the master (shell around KubeSchedulerCore).
        .target(
            name: "KubeScheduler",
            dependencies: [
                "KubeSchedulerCore", "KubeClient", "KubeTypes", "FrameworkKit", "MesosModel",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Marathon's /v2 API and app scheduler as a framework of the master (shell around MarathonCore).
        .target(
            name: "Marathon",
            dependencies: [
                "MarathonCore", "FrameworkKit", "StateStore", "HTTPSupport", "MesosModel", "Containerizer",
                "DiscoveryCore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // The kubelet as a Mesos executor of the kube framework (shell around KubeletCore).
        .target(
            name: "Kubelet",
            dependencies: [
                "KubeletCore", "KubeletServer", "KubeClient", "KubeTypes", "ExecutorKit", "Containerizer",
                "MesosModel",
                .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict),
        // Level-triggered Kubernetes controllers over informers and work queues.
        .target(
            name: "KubeControllers",
            dependencies: [
                "KubeClient", "KubeControllersCore", "KubeTypes", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // The executor side of the agent's executor API (the kubelet is an executor).
        .target(
            name: "ExecutorKit",
            dependencies: ["MesosModel", "HTTPSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        // The client side of the Kubernetes API: REST calls, informers, work queues.
        .target(
            name: "KubeClient",
            dependencies: [
                "KubeTypes", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "MesokubeCLI",
            dependencies: [
                "Discovery", "DiscoveryCore", "KubeControllersCore",
                "KubeAPIServer", "KubeTypes", "Master", "Agent", "StateStore", "StateStoreSQLite", "StateStoreEtcd",
                "HTTPSupport", "MesosModel", "Containerizer", "KubeClient", "KubeScheduler", "Kubelet", "ExecutorKit",
                "KubeControllers", "KubeletServer", "Marathon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // One per container: owns the task process so it survives an agent restart (Glibc only).
        .executableTarget(name: "MesokubeSupervisor", swiftSettings: strict),

        // Benchmark harness: prints figures; tests never assert timings.
        .executableTarget(
            name: "MesokubeBench",
            dependencies: [
                "MesosModel", "Allocation", "MasterCore", "KubeAPIServer", "KubeTypes", "StateStore",
                "StateStoreSQLite",
                "StateStoreEtcd",
                "HTTPSupport",
                "Discovery", "DiscoveryCore", "KubeClient", "TestSupport", "FrameworkKit", "AgentCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // Test-only support.
        .target(name: "TestSupport", dependencies: ["MesosModel", "StateStore"], swiftSettings: strict),
        .target(
            name: "ClusterTestSupport",
            dependencies: [
                "Master", "Agent", "StateStore", "HTTPSupport", "MesosModel",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "KubeTestSupport", dependencies: ["KubeAPIServer", "KubeClient", "StateStore", "HTTPSupport"],
            swiftSettings: strict),
        .target(
            name: "Simulation",
            dependencies: ["MesosModel", "Allocation", "MasterCore", "AgentCore", "TestSupport"],
            swiftSettings: strict),

        .testTarget(name: "MesosModelTests", dependencies: ["MesosModel", "TestSupport"]),
        .testTarget(name: "AllocationTests", dependencies: ["Allocation", "MesosModel", "TestSupport"]),
        .testTarget(name: "MasterCoreTests", dependencies: ["MasterCore", "MesosModel", "TestSupport"]),
        .testTarget(
            name: "MasterTests",
            dependencies: [
                "Master", "MasterCore", "MesosModel", "StateStore", "StateStoreSQLite", "TestSupport", "HTTPSupport",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "AgentCoreTests", dependencies: ["AgentCore", "MesosModel", "TestSupport"]),
        .testTarget(name: "MarathonCoreTests", dependencies: ["MarathonCore", "MesosModel"]),
        .testTarget(name: "DiscoveryCoreTests", dependencies: ["DiscoveryCore"]),
        .testTarget(
            name: "DiscoveryTests",
            dependencies: [
                "Discovery", "DiscoveryCore", "Master", "ClusterTestSupport", "StateStore", "HTTPSupport",
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .testTarget(
            name: "MarathonTests",
            dependencies: ["Marathon", "MarathonCore", "MesosModel", "StateStore", "HTTPSupport"]),
        .testTarget(
            name: "StateStoreTests", dependencies: ["StateStore", "StateStoreSQLite", "StateStoreEtcd", "TestSupport"]),
        .testTarget(
            name: "ContainerizerTests", dependencies: ["Containerizer", "MesosModel", "HTTPSupport", "TestSupport"]),
        .testTarget(
            name: "HTTPSupportTests",
            dependencies: ["HTTPSupport", .product(name: "NIOPosix", package: "swift-nio")]),
        .testTarget(name: "KubeTypesTests", dependencies: ["KubeTypes"]),
        .testTarget(
            name: "KubeAPIServerTests",
            dependencies: [
                "KubeAPIServer", "KubeTypes", "StateStore", "StateStoreSQLite", "HTTPSupport", "KubeletServer",
                "KubeTestSupport", "KubeClient", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),
        .testTarget(
            name: "KubeletServerTests",
            dependencies: [
                "KubeletServer", "HTTPSupport", "KubeTypes", "CZlib", .product(name: "NIOCore", package: "swift-nio"),
            ]),
        .testTarget(name: "KubeSchedulerCoreTests", dependencies: ["KubeSchedulerCore", "KubeTypes"]),
        .testTarget(name: "KubeletCoreTests", dependencies: ["KubeletCore", "KubeTypes"]),
        .testTarget(name: "KubeControllersCoreTests", dependencies: ["KubeControllersCore", "KubeTypes"]),
        .testTarget(name: "ExecutorKitTests", dependencies: ["ExecutorKit", "MesosModel", "HTTPSupport"]),
        .testTarget(
            name: "KubeClientTests",
            dependencies: ["KubeClient", "KubeControllers", "KubeTestSupport", "KubeAPIServer", "KubeTypes"]),
        .testTarget(
            name: "KubeControllersTests",
            dependencies: [
                "KubeControllers", "KubeControllersCore", "KubeTestSupport", "KubeClient", "KubeTypes",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "TestSupport"]),
        .testTarget(
            name: "FrameworkKitTests",
            dependencies: ["FrameworkKit", "ClusterTestSupport", "Master", "Agent", "StateStore", "MesosModel"]),
        .testTarget(
            name: "KubeSchedulerTests",
            dependencies: [
                "KubeScheduler", "KubeSchedulerCore", "KubeClient", "KubeTestSupport", "ClusterTestSupport",
                "FrameworkKit", "MesosModel", "KubeTypes",
            ]),
    ]
)
