"""Pod priority and preemption (issue 5) through the real kubectl against `mesokube dev --agents 3`:
PriorityClasses, the Priority admission, and a high-priority pod evicting a lower one on a full cluster."""
from e2e_support.kube import Kubectl
from e2e_support.waiting import wait_until


def priority_class(name: str, value: int) -> dict:
    return {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name},
            "value": value}


def running(kube: Kubectl, selector: str) -> list:
    pods = kube.json("get", "pods", "-l", selector)["items"]
    return [p for p in pods if p["status"].get("phase") == "Running" and "deletionTimestamp" not in p["metadata"]]


def test_a_high_priority_pod_preempts_a_low_priority_one_on_a_full_cluster(pod_cluster):
    _, kube = pod_cluster
    kube.apply(priority_class("low", 10))
    kube.apply(priority_class("high", 1000))
    table = kube.out("get", "priorityclasses")
    assert "system-cluster-critical" in table and "high" in table
    # Each agent has 2 cpus: one 1500m filler pod per agent leaves no room for a 1-cpu pod anywhere.
    filler = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "filler"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "filler"}},
                 "template": {"metadata": {"labels": {"app": "filler"}},
                              "spec": {"priorityClassName": "low",
                                       "containers": [{"name": "nginx", "image": "nginx",
                                                       "resources": {"requests": {"cpu": "1500m"}}}]}}}}
    kube.apply(filler)
    wait_until(lambda: len(running(kube, "app=filler")) == 3, 90, "three filler pods running")
    assert kube.json("get", "pods", "-l", "app=filler")["items"][0]["spec"]["priority"] == 10

    urgent = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "urgent", "labels": {"app": "urgent"}},
              "spec": {"priorityClassName": "high",
                       "containers": [{"name": "nginx", "image": "nginx", "resources": {"requests": {"cpu": "1"}}}]}}
    kube.apply(urgent)
    wait_until(lambda: len(running(kube, "app=urgent")) == 1, 120, "the high-priority pod running")
    events = kube.json("get", "events", "--field-selector", "reason=Preempted")["items"]
    assert events and events[0]["message"].startswith("Preempted by pod ")
    # The evicted replica is replaced, but its replacement has nowhere to go: two fillers run.
    wait_until(lambda: len(running(kube, "app=filler")) == 2, 60, "two filler pods running")


def test_a_pod_naming_a_missing_priority_class_is_forbidden(pod_cluster):
    _, kube = pod_cluster
    result = kube.run("run", "orphan", "--image=nginx", "--overrides",
                      '{"spec": {"priorityClassName": "missing"}}', check=False)
    assert result.returncode != 0
    assert "no PriorityClass with name missing was found" in result.stderr
