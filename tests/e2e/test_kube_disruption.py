"""PodDisruptionBudgets with running pods: the disruption controller keeps their status, the eviction
subresource takes disruptions from it atomically, and `kubectl drain` paces itself by it. Real kubectl 1.37
against `mesokube dev --agents 3`."""
import json

from e2e_support.waiting import wait_until

BUDGET = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"},
          "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}}


def ready_pods(kube) -> list:
    pods = kube.json("get", "pods", "-l", "app=web")["items"]
    return [p for p in pods if "deletionTimestamp" not in p["metadata"] and any(
        c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", []))]


def budget_status(kube) -> dict:
    return kube.json("get", "pdb", "web").get("status", {})


def evict(kube, pod: str):
    body = json.dumps({"apiVersion": "policy/v1", "kind": "Eviction",
                       "metadata": {"name": pod, "namespace": "default"}})
    return kube.run("create", "--raw", f"/api/v1/namespaces/default/pods/{pod}/eviction", "-f", "-",
                    input=body, check=False)


def test_a_budget_allows_evictions_one_at_a_time_and_drain_honours_it(pod_cluster):
    _, kube = pod_cluster
    kube.out("create", "deployment", "web", "--image=nginx", "--replicas=3")
    wait_until(lambda: len(ready_pods(kube)) == 3, 90, "3 ready pods")
    kube.apply(BUDGET)
    wait_until(lambda: budget_status(kube).get("disruptionsAllowed") == 1, 30, "one disruption allowed")
    status = budget_status(kube)
    assert (status["currentHealthy"], status["desiredHealthy"], status["expectedPods"]) == (3, 2, 3), status
    assert status["conditions"][0]["reason"] == "SufficientPods"
    assert "1" in kube.out("get", "pdb", "web")  # ALLOWED DISRUPTIONS column

    first, second = [p["metadata"]["name"] for p in ready_pods(kube)[:2]]
    evicted = evict(kube, first)
    assert evicted.returncode == 0, evicted.stderr
    # The first eviction took the only disruption: the second is refused at once.
    refused = evict(kube, second)
    assert refused.returncode != 0
    assert "Cannot evict pod as it would violate the pod's disruption budget" in refused.stderr, refused.stderr
    # (The pod sits in status.disruptedPods only until the controller sees it being deleted.)

    # The replacement becomes ready; the budget allows one disruption again.
    wait_until(lambda: len(ready_pods(kube)) == 3 and budget_status(kube).get("disruptionsAllowed") == 1, 90,
               "the replacement ready and a disruption allowed again")
    assert first not in budget_status(kube).get("disruptedPods", {})

    # drain retries refused evictions until the budget allows them, and finishes.
    node = ready_pods(kube)[0]["spec"]["nodeName"]
    drained = kube.run("drain", node, "--ignore-daemonsets", "--timeout=150s", timeout=180, check=False)
    assert drained.returncode == 0, f"stdout: {drained.stdout}\nstderr: {drained.stderr}"
    wait_until(lambda: len(ready_pods(kube)) == 3, 90, "3 ready pods after the drain")
    assert all(p["spec"]["nodeName"] != node for p in ready_pods(kube))
