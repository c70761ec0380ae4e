"""Resource metrics and autoscaling: the kubelets' /stats/summary behind metrics.k8s.io (`kubectl top`),
and a HorizontalPodAutoscaler scaling a CPU-burning Deployment up and back down, through the real kubectl
against `mesokube dev --agents 3` (HPA sync period 5 s instead of 15 s to keep the test short)."""
import json

import pytest

from e2e_support.kube import Kubectl
from e2e_support.waiting import wait_until

BURN = ["sh", "-c", "while :; do :; done"]


@pytest.fixture
def hpa_cluster(dev_cluster, example_registry, tmp_path):
    started = dev_cluster(agents=3, extra_args=["--registry", example_registry.address,
                                                "--insecure-registry", example_registry.address,
                                                "--hpa-sync-period", "5"])
    kubeconfig = started.work_dir / "dev" / "kubeconfig"
    wait_until(kubeconfig.exists, 10, "kubeconfig written")
    kube = Kubectl(kubeconfig, tmp_path / "home")
    wait_until(lambda: len(kube.json("get", "nodes")["items"]) == 3, 30, "three nodes")
    return started, kube


def burner(name: str, command: list) -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {
            "replicas": 1, "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{
                    "name": "burn", "image": "nginx", "command": command,
                    "resources": {"requests": {"cpu": "100m", "memory": "16Mi"},
                                  "limits": {"cpu": "200m", "memory": "64Mi"}},
                }]},
            },
        },
    }


def replicas(kube: Kubectl, name: str) -> int:
    return kube.json("get", "deployment", name)["spec"].get("replicas", 0)


def test_kubectl_top_shows_pod_and_node_usage(hpa_cluster):
    _, kube = hpa_cluster
    kube.apply(burner("top", BURN))
    kube.out("rollout", "status", "deployment/top", "--timeout=120s")
    # A CPU rate needs two kubelet readings 10 s apart.
    rows = wait_until(lambda: (lambda r: r if r.returncode == 0 and "top-" in r.stdout else None)(
        kube.run("top", "pod", "-l", "app=top", "--no-headers", check=False)), 90, "kubectl top pod row")
    name, cpu, memory = rows.stdout.split()[:3]
    assert name.startswith("top-") and cpu.endswith("m") and memory.endswith("Mi"), rows.stdout
    # The burn is capped by its 200m limit; it shows as real usage, not zero.
    assert 20 <= int(cpu[:-1]) <= 260, rows.stdout
    nodes = wait_until(lambda: (lambda r: r if r.returncode == 0 and r.stdout.strip() else None)(
        kube.run("top", "node", "--no-headers", check=False)), 60, "kubectl top node rows")
    assert len(nodes.stdout.strip().splitlines()) == 3, nodes.stdout
    podmetrics = json.loads(kube.out(
        "get", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dtop"))
    assert podmetrics["kind"] == "PodMetricsList" and podmetrics["items"][0]["containers"][0]["name"] == "burn"
    missing = kube.run("get", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope", check=False)
    assert missing.returncode != 0 and "not found" in missing.stderr, missing
    refused = kube.run("delete", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope", check=False)
    assert refused.returncode != 0 and "does not allow this method" in refused.stderr, refused


def test_an_hpa_scales_a_cpu_burning_deployment_up_and_back_down(hpa_cluster):
    _, kube = hpa_cluster
    kube.apply(burner("burn", BURN))
    kube.out("rollout", "status", "deployment/burn", "--timeout=120s")
    kube.apply({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "burn"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "burn"},
            "minReplicas": 1, "maxReplicas": 3,
            "metrics": [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}],
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 0}},
        },
    })
    wait_until(lambda: replicas(kube, "burn") > 1, 180, "the HPA scales the burning deployment up")
    hpa = kube.json("get", "hpa", "burn")
    conditions = {c["type"]: c for c in hpa["status"]["conditions"]}
    assert conditions["ScalingActive"]["status"] == "True", conditions
    assert conditions["ScalingActive"]["reason"] == "ValidMetricFound", conditions
    assert hpa["status"]["currentMetrics"][0]["resource"]["current"]["averageUtilization"] > 50, hpa["status"]
    assert "lastScaleTime" in hpa["status"]
    events = kube.json("get", "events", "--field-selector", "involvedObject.name=burn,reason=SuccessfulRescale")
    assert any("cpu resource utilization (percentage of request) above target" in e["message"]
               for e in events["items"]), events

    # Idle: the same pods sleep instead; the HPA comes back down to minReplicas.
    kube.out("patch", "deployment", "burn", "--type=json", "-p",
             '[{"op":"replace","path":"/spec/template/spec/containers/0/command","value":["sleep","3600"]}]')
    wait_until(lambda: replicas(kube, "burn") == 1, 180, "the HPA scales the idle deployment back to 1")
    assert "All metrics below target" in kube.out("describe", "hpa", "burn")


def test_kubectl_autoscale_creates_an_hpa_and_bad_bounds_are_refused(hpa_cluster):
    _, kube = hpa_cluster
    kube.out("create", "deployment", "idle", "--image=nginx")
    kube.out("autoscale", "deployment", "idle", "--cpu-percent=50", "--min=1", "--max=3")
    hpa = kube.json("get", "hpa", "idle")
    assert hpa["spec"]["maxReplicas"] == 3 and hpa["spec"]["minReplicas"] == 1
    bad = kube.run("apply", "-f", "-", check=False, input="""
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: bad}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: idle}
  minReplicas: 5
  maxReplicas: 2
""")
    assert bad.returncode != 0 and "maxReplicas" in bad.stderr, bad
    # No cpu request on the pods: utilization cannot be computed, and the HPA says why.
    status = wait_until(lambda: (lambda s: s if any(c["type"] == "ScalingActive" for c in s.get("conditions", []))
                                 else None)(kube.json("get", "hpa", "idle").get("status", {})), 90, "HPA conditions")
    active = next(c for c in status["conditions"] if c["type"] == "ScalingActive")
    assert active["status"] == "False" and active["reason"] == "FailedGetResourceMetric", status
