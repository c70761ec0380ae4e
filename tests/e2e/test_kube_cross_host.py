"""Pods on agents of different hosts reach each other (issue 5, pod network).

A second "host" is a network namespace joined to this one by a veth pair, as two machines on one L2
segment are: `mesokube master` and agent A run here, agent B inside the namespace (`ip netns exec`), each
agent with its own pod CIDR and bridge. The kubelets install routes to each other's pod CIDR through the
other node's InternalIP (`ip route … proto 77`), so pods talk across hosts on their pod IPs, and each host
reaches the other's pods. Pods run as host processes (RuntimeClass `process`: busybox httpd) in their pod
network namespaces, so agent B needs no registry. Real kubectl 1.37.
"""
import random
import subprocess
from pathlib import Path

import pytest

from e2e_support.cluster import mesokube_binary, wait_for_startup
from e2e_support.http import MasterClient
from e2e_support.kube import Kubectl
from e2e_support.netns import argv_in_namespace, ip, process_logs, stop_hosts
from e2e_support.ports import free_port
from e2e_support.processes import ManagedProcess
from e2e_support.waiting import wait_until

RESOURCES = "cpus:2;mem:2048;disk:4096;ports:[31000-31099]"


class TwoHosts:
    """This host and a network namespace `host_b`, 172.31.N.1 and 172.31.N.2 on a veth pair."""

    def __init__(self, work_dir: Path):
        tag = f"{random.randrange(16 ** 4):04x}"
        self.octet = random.randrange(1, 250)
        self.namespace = f"mkhost-{tag}"
        self.veth = f"mkv{tag}"
        self.address_a = f"172.31.{self.octet}.1"
        self.address_b = f"172.31.{self.octet}.2"
        self.bridges = (f"mka{tag}", f"mkb{tag}")
        self.cidrs = (f"10.247.{self.octet}.0/24", f"10.248.{self.octet}.0/24")
        self.work_dir = work_dir
        self.processes = []

    def __enter__(self):
        ip("netns", "add", self.namespace)
        ip("link", "add", self.veth, "type", "veth", "peer", "name", "eth0", "netns", self.namespace)
        ip("addr", "add", f"{self.address_a}/24", "dev", self.veth)
        ip("link", "set", self.veth, "up")
        ip("-n", self.namespace, "addr", "add", f"{self.address_b}/24", "dev", "eth0")
        ip("-n", self.namespace, "link", "set", "eth0", "up")
        ip("-n", self.namespace, "link", "set", "lo", "up")
        return self

    def start(self, name: str, argv, in_b: bool = False) -> ManagedProcess:
        if in_b:
            argv = self.in_host_b(name, argv)
        process = ManagedProcess(name, argv, self.work_dir / "logs" / f"{name}.log", cwd=self.work_dir).start()
        self.processes.append(process)
        return process

    def in_host_b(self, name: str, argv) -> list:
        return argv_in_namespace(self.work_dir, self.namespace, name, argv)

    def logs(self) -> str:
        return process_logs(self.processes)

    def __exit__(self, *exc):
        stop_hosts(self.processes, self.work_dir, self.bridges)
        ip("route", "del", self.cidrs[1], check=False)
        ip("link", "del", self.bridges[0], check=False)
        ip("link", "del", self.veth, check=False)
        ip("netns", "del", self.namespace, check=False)


def httpd_pod(name: str, node: str) -> dict:
    script = f"echo hello from {name} > index.html && exec busybox httpd -f -p 8080 -h ."
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"runtimeClassName": "process", "nodeSelector": {"kubernetes.io/hostname": node},
                     "containers": [{"name": "web", "image": "none", "command": ["sh", "-c", script]}]}}


@pytest.fixture
def two_hosts(tmp_path, request):
    with TwoHosts(tmp_path) as hosts:
        yield hosts
        call = getattr(request.node, "_e2e_report_call", None)  # set by conftest's report hook
        if call is not None and call.failed:
            print(hosts.logs())


def test_pods_on_agents_of_different_hosts_reach_each_other(two_hosts, tmp_path):
    hosts = two_hosts
    mesokube = str(mesokube_binary())
    master_port, kube_port, agent_port = free_port(), free_port(), free_port()
    hosts.start("master", [mesokube, "master", "--work-dir", tmp_path / "master", "--port", master_port,
                           "--ip", hosts.address_a, "--kube-port", kube_port, "--marathon-port", free_port(),
                           "--dns-port", free_port(),
                           "--allocation-interval", "0.2secs"])
    master = MasterClient(f"http://{hosts.address_a}:{master_port}")
    wait_for_startup(master.healthy, "master /health")
    for index, (address, in_b) in enumerate([(hosts.address_a, False), (hosts.address_b, True)]):
        hosts.start(f"agent-{index}", [
            mesokube, "agent", "--master", f"{hosts.address_a}:{master_port}", "--ip", address,
            "--port", agent_port, "--work-dir", tmp_path / f"agent-{index}", "--resources", RESOURCES,
            "--pod-cidr", hosts.cidrs[index], "--pod-bridge", hosts.bridges[index]], in_b=in_b)
    kubeconfig = tmp_path / "master" / "kubeconfig"
    wait_until(kubeconfig.exists, 30, "kubeconfig written")
    kube = Kubectl(kubeconfig, tmp_path / "home")
    node_a, node_b = (f"{address}-{agent_port}" for address in (hosts.address_a, hosts.address_b))
    def node_names():
        names = {n["metadata"]["name"] for n in kube.json("get", "nodes")["items"]}
        assert names <= {node_a, node_b}, names
        return names == {node_a, node_b}
    # Agents registered after the scheduler suppressed: they become Nodes at its next node discovery (30 s).
    wait_until(node_names, 90, "both agents are Nodes")

    kube.apply(httpd_pod("pod-a", node_a))
    kube.apply(httpd_pod("pod-b", node_b))
    ips = {}
    for name in ("pod-a", "pod-b"):
        pod = wait_until(lambda: (lambda p: p if p["status"].get("phase") == "Running" else None)(
            kube.json("get", "pod", name)), 90, f"{name} Running")
        ips[name] = pod["status"]["podIP"]
    assert ips["pod-a"].startswith(f"10.247.{hosts.octet}."), ips
    assert ips["pod-b"].startswith(f"10.248.{hosts.octet}."), ips

    # Each kubelet routes the other node's pod CIDR through that node's InternalIP.
    wait_until(lambda: f"{hosts.cidrs[1]} via {hosts.address_b}" in ip("route", "show", "proto", "77"), 30,
               "host A's route to host B's pods")
    wait_until(lambda: f"{hosts.cidrs[0]} via {hosts.address_a}"
               in ip("-n", hosts.namespace, "route", "show", "proto", "77"), 30, "host B's route to host A's pods")

    def fetch(pod: str, target: str) -> str:
        result = kube.run("exec", pod, "--", "busybox", "wget", "-q", "-O", "-", f"http://{ips[target]}:8080/",
                          check=False)
        return result.stdout.strip()
    assert wait_until(lambda: fetch("pod-a", "pod-b") == "hello from pod-b", 30, "pod-a reaches pod-b")
    assert fetch("pod-b", "pod-a") == "hello from pod-a"
    # Host A reaches host B's pod through the route.
    host_fetch = subprocess.run(["busybox", "wget", "-q", "-O", "-", f"http://{ips['pod-b']}:8080/"],
                                capture_output=True, text=True, timeout=20)
    assert host_fetch.stdout.strip() == "hello from pod-b", host_fetch.stderr
