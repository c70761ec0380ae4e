"""An agent cut off from the master for 60 s, and back (issue 8, partitions).

Agent B lives in a network namespace joined to this host by a veth pair (`TwoHosts`); the partition
takes the veth down, so packets are dropped and connections hang, as on a real network split — nothing
is refused or reset. The master pings agents every second here (`--agent-ping-timeout 1secs`, 5 misses),
so B is unreachable ~5 s in. Work on B when the link goes down:

- two pymesos frameworks, one PARTITION_AWARE (hears TASK_UNREACHABLE) and one not (hears TASK_LOST);
  both hear TASK_RUNNING again when B re-registers, and their tasks ran on untouched;
- a Marathon app with unreachableStrategy {inactiveAfterSeconds: 5, expungeAfterSeconds: 30}: its
  replacement runs on agent A within seconds; the original, back after being expunged, is killed;
- a Deployment and a StatefulSet (marathon-python, kubectl): B's node turns unreachable, both pods are
  evicted once their 5 s toleration ends; the Deployment's replacement runs on A at once, while the
  StatefulSet's pod is never started twice — its replacement only starts after B's kubelet, back, has
  stopped the old one.

Invariants checked throughout: one live copy of each instance, no agent over-allocated. Real kubectl 1.37,
pymesos and marathon-python; pods and tasks are host processes, so agent B needs no registry.
"""
import time
from types import SimpleNamespace

import pytest
from marathon import MarathonClient
from marathon.models import MarathonApp

from e2e_support.cluster import mesokube_binary, wait_for_startup
from e2e_support.http import MasterClient
from e2e_support.kube import Kubectl
from e2e_support.netns import TwoHosts, ip
from e2e_support.ports import free_port
from e2e_support.scheduler import sleep_task
from e2e_support.waiting import wait_until

RESOURCES = "cpus:2;mem:2048;disk:4096;ports:[31000-31099]"
PARTITION_SECONDS = 60
UNREACHABLE_TOLERATION = [{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
                           "tolerationSeconds": 5}]


def sleeper_template(app: str) -> dict:
    return {"metadata": {"labels": {"app": app}},
            "spec": {"runtimeClassName": "process", "terminationGracePeriodSeconds": 2,
                     "tolerations": UNREACHABLE_TOLERATION,
                     "containers": [{"name": "main", "image": "none", "command": ["sleep", "3600"],
                                     "resources": {"requests": {"cpu": "100m", "memory": "32Mi"}}}]}}


def workloads() -> list:
    selector = {"matchLabels": {"app": "part-web"}}
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "part-web"},
                  "spec": {"replicas": 1, "selector": selector, "template": sleeper_template("part-web")}}
    statefulset = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "part-db"},
                   "spec": {"replicas": 1, "serviceName": "part-db", "selector": {"matchLabels": {"app": "part-db"}},
                            "template": sleeper_template("part-db")}}
    return [deployment, statefulset]


class PartitionCluster:
    """A master and agent A on this host, agent B in the namespace; B starts first so all work lands there."""

    def __init__(self, hosts: TwoHosts, work_dir):
        self.hosts, self.work_dir = hosts, work_dir
        self.mesokube = str(mesokube_binary())
        self.master_port, self.kube_port, self.marathon_port = free_port(), free_port(), free_port()
        self.agent_port = free_port()
        self.master_address = f"{hosts.address_a}:{self.master_port}"
        self.master = MasterClient(f"http://{self.master_address}")
        self.nodes = [f"{address}-{self.agent_port}" for address in (hosts.address_a, hosts.address_b)]

    def start_master(self) -> None:
        self.hosts.start("master", [
            self.mesokube, "master", "--work-dir", self.work_dir / "master", "--port", self.master_port,
            "--ip", self.hosts.address_a, "--kube-port", self.kube_port, "--marathon-port", self.marathon_port,
            "--dns-port", free_port(), "--allocation-interval", "0.2secs",
            "--agent-ping-timeout", "1secs", "--max-agent-ping-timeouts", "5",
            "--node-monitor-grace-period", "20"])
        wait_for_startup(self.master.healthy, "master /health")

    def start_agent(self, index: int) -> None:
        address = (self.hosts.address_a, self.hosts.address_b)[index]
        self.hosts.start(f"agent-{index}", [
            self.mesokube, "agent", "--master", self.master_address, "--ip", address, "--port", self.agent_port,
            "--work-dir", self.work_dir / f"agent-{index}", "--resources", RESOURCES,
            "--pod-cidr", self.hosts.cidrs[index], "--pod-bridge", self.hosts.bridges[index]], in_b=index == 1)

    def agent_ids(self) -> dict:
        """hostname -> agent id of the agents the master counts active."""
        return {s["hostname"]: s["id"] for s in self.master.state()["slaves"] if s.get("active", True)}

    def partition(self, cut: bool) -> None:
        ip("link", "set", self.hosts.veth, "down" if cut else "up")


def running_pods(kube: Kubectl, app: str) -> list:
    """(name, node) of the app's pods that are Running and not being deleted."""
    pods = kube.json("get", "pods", "-l", f"app={app}")["items"]
    return sorted((p["metadata"]["name"], p["spec"].get("nodeName")) for p in pods
                  if p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp"))


def live_kube_tasks(master: MasterClient, pod: str) -> list:
    """The kube framework's tasks for `pod` that may be running (RUNNING, or UNREACHABLE on a cut agent)."""
    state = master.state()
    return [(t["state"], t["slave_id"]) for f in state["frameworks"] if f["name"] == "kubernetes"
            for t in f["tasks"] + f.get("unreachable_tasks", [])
            if pod in t["name"] and t["state"] in ("TASK_RUNNING", "TASK_UNREACHABLE", "TASK_STAGING",
                                                    "TASK_STARTING")]


@pytest.mark.timeout(600)
def test_an_agent_partitioned_for_a_minute_comes_back_without_duplicates(two_hosts, scheduler, tmp_path):
    cluster = PartitionCluster(two_hosts, tmp_path)
    cluster.start_master()
    cluster.start_agent(1)
    wait_until(lambda: len(cluster.agent_ids()) == 1, 60, "agent B registered")
    agent_b = next(iter(cluster.agent_ids().values()))

    # Work on B: two pymesos frameworks, a Marathon app, a Deployment and a StatefulSet.
    scheduling = SimpleNamespace(master_address=cluster.master_address, work_dir=tmp_path)
    aware = scheduler(scheduling, name="aware", capabilities=["PARTITION_AWARE"],
                      init=[{"cmd": "launch", "tasks": [sleep_task("aware-task", seconds=3600)]}])
    plain = scheduler(scheduling, name="plain",
                      init=[{"cmd": "launch", "tasks": [sleep_task("plain-task", seconds=3600)]}])
    assert aware.wait_update("aware-task", "TASK_RUNNING", timeout=60)["agent_id"] == agent_b
    assert plain.wait_update("plain-task", "TASK_RUNNING", timeout=60)["agent_id"] == agent_b

    marathon = MarathonClient(f"http://{cluster.hosts.address_a}:{cluster.marathon_port}")
    marathon.create_app("part-app", MarathonApp(
        cmd="sleep 3600", cpus=0.1, mem=32, instances=1,
        unreachable_strategy={"inactiveAfterSeconds": 5, "expungeAfterSeconds": 30}))
    original = wait_until(lambda: [t.id for t in marathon.list_tasks("part-app") if t.state == "TASK_RUNNING"],
                          90, "the Marathon instance running")[0]

    kubeconfig = tmp_path / "master" / "kubeconfig"
    wait_until(kubeconfig.exists, 30, "kubeconfig written")
    kube = Kubectl(kubeconfig, tmp_path / "home")
    for manifest in workloads():
        kube.apply(manifest)
    node_b = cluster.nodes[1]
    wait_until(lambda: running_pods(kube, "part-web") and running_pods(kube, "part-db") == [("part-db-0", node_b)],
               120, "both pods Running on B")
    web_before = running_pods(kube, "part-web")
    assert web_before[0][1] == node_b

    # Agent A joins; then B is cut off.
    cluster.start_agent(0)
    wait_until(lambda: len(cluster.agent_ids()) == 2, 60, "agent A registered")
    mark_aware, mark_plain = aware.mark(), plain.mark()
    cluster.partition(cut=True)
    cut_at = time.monotonic()
    try:
        unreachable = aware.wait_update("aware-task", "TASK_UNREACHABLE", since=mark_aware, timeout=30)
        assert unreachable["reason"] == "REASON_SLAVE_REMOVED", unreachable
        plain.wait_update("plain-task", "TASK_LOST", since=mark_plain, timeout=30)
        print(f"partition: tasks unreachable/lost {time.monotonic() - cut_at:.1f} s after the cut")

        # Marathon launches a replacement on A once the instance is inactive; Kubernetes evicts B's pods.
        replacement = wait_until(lambda: [t.id for t in marathon.list_tasks("part-app")
                                          if t.state == "TASK_RUNNING" and t.id != original], 60,
                                 "Marathon's replacement running on A")[0]
        web_after = wait_until(lambda: (lambda pods: pods if pods and pods[0][1] == cluster.nodes[0] else None)(
            running_pods(kube, "part-web")), 90, "the Deployment's replacement Running on A")
        print(f"partition: replacements running {time.monotonic() - cut_at:.1f} s after the cut")
        while time.monotonic() - cut_at < PARTITION_SECONDS:
            # The StatefulSet's pod is never run twice: only B's (unreachable) copy exists.
            assert len(live_kube_tasks(cluster.master, "part-db-0")) <= 1
            assert running_pods(kube, "part-db") in ([], [("part-db-0", node_b)])
            assert cluster.master.used_within_totals()
            time.sleep(2)
        db = kube.json("get", "pod", "part-db-0")
        assert db["metadata"].get("deletionTimestamp"), "part-db-0 was not evicted from the unreachable node"
    finally:
        cluster.partition(cut=False)
    healed_at = time.monotonic()

    # B re-registers: both frameworks hear their task RUNNING again, on B, and it never stopped.
    back = aware.wait_update("aware-task", "TASK_RUNNING", since=mark_aware, timeout=60)
    assert back["reason"] == "REASON_SLAVE_REREGISTERED" and back["agent_id"] == agent_b, back
    assert plain.wait_update("plain-task", "TASK_RUNNING", since=mark_plain, timeout=60)["agent_id"] == agent_b
    print(f"partition healed: agent B's tasks RUNNING again {time.monotonic() - healed_at:.1f} s later")
    for task in ("aware-task", "plain-task"):
        copies = cluster.master.tasks_named(task)
        assert [c["state"] for c in copies] == ["TASK_RUNNING"], copies

    # Marathon kills the expunged original: one instance, the replacement.
    wait_until(lambda: [t.id for t in marathon.list_tasks("part-app")] == [replacement], 60,
               "Marathon back to its one instance")
    wait_until(lambda: not [t for t in cluster.master.tasks_named(original) if t["state"] == "TASK_RUNNING"], 60,
               "the returned original killed")

    # B's kubelet stops the evicted pods; the StatefulSet then starts part-db-0 again, once.
    wait_until(lambda: running_pods(kube, "part-db") and len(live_kube_tasks(cluster.master, "part-db-0")) == 1,
               120, "part-db-0 Running again, one copy")
    wait_until(lambda: running_pods(kube, "part-web") == web_after
               and len(live_kube_tasks(cluster.master, "part-web")) == 1, 90,
               "the Deployment back to one pod, the replacement")
    assert cluster.master.used_within_totals()
