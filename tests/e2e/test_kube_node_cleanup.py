"""What a pod leaves on its node once it is gone: its network namespace (`ip netns`), its runc state and its
cgroups. A `mesokube dev` that stops shuts its kubelets down first, so they stop their pods and tear those
down; a kubelet killed outright leaves them, and the next kubelet of the node removes them when it starts.
Real kubectl 1.37 against `mesokube dev --agents 3`.
"""
import os
import signal
import subprocess
from pathlib import Path

from e2e_support.waiting import wait_until

MEMORY_CGROUPS = Path("/sys/fs/cgroup/memory/mesokube-pods")


def pinned_pod(name: str, node: str, command: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"nodeSelector": {"kubernetes.io/hostname": node},
                     "containers": [{"name": "main", "image": "nginx", "command": ["sh", "-c", command]}]}}


def network_namespaces() -> set:
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return {line.split()[0] for line in listed.splitlines() if line.strip()}


def namespace_of(uid: str) -> list:
    return [name for name in network_namespaces() if name.endswith("-" + uid)]


def runtime_id(pod: dict) -> str:
    return pod["status"]["containerStatuses"][0]["containerID"].split("://", 1)[1]


def runc_states(cluster, runtime: str) -> list:
    return list((cluster.work_dir / "dev").glob(f"agent-*/kubelet/runc/{runtime}"))


def left_on_host(cluster, pod: dict) -> list:
    """Whatever of the pod's sandbox is still on the host."""
    runtime = runtime_id(pod)
    left = namespace_of(pod["metadata"]["uid"])
    if (MEMORY_CGROUPS / runtime).exists():
        left.append(f"cgroup {MEMORY_CGROUPS / runtime}")
    left += [f"runc state {path}" for path in runc_states(cluster, runtime)]
    return left


def wait_running(kube, name: str) -> dict:
    def running():
        pod = kube.json("get", "pod", name)
        statuses = pod.get("status", {}).get("containerStatuses") or [{}]
        return pod if "running" in statuses[0].get("state", {}) else None
    return wait_until(running, 90, f"{name} running")


def kubelet_pids(node: str) -> list:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"kubelet" in cmdline[1:2] and f"MESOKUBE_NODE_NAME={node}".encode() in environ:
            pids.append(int(entry.name))
    return pids


def test_stopping_the_dev_cluster_tears_its_pods_down(pod_cluster):
    dev, kube = pod_cluster
    nodes = [node["metadata"]["name"] for node in kube.json("get", "nodes")["items"]]
    # One pod per node; the second ignores SIGTERM, so the shutdown has to kill it within its grace.
    kube.apply(pinned_pod("web", nodes[0], "httpd -f -p 80"))
    kube.apply(pinned_pod("stubborn", nodes[1], "trap '' TERM; while true; do sleep 1; done"))
    pods = [wait_running(kube, name) for name in ("web", "stubborn")]
    for pod in pods:
        assert namespace_of(pod["metadata"]["uid"]), "a running pod has its own network namespace"
        assert (MEMORY_CGROUPS / runtime_id(pod)).exists()
    dev.process.terminate(grace=60)
    assert dev.process.popen.returncode == 0, dev.logs()
    for pod in pods:
        assert left_on_host(dev, pod) == [], f"{pod['metadata']['name']} left its sandbox behind"


def test_a_new_kubelet_removes_what_a_killed_one_left(pod_cluster):
    dev, kube = pod_cluster
    node = kube.json("get", "nodes")["items"][0]["metadata"]["name"]
    kube.apply(pinned_pod("orphan", node, "while true; do sleep 1; done"))
    orphan = wait_running(kube, "orphan")
    pids = kubelet_pids(node)
    assert len(pids) == 1, f"one kubelet runs for {node}: {pids}"
    os.kill(pids[0], signal.SIGKILL)
    # Killed outright, the kubelet stopped nothing: the container and its sandbox outlive it.
    assert namespace_of(orphan["metadata"]["uid"]), "the killed kubelet's pod network is still there"
    assert runc_states(dev, runtime_id(orphan)), "the killed kubelet's container is still there"
    # The scheduler gives up on the pod once its task is lost; a new pod brings a new kubelet.
    wait_until(lambda: kube.json("get", "pod", "orphan")["status"].get("phase") == "Failed", 60,
               "the orphaned pod marked Failed")
    kube.apply(pinned_pod("successor", node, "while true; do sleep 1; done"))
    wait_running(kube, "successor")
    assert len(kubelet_pids(node)) == 1
    assert left_on_host(dev, orphan) == [], "the new kubelet removed the old one's container and pod network"
