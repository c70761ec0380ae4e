"""Volume expansion admission as upstream's PersistentVolumeClaimResize: a claim may grow only once bound and
only when its StorageClass allows expansion; it never shrinks below its capacity. Real kubectl 1.37 against
`mesokube dev` (static volumes, so no pod is needed to bind them)."""
from e2e_support.waiting import wait_until


def static_claim(kube, name: str, storage_class: str) -> None:
    kube.apply({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": f"{name}-pv"},
                "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                         "storageClassName": storage_class, "hostPath": {"path": f"/tmp/{name}-pv"}}})
    kube.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
                "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": storage_class,
                         "volumeName": f"{name}-pv", "resources": {"requests": {"storage": "1Gi"}}}})
    wait_until(lambda: kube.json("get", "pvc", name)["status"].get("phase") == "Bound", 30, f"{name} bound")


def resize(kube, name: str, size: str):
    return kube.run("patch", "pvc", name, "--type=merge",
                    "-p", '{"spec":{"resources":{"requests":{"storage":"%s"}}}}' % size, check=False)


def test_claims_grow_only_when_bound_and_their_class_allows_it(kube):
    kube.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "waiting"},
                "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "local-path",
                         "resources": {"requests": {"storage": "1Gi"}}}})
    unbound = resize(kube, "waiting", "2Gi")
    assert unbound.returncode != 0 and "Only bound persistent volume claims can be expanded" in unbound.stderr

    static_claim(kube, "fixed", "manual")
    refused = resize(kube, "fixed", "2Gi")
    assert refused.returncode != 0
    assert ("only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must "
            "support resize") in refused.stderr, refused.stderr
    shrunk = resize(kube, "fixed", "512Mi")
    assert shrunk.returncode != 0 and "field can not be less than status.capacity" in shrunk.stderr, shrunk.stderr

    kube.apply({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "growable"},
                "provisioner": "kubernetes.io/no-provisioner", "allowVolumeExpansion": True})
    static_claim(kube, "elastic", "growable")
    grown = resize(kube, "elastic", "2Gi")
    assert grown.returncode == 0, grown.stderr
    assert kube.json("get", "pvc", "elastic")["spec"]["resources"]["requests"]["storage"] == "2Gi"
