import KubeTypes
import Testing

@testable import KubeControllersCore

@Suite struct VolumeBinderTests {
    static let provisioner = LocalPathProvisioner(basePath: "/data/local-path")

    static func claim(
        _ name: String, size: String = "1Gi", storageClass: String? = "manual", volume: String? = nil,
        annotations: [String: String] = [:], selector: JSON? = nil
    ) -> JSON {
        var claim: JSON = [
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": [
                "name": .string(name), "namespace": "default", "uid": .string("uid-" + name),
                "resourceVersion": "7",
            ],
            "spec": [
                "accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": .string(size)]],
                "volumeMode": "Filesystem",
            ],
            "status": ["phase": "Pending"],
        ]
        if let storageClass { claim[path: ["spec", "storageClassName"]] = .string(storageClass) }
        if let volume { claim[path: ["spec", "volumeName"]] = .string(volume) }
        if !annotations.isEmpty { claim[path: ["metadata", "annotations"]] = JSON(annotations) }
        if let selector { claim[path: ["spec", "selector"]] = selector }
        return claim
    }

    static func volume(
        _ name: String, size: String = "1Gi", storageClass: String = "manual", modes: [String] = ["ReadWriteOnce"],
        claimRef: JSON? = nil, policy: String = "Retain", labels: [String: String] = [:], phase: String = "Available"
    ) -> JSON {
        var volume: JSON = [
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": ["name": .string(name), "uid": .string("uid-" + name), "labels": JSON(labels)],
            "spec": [
                "capacity": ["storage": .string(size)], "accessModes": .array(modes.map { .string($0) }),
                "storageClassName": .string(storageClass), "persistentVolumeReclaimPolicy": .string(policy),
                "volumeMode": "Filesystem", "hostPath": ["path": .string("/mnt/" + name)],
            ],
            "status": ["phase": .string(phase)],
        ]
        if let claimRef { volume[path: ["spec", "claimRef"]] = claimRef }
        return volume
    }

    static let classes: [JSON] = [
        LocalPathProvisioner(basePath: "/data/local-path").storageClass,
        ["metadata": ["name": "external"], "provisioner": "example.com/disk", "volumeBindingMode": "Immediate"],
    ]

    static func updates(
        _ actions: [VolumeAction]
    ) -> (volume: JSON?, volumeStatus: JSON?, claim: JSON?, claimStatus: JSON?) {
        var result: (JSON?, JSON?, JSON?, JSON?) = (nil, nil, nil, nil)
        for action in actions {
            switch action {
            case .updateVolume(let object): result.0 = object
            case .updateVolumeStatus(let object): result.1 = object
            case .updateClaim(let object): result.2 = object
            case .updateClaimStatus(let object): result.3 = object
            default: break
            }
        }
        return result
    }

    @Test func bindsTheSmallestVolumeThatFits() throws {
        let world = VolumeWorld(
            volumes: [
                Self.volume("big", size: "10Gi"), Self.volume("small", size: "2Gi"), Self.volume("tiny", size: "500Mi"),
                Self.volume("rwx-only", size: "1Gi", modes: ["ReadWriteMany"]),
                Self.volume("other-class", size: "1Gi", storageClass: "gold"),
            ], classes: Self.classes)
        let actions = VolumeBinder.syncClaim(Self.claim("c"), world: world, provisioner: Self.provisioner)
        let (volume, volumeStatus, claim, claimStatus) = Self.updates(actions)
        let bound = try #require(volume)
        #expect(bound.name == "small")
        #expect(bound[path: ["spec", "claimRef", "uid"]] == "uid-c")
        #expect(bound[path: ["spec", "claimRef", "name"]] == "c")
        #expect(bound[path: ["metadata", "annotations", VolumeBinder.boundByController]] == "yes")
        #expect(volumeStatus?[path: ["status", "phase"]] == "Bound")
        #expect(claim?[path: ["spec", "volumeName"]] == "small")
        #expect(claim?[path: ["metadata", "annotations", VolumeBinder.bindCompleted]] == "yes")
        #expect(claimStatus?[path: ["status", "phase"]] == "Bound")
        #expect(claimStatus?[path: ["status", "capacity", "storage"]] == "2Gi")
        #expect(claimStatus?[path: ["status", "accessModes"]] == ["ReadWriteOnce"])
        // The volume goes first, as upstream, so a half-done bind is finished from the volume.
        guard case .updateVolume = actions.first else {
            Issue.record("expected the volume update first, got \(actions)")
            return
        }
    }

    @Test func selectorAndVolumesTakenByOthersAreRespected() {
        let taken = Self.volume("taken", claimRef: ["namespace": "default", "name": "x", "uid": "uid-x"])
        let unlabelled = Self.volume("plain")
        let world = VolumeWorld(volumes: [taken, unlabelled], classes: Self.classes)
        let claim = Self.claim("c", selector: ["matchLabels": ["tier": "db"]])
        #expect(Self.updates(VolumeBinder.syncClaim(claim, world: world, provisioner: Self.provisioner)).volume == nil)
        let labelled = Self.volume("db", labels: ["tier": "db"])
        let withLabelled = VolumeWorld(volumes: [taken, unlabelled, labelled], classes: Self.classes)
        let bound = Self.updates(VolumeBinder.syncClaim(claim, world: withLabelled, provisioner: Self.provisioner))
        #expect(bound.volume?.name == "db")
    }

    @Test func alreadyBoundPairNeedsNoWrites() {
        let reference: JSON = ["namespace": "default", "name": "c", "uid": "uid-c"]
        var claim = Self.claim("c", volume: "pv", annotations: [VolumeBinder.bindCompleted: "yes"])
        claim["status"] = ["phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": ["storage": "1Gi"]]
        let world = VolumeWorld(
            claims: [claim], volumes: [Self.volume("pv", claimRef: reference, phase: "Bound")], classes: Self.classes)
        #expect(VolumeBinder.syncClaim(claim, world: world, provisioner: Self.provisioner).isEmpty)
        #expect(VolumeBinder.syncVolume(world.volumes[0], world: world).isEmpty)
    }

    @Test func delayedClaimWaitsForItsFirstConsumer() {
        let claim = Self.claim("c", storageClass: "local-path")
        let actions = VolumeBinder.syncClaim(
            claim, world: VolumeWorld(classes: Self.classes), provisioner: Self.provisioner)
        #expect(
            actions == [
                .claimEvent(
                    ControllerEvent(
                        .normal, reason: "WaitForFirstConsumer",
                        message: "waiting for first consumer to be created before binding"))
            ])
    }

    @Test func selectedNodeProvisionsALocalPathVolumeThere() throws {
        let claim = Self.claim(
            "data", size: "1Mi", storageClass: "local-path", annotations: [VolumeBinder.selectedNode: "node-2"])
        let actions = VolumeBinder.syncClaim(
            claim, world: VolumeWorld(classes: Self.classes), provisioner: Self.provisioner)
        var created: JSON?
        for case .createVolume(let volume) in actions { created = volume }
        let volume = try #require(created)
        #expect(volume.name == "pvc-uid-data")
        #expect(volume[path: ["spec", "hostPath", "path"]] == "/data/local-path/pvc-uid-data_default_data")
        #expect(volume[path: ["spec", "hostPath", "type"]] == "DirectoryOrCreate")
        #expect(volume[path: ["spec", "capacity", "storage"]] == "1Mi")
        #expect(volume[path: ["spec", "persistentVolumeReclaimPolicy"]] == "Delete")
        #expect(volume[path: ["spec", "storageClassName"]] == "local-path")
        #expect(volume[path: ["spec", "claimRef", "uid"]] == "uid-data")
        #expect(
            volume[path: ["spec", "nodeAffinity", "required", "nodeSelectorTerms"]]
                == [
                    [
                        "matchExpressions": [["key": "kubernetes.io/hostname", "operator": "In", "values": ["node-2"]]]
                    ]
                ])
        #expect(VolumeNodeAffinity.allows(volume, nodeName: "node-2", labels: ["kubernetes.io/hostname": "node-2"]))
        #expect(!VolumeNodeAffinity.allows(volume, nodeName: "node-1", labels: ["kubernetes.io/hostname": "node-1"]))
        // The claim learns who provisions it.
        let annotated = Self.updates(actions).claim
        #expect(
            annotated?[path: ["metadata", "annotations", VolumeBinder.storageProvisioner]] == "mesokube.io/local-path")

        // Next sync, with the provisioned volume in the cache: bind it, make nothing new.
        let world = VolumeWorld(claims: [claim], volumes: [volume], classes: Self.classes)
        var annotatedClaim = claim
        annotatedClaim.setAnnotation(VolumeBinder.storageProvisioner, "mesokube.io/local-path")
        annotatedClaim.setAnnotation(VolumeBinder.betaStorageProvisioner, "mesokube.io/local-path")
        let next = VolumeBinder.syncClaim(annotatedClaim, world: world, provisioner: Self.provisioner)
        #expect(!next.contains { if case .createVolume = $0 { true } else { false } })
        #expect(Self.updates(next).claim?[path: ["spec", "volumeName"]] == "pvc-uid-data")
    }

    @Test func otherProvisionersAndMissingClassesOnlyReport() {
        let external = VolumeBinder.syncClaim(
            Self.claim("c", storageClass: "external"), world: VolumeWorld(classes: Self.classes),
            provisioner: Self.provisioner)
        #expect(
            external.contains {
                if case .claimEvent(let event) = $0 { event.reason == "ExternalProvisioning" } else { false }
            })
        #expect(!external.contains { if case .createVolume = $0 { true } else { false } })
        let missing = VolumeBinder.syncClaim(
            Self.claim("c", storageClass: "nope"), world: VolumeWorld(classes: Self.classes),
            provisioner: Self.provisioner)
        #expect(
            missing == [
                .claimEvent(
                    ControllerEvent(
                        .warning, reason: "ProvisioningFailed",
                        message: "storageclass.storage.k8s.io \"nope\" not found"))
            ])
    }

    @Test func immediateLocalPathWithoutNodeFailsToProvision() {
        let result = Self.provisioner.volume(
            for: Self.claim("c"), storageClass: Self.classes[0], node: nil)
        guard case .failure(let problem) = result else {
            Issue.record("expected a failure")
            return
        }
        #expect(problem.message.contains("no node was specified"))
    }

    @Test func volumesWithoutClaimAreAvailableAndReleasedOnesReclaimedByPolicy() {
        let free = Self.volume("free", phase: "Pending")
        #expect(
            VolumeBinder.syncVolume(free, world: VolumeWorld()) == [
                .updateVolumeStatus(VolumeBinder.withPhase(free, "Available"))
            ])
        let reference: JSON = ["namespace": "default", "name": "gone", "uid": "uid-gone"]
        let retained = Self.volume("kept", claimRef: reference, phase: "Bound")
        let retainActions = VolumeBinder.syncVolume(retained, world: VolumeWorld())
        #expect(retainActions == [.updateVolumeStatus(VolumeBinder.withPhase(retained, "Released"))])
        let deleted = Self.volume("dropped", claimRef: reference, policy: "Delete", phase: "Bound")
        let deleteActions = VolumeBinder.syncVolume(deleted, world: VolumeWorld())
        #expect(deleteActions.last == .deleteVolume(name: "dropped", uid: "uid-dropped"))
        // A same-named claim made again (new uid) does not get the old data back.
        let released = Self.volume("kept", claimRef: reference, phase: "Released")
        let newClaim = Self.claim("gone")
        #expect(VolumeBinder.syncVolume(released, world: VolumeWorld(claims: [newClaim])).isEmpty)
        #expect(
            Self.updates(
                VolumeBinder.syncClaim(
                    newClaim, world: VolumeWorld(claims: [newClaim], volumes: [released]), provisioner: Self.provisioner
                )
            ).volume == nil)
    }

    @Test func claimWhoseVolumeVanishedIsLost() {
        let claim = Self.claim("c", volume: "pv", annotations: [VolumeBinder.bindCompleted: "yes"])
        let actions = VolumeBinder.syncClaim(claim, world: VolumeWorld(claims: [claim]), provisioner: Self.provisioner)
        #expect(Self.updates(actions).claimStatus?[path: ["status", "phase"]] == "Lost")
    }

    @Test func defaultClassIsTheNewestMarkedOne() {
        let old: JSON = [
            "metadata": [
                "name": "old", "creationTimestamp": "2026-01-01T00:00:00Z",
                "annotations": [StorageV1.defaultClassAnnotation: "true"],
            ]
        ]
        let new: JSON = [
            "metadata": [
                "name": "new", "creationTimestamp": "2026-01-02T00:00:00Z",
                "annotations": [StorageV1.defaultClassAnnotation: "true"],
            ]
        ]
        let plain: JSON = ["metadata": ["name": "plain", "creationTimestamp": "2026-01-03T00:00:00Z"]]
        #expect(StorageV1.defaultClass(among: [old, new, plain])?.name == "new")
        #expect(StorageV1.defaultClass(among: [plain]) == nil)
    }
}
