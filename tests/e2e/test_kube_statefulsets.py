"""Persistent volumes on local storage and StatefulSets: the default local-path StorageClass,
claims provisioned on the node their first pod lands on, and a StatefulSet with ordered pods,
stable names and per-pod claims, through the real kubectl against `mesokube dev --agents 3`."""
from e2e_support.kube import Kubectl
from e2e_support.waiting import wait_until


def claim(name: str, storage_class: str = None) -> dict:
    spec = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Mi"}}}
    if storage_class is not None:
        spec["storageClassName"] = storage_class
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name}, "spec": spec}


def pod_with_claim(name: str, claim_name: str) -> dict:
    return {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {
            "containers": [{"name": "web", "image": "nginx", "resources": {"requests": {"cpu": "50m"}},
                            "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim_name}}],
        },
    }


def statefulset(replicas: int = 3) -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
        "spec": {
            "serviceName": "nginx", "replicas": replicas, "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {"containers": [{
                    "name": "nginx", "image": "nginx", "resources": {"requests": {"cpu": "50m"}},
                    "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]},
            },
            "volumeClaimTemplates": [{
                "metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Mi"}}},
            }],
        },
    }


HEADLESS_SERVICE = {
    "apiVersion": "v1", "kind": "Service", "metadata": {"name": "nginx"},
    "spec": {"clusterIP": "None", "selector": {"app": "nginx"}, "ports": [{"port": 80, "name": "web"}]},
}


def get_pod(kube: Kubectl, name: str):
    items = kube.json("get", "pods", "--field-selector", f"metadata.name={name}")["items"]
    return items[0] if items else None


def running_ready(kube: Kubectl, name: str):
    pod = get_pod(kube, name)
    if not pod or pod["status"].get("phase") != "Running" or "deletionTimestamp" in pod["metadata"]:
        return None
    ready = [c for c in pod["status"].get("conditions", []) if c["type"] == "Ready"]
    return pod if ready and ready[0]["status"] == "True" else None


def pod_exists(kube: Kubectl, name: str) -> bool:
    return get_pod(kube, name) is not None


def ready_time(pod: dict) -> str:
    return [c for c in pod["status"]["conditions"] if c["type"] == "Ready"][0]["lastTransitionTime"]


def test_the_default_local_path_class_provisions_a_claim_where_its_pod_runs(pod_cluster):
    _, kube = pod_cluster
    # The controller manager creates the class once its informers have synced.
    classes = wait_until(lambda: (lambda out: out if "local-path" in out else None)(kube.out("get", "storageclass")),
                         30, "the local-path StorageClass")
    assert "local-path (default)" in classes and "mesokube.io/local-path" in classes, classes
    assert "WaitForFirstConsumer" in classes and "Delete" in classes, classes

    kube.apply(claim("scratch"))
    pvc = kube.json("get", "pvc", "scratch")
    assert pvc["spec"]["storageClassName"] == "local-path"
    # Waiting for its first consumer: no volume yet.
    assert pvc["status"]["phase"] == "Pending"

    kube.apply(pod_with_claim("writer", "scratch"))
    pod = wait_until(lambda: running_ready(kube, "writer"), 120, "the pod with a claim running")
    bound = wait_until(lambda: (lambda c: c if c["status"].get("phase") == "Bound" else None)(
        kube.json("get", "pvc", "scratch")), 30, "claim bound")
    volume = kube.json("get", "pv", bound["spec"]["volumeName"])
    assert volume["status"]["phase"] == "Bound"
    assert volume["spec"]["claimRef"]["name"] == "scratch"
    terms = volume["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"]
    assert terms[0]["matchExpressions"][0]["values"] == [pod["spec"]["nodeName"]]
    assert bound["metadata"]["annotations"]["volume.kubernetes.io/selected-node"] == pod["spec"]["nodeName"]
    kube.out("exec", "writer", "--", "sh", "-c", "echo kept > /data/file")
    assert kube.out("exec", "writer", "--", "cat", "/data/file").strip() == "kept"

    # Deleting pod and claim releases the volume, and the Delete policy removes it.
    kube.out("delete", "pod", "writer", "--wait=false")
    kube.out("delete", "pvc", "scratch", "--wait=false")
    wait_until(lambda: not kube.out("get", "pv", volume["metadata"]["name"], "--ignore-not-found").strip(),
               90, "the provisioned volume deleted with its claim")


def wait_for_default_class(kube: Kubectl):
    wait_until(lambda: "local-path" in kube.out("get", "storageclass"), 30, "the local-path StorageClass")


def test_a_pod_whose_claim_does_not_exist_stays_pending_with_the_reason(pod_cluster):
    _, kube = pod_cluster
    wait_for_default_class(kube)
    kube.apply(pod_with_claim("orphan", "missing"))

    def failed_scheduling():
        events = kube.json("get", "events", "--field-selector", "involvedObject.name=orphan")["items"]
        return [e for e in events if e["reason"] == "FailedScheduling"] or None
    events = wait_until(failed_scheduling, 60, "a FailedScheduling event")
    assert 'persistentvolumeclaim "missing" not found' in events[0]["message"], events[0]["message"]
    pod = kube.json("get", "pod", "orphan")
    assert pod["status"]["phase"] == "Pending" and not pod["spec"].get("nodeName")
    # Once the claim exists the pod is placed and runs.
    kube.apply(claim("missing"))
    wait_until(lambda: running_ready(kube, "orphan"), 120, "the pod running once its claim exists")


def test_a_statefulset_starts_in_order_keeps_names_and_data_and_scales_down_from_the_top(pod_cluster):
    _, kube = pod_cluster
    wait_for_default_class(kube)
    kube.apply(HEADLESS_SERVICE)
    kube.apply(statefulset(3))
    kube.run("rollout", "status", "statefulset/web", "--timeout=240s", timeout=270)

    pods = {name: running_ready(kube, name) for name in ("web-0", "web-1", "web-2")}
    assert all(pods.values()), pods
    # OrderedReady: each pod was created only once the one before it was Ready.
    assert pods["web-1"]["metadata"]["creationTimestamp"] >= ready_time(pods["web-0"])
    assert pods["web-2"]["metadata"]["creationTimestamp"] >= ready_time(pods["web-1"])
    for ordinal, pod in enumerate(pods[f"web-{i}"] for i in range(3)):
        assert pod["spec"]["hostname"] == f"web-{ordinal}" and pod["spec"]["subdomain"] == "nginx"
        assert pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == f"web-{ordinal}"
        assert pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"] == str(ordinal)
    for ordinal in range(3):
        assert kube.json("get", "pvc", f"data-web-{ordinal}")["status"]["phase"] == "Bound"
    status = kube.json("get", "statefulset", "web")["status"]
    assert status["readyReplicas"] == 3 and status["currentRevision"] == status["updateRevision"], status
    revisions = kube.json("get", "controllerrevisions")["items"]
    assert [r["metadata"]["name"] for r in revisions] == [status["updateRevision"]]

    kube.out("exec", "web-1", "--", "sh", "-c", "echo survives > /data/marker")
    old_uid = pods["web-1"]["metadata"]["uid"]
    kube.out("delete", "pod", "web-1", "--wait=false")
    back = wait_until(lambda: (lambda p: p if p and p["metadata"]["uid"] != old_uid else None)(
        running_ready(kube, "web-1")), 120, "web-1 back under the same name")
    assert back["spec"]["nodeName"] == pods["web-1"]["spec"]["nodeName"]
    assert kube.out("exec", "web-1", "--", "cat", "/data/marker").strip() == "survives"

    kube.out("scale", "statefulset", "web", "--replicas=1")
    # Highest ordinal first: web-1 is not touched while web-2 is still there.
    observed = []

    def both_gone():
        states = {}
        for name in ("web-1", "web-2"):
            pod = get_pod(kube, name)
            states[name] = "gone" if pod is None else ("terminating" if "deletionTimestamp" in pod["metadata"]
                                                       else "running")
        observed.append(states)
        return states["web-1"] == "gone" and states["web-2"] == "gone"
    wait_until(both_gone, 120, "web-2 and web-1 removed")
    assert not [s for s in observed if s["web-2"] != "gone" and s["web-1"] != "running"], observed
    assert running_ready(kube, "web-0")
    claims = {c["metadata"]["name"] for c in kube.json("get", "pvc")["items"]}
    assert {"data-web-0", "data-web-1", "data-web-2"} <= claims
    kube.out("rollout", "status", "statefulset/web", "--timeout=60s")
