"""DaemonSets through the real kubectl against `mesokube dev --agents 3`: one pod on every node (placed by the
kube scheduler through the node affinity the controller pins), rolling update, history and undo, deletion."""
import json

from e2e_support.kube import Kubectl
from e2e_support.waiting import wait_until


def daemon_set(name: str, image: str = "nginx", selector_app: str = "") -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": {"app": selector_app or name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": image,
                                         "resources": {"requests": {"cpu": "50m", "memory": "16Mi"}}}]},
            },
        },
    }


def daemon_pods(kube: Kubectl, name: str) -> list:
    pods = kube.json("get", "pods", "-l", f"app={name}")["items"]
    return [p for p in pods if "deletionTimestamp" not in p["metadata"]]


def one_running_per_node(kube: Kubectl, name: str, nodes: set, image: str):
    pods = daemon_pods(kube, name)
    running = [p for p in pods if p["status"].get("phase") == "Running"
               and p["spec"]["containers"][0]["image"] == image]
    placed = {p["spec"].get("nodeName") for p in running}
    return running if len(pods) == len(nodes) and len(running) == len(nodes) and placed == nodes else None


def test_a_daemon_set_runs_on_every_node_rolls_out_undoes_and_goes_away(pod_cluster):
    _, kube = pod_cluster
    nodes = {n["metadata"]["name"] for n in kube.json("get", "nodes")["items"]}
    assert len(nodes) == 3
    kube.apply(daemon_set("agent"))
    wait_until(lambda: one_running_per_node(kube, "agent", nodes, "nginx"), 120, "a running nginx pod per node")
    kube.out("rollout", "status", "daemonset/agent", "--timeout=90s")
    status = kube.json("get", "daemonset", "agent")["status"]
    assert status["desiredNumberScheduled"] == 3 and status["numberAvailable"] == 3, status
    assert status["updatedNumberScheduled"] == 3 and status["numberMisscheduled"] == 0, status

    kube.out("set", "image", "ds/agent", "main=hello-world:latest")
    rollout = kube.run("rollout", "status", "daemonset/agent", "--timeout=150s", timeout=180)
    assert rollout.returncode == 0, rollout.stderr
    assert "successfully rolled out" in rollout.stdout, rollout.stdout
    wait_until(lambda: one_running_per_node(kube, "agent", nodes, "hello-world:latest"), 60,
               "a running hello-world pod per node")

    history = kube.out("rollout", "history", "daemonset/agent")
    assert "1" in history and "2" in history, history
    kube.out("rollout", "undo", "daemonset/agent")
    undone = kube.run("rollout", "status", "daemonset/agent", "--timeout=150s", timeout=180, check=False)
    assert undone.returncode == 0, (undone.stderr, kube.out("get", "daemonset,pods,controllerrevisions", "-o", "wide"))
    wait_until(lambda: one_running_per_node(kube, "agent", nodes, "nginx"), 90, "nginx back on every node")
    revisions = kube.json("get", "controllerrevisions", "-l", "app=agent")["items"]
    assert sorted(r["revision"] for r in revisions) == [2, 3], revisions

    kube.out("delete", "daemonset", "agent")
    wait_until(lambda: not daemon_pods(kube, "agent"), 90, "the daemon pods gone")


def test_a_daemon_set_whose_selector_misses_its_template_is_refused(pod_cluster):
    _, kube = pod_cluster
    refused = kube.run("apply", "-f", "-", input=json.dumps(daemon_set("bad", selector_app="other")), check=False)
    assert refused.returncode != 0
    assert "`selector` does not match template `labels`" in refused.stderr, refused.stderr
    assert "The DaemonSet \"bad\" is invalid" in refused.stderr, refused.stderr
