"""Pods on agents of different hosts reach each other (issue 5, pod network).

A second "host" is a network namespace joined to this one by a veth pair, as two machines on one L2
segment are: `mesokube master` and agent A run here, agent B inside the namespace (`ip netns exec`), each
agent with its own pod CIDR and bridge. The kubelets install routes to each other's pod CIDR through the
other node's InternalIP (`ip route … proto 77`), so pods talk across hosts on their pod IPs, and each host
reaches the other's pods. Pods run as host processes (RuntimeClass `process`: busybox httpd) in their pod
network namespaces, so agent B needs no registry. Real kubectl 1.37.
"""
import subprocess

from e2e_support.cluster import mesokube_binary, wait_for_startup
from e2e_support.http import MasterClient
from e2e_support.kube import Kubectl
from e2e_support.netns import ip
from e2e_support.ports import free_port
from e2e_support.waiting import wait_until

RESOURCES = "cpus:2;mem:2048;disk:4096;ports:[31000-31099]"


def httpd_pod(name: str, node: str) -> dict:
    script = f"echo hello from {name} > index.html && exec busybox httpd -f -p 8080 -h ."
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"runtimeClassName": "process", "nodeSelector": {"kubernetes.io/hostname": node},
                     "containers": [{"name": "web", "image": "none", "command": ["sh", "-c", script]}]}}


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
