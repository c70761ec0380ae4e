"""Service discovery across hosts (issue 7): `mesokube master` on this host and three `mesokube agent`s, each in a
network namespace of its own (three "hosts" on one L2 segment: a bridge here, a veth per namespace). Each agent
keeps its host's service rules (iptables, from the master's discovery snapshots) and routes to the other agents'
pod CIDRs. Checked with the real dig, curl, kubectl and pymesos:

- Mesos-DNS A/SRV records for a pymesos task and a Marathon app's tasks, Kubernetes names for a Service, a headless
  Service and pods, from the master's DNS server;
- a Service over 3 pods (one per host) spreads curl requests over all three from every host, and stops sending to
  one that turns unready; its NodePort answers on every agent's address; a LoadBalancer Service answers on every
  address in its status;
- a Marathon app's service port balances across its instances from every agent's address.

Pods run as host processes in their pod network namespaces (RuntimeClass `process`: busybox httpd), so the agents
need no registry.
"""
import random
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import requests
import yaml

from e2e_support.cluster import mesokube_binary, wait_for_startup
from e2e_support.http import MasterClient
from e2e_support.kube import Kubectl
from e2e_support.netns import argv_in_namespace, ip, process_logs, stop_hosts
from e2e_support.ports import free_port
from e2e_support.processes import ManagedProcess
from e2e_support.scheduler import SchedulerProcess
from e2e_support.waiting import wait_until

RESOURCES = "cpus:2;mem:2048;disk:4096;ports:[31000-31099]"
HOSTS = 3


class Hosts:
    """This host (the master, 172.30.N.1 on bridge `mkh<tag>`) and HOSTS namespaces `mkn<tag>-<k>` at 172.30.N.(k+2),
    each with its own pod CIDR 10.246.(3N'+k).0/24 and pod bridge."""

    def __init__(self, work_dir: Path):
        self.tag = f"{random.randrange(16 ** 4):04x}"
        self.octet = random.randrange(1, 250)
        pods = random.randrange(0, 80) * 3
        self.bridge = f"mkh{self.tag}"
        self.master_address = f"172.30.{self.octet}.1"
        self.namespaces = [f"mkn{self.tag}-{k}" for k in range(HOSTS)]
        self.addresses = [f"172.30.{self.octet}.{k + 2}" for k in range(HOSTS)]
        self.cidrs = [f"10.246.{pods + k}.0/24" for k in range(HOSTS)]
        self.pod_bridges = [f"mkp{self.tag}{k}" for k in range(HOSTS)]
        self.work_dir = work_dir
        self.processes = []

    def __enter__(self):
        ip("link", "add", self.bridge, "type", "bridge")
        ip("addr", "add", f"{self.master_address}/24", "dev", self.bridge)
        ip("link", "set", self.bridge, "up")
        for k, namespace in enumerate(self.namespaces):
            veth = f"mkv{self.tag}{k}"
            ip("netns", "add", namespace)
            ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace)
            ip("link", "set", veth, "master", self.bridge)
            ip("link", "set", veth, "up")
            ip("-n", namespace, "addr", "add", f"{self.addresses[k]}/24", "dev", "eth0")
            ip("-n", namespace, "link", "set", "eth0", "up")
            ip("-n", namespace, "link", "set", "lo", "up")
            # Every host has a default gateway; locally sent traffic to a ClusterIP needs a route to
            # exist before the proxy's OUTPUT rules rewrite its destination.
            ip("-n", namespace, "route", "add", "default", "via", self.master_address)
        # This host (where curl and dig run) reaches the pods through their agents, as a router would.
        for cidr, address in zip(self.cidrs, self.addresses):
            ip("route", "add", cidr, "via", address)
        return self

    def start(self, name: str, argv, namespace: str = None) -> ManagedProcess:
        if namespace:
            argv = argv_in_namespace(self.work_dir, namespace, name, argv)
        process = ManagedProcess(name, argv, self.work_dir / "logs" / f"{name}.log", cwd=self.work_dir).start()
        self.processes.append(process)
        return process

    def curl(self, url: str, namespace: str = None) -> str:
        argv = ["curl", "-s", "-m", "3", url]
        if namespace:
            argv = ["ip", "netns", "exec", namespace, *argv]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=20)
        return done.stdout.strip() if done.returncode == 0 else f"curl exit {done.returncode}"

    def logs(self) -> str:
        return process_logs(self.processes)

    def __exit__(self, *exc):
        stop_hosts(self.processes, self.work_dir, self.pod_bridges)
        for cidr in self.cidrs:
            ip("route", "del", cidr, check=False)
        for namespace in self.namespaces:
            ip("netns", "del", namespace, check=False)
        ip("link", "del", self.bridge, check=False)


@pytest.fixture
def cluster_on_hosts(tmp_path, request):
    """The master here, three agents in their namespaces, all agents Nodes: (hosts, master client, kubectl,
    DNS port, Marathon URL, node names)."""
    with Hosts(tmp_path) as hosts:
        mesokube = str(mesokube_binary())
        master_port, kube_port, dns_port, marathon_port = free_port(), free_port(), free_port(), free_port()
        hosts.start("master", [mesokube, "master", "--work-dir", tmp_path / "master", "--port", master_port,
                               "--ip", hosts.master_address, "--kube-port", kube_port, "--marathon-port",
                               marathon_port, "--dns-port", dns_port, "--allocation-interval", "0.2secs"])
        master = MasterClient(f"http://{hosts.master_address}:{master_port}")
        wait_for_startup(master.healthy, "master /health")
        agent_port = free_port()
        for k, namespace in enumerate(hosts.namespaces):
            hosts.start(f"agent-{k}", [
                mesokube, "agent", "--master", f"{hosts.master_address}:{master_port}", "--ip", hosts.addresses[k],
                "--port", agent_port, "--work-dir", tmp_path / f"agent-{k}", "--resources", RESOURCES,
                "--pod-cidr", hosts.cidrs[k], "--pod-bridge", hosts.pod_bridges[k],
                "--cluster-cidr", "10.246.0.0/16"], namespace=namespace)
        kubeconfig = tmp_path / "master" / "kubeconfig"
        wait_until(kubeconfig.exists, 30, "kubeconfig written")
        kube = Kubectl(kubeconfig, tmp_path / "home")
        nodes = [f"{address}-{agent_port}" for address in hosts.addresses]
        wait_until(lambda: sorted(n["metadata"]["name"] for n in kube.json("get", "nodes")["items"]) == nodes, 90,
                   "all three agents are Nodes")
        yield hosts, master, kube, dns_port, f"http://{hosts.master_address}:{marathon_port}", nodes
        call = getattr(request.node, "_e2e_report_call", None)  # set by conftest's report hook
        if call is not None and call.failed:
            print(hosts.logs())


def dig(hosts: Hosts, port: int, name: str, rtype: str = "A") -> list:
    done = subprocess.run(["dig", f"@{hosts.master_address}", "-p", str(port), name, rtype, "+short", "+time=2"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return sorted(line for line in done.stdout.splitlines() if line and not line.startswith(";"))


def web_pod(name: str, node: str) -> dict:
    script = (f"echo {name} > index.html && echo ok > ready.txt && "
              f"exec busybox httpd -f -p 8080 -h .")
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "web"}},
            "spec": {"runtimeClassName": "process", "nodeSelector": {"kubernetes.io/hostname": node},
                     "containers": [{
                         "name": "web", "image": "none", "command": ["sh", "-c", script],
                         "ports": [{"name": "http", "containerPort": 8080}],
                         "readinessProbe": {"httpGet": {"path": "/ready.txt", "port": 8080}, "periodSeconds": 1,
                                            "failureThreshold": 1}}]}}


def test_services_and_names_across_three_hosts(cluster_on_hosts):
    hosts, master, kube, dns_port, _, nodes = cluster_on_hosts
    names = [f"web-{k}" for k in range(HOSTS)]
    services = [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
         "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"name": "http", "port": 80,
                                                                              "targetPort": "http"}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-direct"},
         "spec": {"clusterIP": "None", "selector": {"app": "web"}, "ports": [{"name": "http", "port": 8080}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-lb"},
         "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"port": 8088, "targetPort": 8080}]}},
    ]
    kube.out("apply", "-f", "-", input=yaml.safe_dump_all([web_pod(n, node) for n, node in zip(names, nodes)]
                                                           + services))

    def ready_ips():
        pods = kube.json("get", "pods", "-l", "app=web")["items"]
        ready = {p["metadata"]["name"]: p["status"]["podIP"] for p in pods
                 if any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", []))}
        return ready if len(ready) == HOSTS else None
    ips = wait_until(ready_ips, 120, "three ready pods, one per host")
    assert sorted(ip.rsplit(".", 1)[0] for ip in ips.values()) == sorted(c.rsplit(".", 1)[0] for c in hosts.cidrs)

    spec = kube.json("get", "service", "web")["spec"]
    cluster_url = f"http://{spec['clusterIP']}/"
    # From every host, the ClusterIP spreads over all three pods.
    for namespace in hosts.namespaces:
        try:
            seen = wait_until(lambda: (lambda c: c if set(c) == set(names) else None)(
                Counter(hosts.curl(cluster_url, namespace) for _ in range(45))), 60,
                f"all three pods answering the ClusterIP from {namespace}")
        except AssertionError:
            print(Counter(hosts.curl(cluster_url, namespace) for _ in range(20)), ips)
            print(subprocess.run(["ip", "netns", "exec", namespace, "iptables-save", "-t", "nat"],
                                 capture_output=True, text=True).stdout)
            raise
        assert sum(seen.values()) == 45
    # The NodePort answers on every agent's address (from this host, outside the cluster).
    for address in hosts.addresses:
        url = f"http://{address}:{spec['ports'][0]['nodePort']}/"
        wait_until(lambda: set(hosts.curl(url) for _ in range(30)) == set(names) or None, 60,
                   f"the NodePort on {address} reaching all three pods")
    # The LoadBalancer's status names the agents, and each answers on the service port.
    def ingress():
        status = kube.json("get", "service", "web-lb").get("status", {})
        return sorted(e["ip"] for e in status.get("loadBalancer", {}).get("ingress", [])) or None
    assert wait_until(ingress, 60, "LoadBalancer ingress") == sorted(hosts.addresses)
    for address in hosts.addresses:
        wait_until(lambda: hosts.curl(f"http://{address}:8088/") in names or None, 30, f"the LB on {address}")

    # One pod turns unready: every host stops sending to it.
    gone = names[1]
    kube.out("exec", gone, "--", "rm", "ready.txt")
    for namespace in hosts.namespaces:
        wait_until(lambda: gone not in Counter(hosts.curl(cluster_url, namespace) for _ in range(20)) or None, 30,
                   f"{gone} out of rotation on {namespace}")
    assert set(Counter(hosts.curl(cluster_url, hosts.namespaces[0]) for _ in range(30))) == set(names) - {gone}

    # Names, from the master's DNS server.
    assert dig(hosts, dns_port, "web.default.svc.cluster.local") == [spec["clusterIP"]]
    assert dig(hosts, dns_port, "web-direct.default.svc.cluster.local") == sorted(
        ip for name, ip in ips.items() if name != gone)
    some = ips[names[0]]
    assert dig(hosts, dns_port, some.replace(".", "-") + ".default.pod.cluster.local") == [some]


def test_mesos_names_and_marathon_service_ports_across_three_hosts(cluster_on_hosts, tmp_path):
    hosts, master, _, dns_port, marathon, _ = cluster_on_hosts
    # A pymesos task: A and SRV records naming its agent's address and port.
    batch = SchedulerProcess(master.address, tmp_path / "schedulers", name="hosts-batch",
                             tag=str(tmp_path)).start()
    try:
        batch.registered_framework_id()
        batch.launch({"id": "worker-1", "name": "worker", "cmd": "sleep 600", "ports": [[31050, 31050]]})
        running = batch.wait_update("worker-1", "TASK_RUNNING", timeout=60)
        agent_ip = next(a["hostname"] for a in master.get_json("/slaves")["slaves"]
                        if a["id"] == running["agent_id"])
        wait_until(lambda: dig(hosts, dns_port, "worker.hosts-batch.mesos") == [agent_ip] or None, 10,
                   "the task's A record")
        srv = dig(hosts, dns_port, "_worker._tcp.hosts-batch.mesos", "SRV")
        assert len(srv) == 1 and srv[0].split()[2] == "31050", srv
        assert dig(hosts, dns_port, srv[0].split()[3]) == [agent_ip]
    finally:
        batch.close()

    # A Marathon app, three instances one per agent, each serving its task id on $PORT0.
    app = {"id": "/shop/front", "instances": 3, "cpus": 0.1, "mem": 32, "portDefinitions": [{"port": 0}],
           "constraints": [["hostname", "UNIQUE"]],
           # marathon-lb's labels are accepted and kept; the built-in balancer needs none of them.
           "labels": {"HAPROXY_GROUP": "external", "HAPROXY_0_VHOST": "front.example.org"},
           "cmd": "echo $MESOS_TASK_ID > index.html && exec busybox httpd -f -p $PORT0 -h ."}
    requests.post(marathon + "/v2/apps", json=app, timeout=10).raise_for_status()

    def tasks():
        found = requests.get(marathon + "/v2/apps/shop/front", timeout=5).json()["app"]
        running = [t for t in found.get("tasks", []) if t["state"] == "TASK_RUNNING"]
        return (found, running) if len(running) == 3 else None
    found, running = wait_until(tasks, 120, "three running instances")
    service_port = found["portDefinitions"][0]["port"]
    assert found["labels"] == {"HAPROXY_GROUP": "external", "HAPROXY_0_VHOST": "front.example.org"}
    task_ids = {t["id"] for t in running}
    srv = wait_until(lambda: (lambda r: r if len(r) == 3 else None)(
        dig(hosts, dns_port, "_front-shop._tcp.marathon.mesos", "SRV")), 10, "three SRV records")
    assert sorted(int(line.split()[2]) for line in srv) == sorted(t["ports"][0] for t in running)
    assert dig(hosts, dns_port, "front-shop.marathon.mesos") == sorted(hosts.addresses)
    # The service port balances across the instances on every agent's address.
    for address in hosts.addresses:
        url = f"http://{address}:{service_port}/"
        wait_until(lambda: set(hosts.curl(url) for _ in range(30)) == task_ids or None, 60,
                   f"service port {service_port} on {address} reaching all three instances")
