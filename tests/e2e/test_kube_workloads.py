"""Controllers with running pods (issue 5): Deployments (scale, rolling update, undo, history) and Jobs,
through the real kubectl against `mesokube dev --agents 3` with images from a loopback registry."""
import threading
from pathlib import Path

import requests
import yaml

from e2e_support.kube import Kubectl
from e2e_support.waiting import wait_until

EXAMPLES = Path(__file__).resolve().parent / "examples"


def running_pods(kube: Kubectl, selector: str) -> list:
    pods = kube.json("get", "pods", "-l", selector)["items"]
    return [p for p in pods if p["status"].get("phase") == "Running" and "deletionTimestamp" not in p["metadata"]]


def wait_running(kube: Kubectl, selector: str, count: int, seconds: float = 90) -> list:
    return wait_until(lambda: (lambda pods: pods if len(pods) == count else None)(running_pods(kube, selector)),
                      seconds, f"{count} running pods of {selector}")


def test_the_hello_kubernetes_example_runs_and_the_broken_one_is_refused(pod_cluster):
    _, kube = pod_cluster
    broken = kube.run("apply", "-f", str(EXAMPLES / "hello-kubernetes.yaml"), check=False)
    assert broken.returncode != 0 and broken.stderr.strip(), broken
    kube.out("apply", "-f", str(EXAMPLES / "hello-kubernetes.fixed.yaml"))
    pods = wait_running(kube, "app=hello-world", 1)
    ip = pods[0]["status"]["podIP"]
    answer = wait_until(lambda: requests.get(f"http://{ip}:9001/", timeout=2), 20, "HTTP on port 9001")
    assert "hello from hello-world" in answer.text
    service = kube.json("get", "service", "hello-world-service")
    assert service["spec"]["type"] == "LoadBalancer" and service["spec"]["ports"][0]["nodePort"] >= 30000
    kube.out("rollout", "status", "deployment/hello-world", "--timeout=60s")


def test_a_deployment_scales_rolls_out_without_dropping_below_max_unavailable_and_undoes(pod_cluster):
    _, kube = pod_cluster
    kube.out("create", "deployment", "web", "--image=nginx", "--replicas=5")
    wait_running(kube, "app=web", 5)
    kube.out("scale", "deployment", "web", "--replicas=10")
    wait_running(kube, "app=web", 10)
    kube.out("scale", "deployment", "web", "--replicas=5")
    wait_running(kube, "app=web", 5)
    kube.out("rollout", "status", "deployment/web", "--timeout=60s")

    # During the rollout, available replicas never go below replicas - maxUnavailable (25% of 5 → 1).
    lowest = []
    stop = threading.Event()

    def watch_available():
        while not stop.is_set():
            status = kube.json("get", "deployment", "web")["status"]
            lowest.append(status.get("availableReplicas", 0))
    watcher = threading.Thread(target=watch_available, daemon=True)
    watcher.start()
    kube.out("set", "image", "deployment/web", "nginx=hello-world:latest")
    rollout = kube.run("rollout", "status", "deployment/web", "--timeout=120s", timeout=150)
    stop.set()
    watcher.join(10)
    assert rollout.returncode == 0, rollout.stderr
    assert "successfully rolled out" in rollout.stdout
    assert lowest and min(lowest) >= 4, lowest
    images = {p["spec"]["containers"][0]["image"] for p in running_pods(kube, "app=web")}
    assert images == {"hello-world:latest"}

    history = kube.out("rollout", "history", "deployment/web")
    assert "1" in history and "2" in history, history
    kube.out("rollout", "undo", "deployment/web")
    kube.out("rollout", "status", "deployment/web", "--timeout=120s")
    deployment = kube.json("get", "deployment", "web")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx"
    assert deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    wait_until(lambda: {p["spec"]["containers"][0]["image"] for p in running_pods(kube, "app=web")} == {"nginx"}
               and len(running_pods(kube, "app=web")) == 5, 60, "the old template back on 5 pods")
    assert "3" in kube.out("rollout", "history", "deployment/web")


def test_a_paused_deployment_holds_its_rollout_until_resumed(pod_cluster):
    _, kube = pod_cluster
    kube.out("create", "deployment", "held", "--image=nginx", "--replicas=2")
    wait_running(kube, "app=held", 2)
    kube.out("rollout", "pause", "deployment/held")
    kube.out("set", "image", "deployment/held", "nginx=hello-world:latest")
    # Paused: the template change makes no new ReplicaSet, and the Progressing condition says why.
    wait_until(lambda: any(c.get("reason") == "DeploymentPaused"
                           for c in kube.json("get", "deployment", "held")["status"].get("conditions", [])),
               30, "the DeploymentPaused condition")
    replica_sets = kube.json("get", "replicasets", "-l", "app=held")["items"]
    assert len(replica_sets) == 1, [r["metadata"]["name"] for r in replica_sets]
    assert {p["spec"]["containers"][0]["image"] for p in running_pods(kube, "app=held")} == {"nginx"}
    kube.out("rollout", "resume", "deployment/held")
    kube.out("rollout", "status", "deployment/held", "--timeout=120s")
    wait_until(lambda: {p["spec"]["containers"][0]["image"] for p in running_pods(kube, "app=held")}
               == {"hello-world:latest"} and len(running_pods(kube, "app=held")) == 2, 60, "the new image on 2 pods")


def test_a_job_of_ten_completions_with_parallelism_three_completes(pod_cluster):
    _, kube = pod_cluster
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "tally"},
           "spec": {"completions": 10, "parallelism": 3, "backoffLimit": 2,
                    "template": {"spec": {"restartPolicy": "Never", "containers": [{
                        "name": "work", "image": "nginx", "command": ["sh", "-c", "sleep 1"]}]}}}}
    kube.out("apply", "-f", "-", input=yaml.safe_dump(job))
    active_seen = []

    def complete():
        status = kube.json("get", "job", "tally")["status"]
        active_seen.append(status.get("active", 0))
        conditions = {c["type"]: c["status"] for c in status.get("conditions", [])}
        return status if conditions.get("Complete") == "True" else None
    status = wait_until(complete, 150, "the job to complete")
    assert status["succeeded"] == 10
    assert max(active_seen) <= 3, active_seen
    wait = kube.run("wait", "--for=condition=complete", "job/tally", "--timeout=10s")
    assert wait.returncode == 0
