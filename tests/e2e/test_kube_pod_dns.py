"""Pod DNS and service environment variables (issue 7, the kubelet's side of service discovery): a pod's
/etc/resolv.conf follows its dnsPolicy and dnsConfig, and its containers see the Services created before
it as docker-links style variables, through the real kubectl against `mesokube dev --agents 3`."""
import yaml

from e2e_support.kube import Kubectl
from e2e_support.waiting import wait_until

SHOW = "cat /etc/resolv.conf; echo ---; cat /etc/hosts; echo ---; hostname; echo ---; env; sleep 3600"


def pod(name: str, namespace: str, **spec) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace},
            "spec": {"containers": [{"name": "show", "image": "nginx", "command": ["sh", "-c", SHOW]}], **spec}}


def service(name: str, namespace: str, port: int) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace},
            "spec": {"selector": {"app": name}, "ports": [{"name": "web", "port": port, "targetPort": 80}]}}


def logs_once_running(kube: Kubectl, name: str, namespace: str) -> str:
    def ready():
        phase = kube.json("get", "pod", name, "-n", namespace)["status"].get("phase")
        if phase != "Running":
            return None
        text = kube.out("logs", name, "-n", namespace)
        return text if "PATH=" in text else None
    return wait_until(ready, 120, f"{namespace}/{name} running with its environment printed")


def test_a_cluster_first_pod_resolves_through_kube_dns_and_sees_earlier_services(pod_cluster):
    _, kube = pod_cluster
    kube.out("create", "namespace", "shop")
    kube.out("apply", "-f", "-", input=yaml.safe_dump(service("my-db", "shop", 5432)))
    cluster_ip = kube.json("get", "service", "my-db", "-n", "shop")["spec"]["clusterIP"]
    kube.out("apply", "-f", "-", input=yaml.safe_dump(pod("show", "shop")))
    resolv, hosts, hostname, env = logs_once_running(kube, "show", "shop").split("---\n", 3)

    assert "nameserver 10.96.0.10" in resolv.splitlines(), resolv
    assert "search shop.svc.cluster.local svc.cluster.local cluster.local" in resolv, resolv
    assert "options ndots:5" in resolv.splitlines(), resolv
    pod_ip = kube.json("get", "pod", "show", "-n", "shop")["status"]["podIP"]
    assert "# Kubernetes-managed hosts file." in hosts and f"{pod_ip}\tshow" in hosts.splitlines(), hosts
    assert hostname.strip() == "show"
    variables = dict(line.split("=", 1) for line in env.splitlines() if "=" in line)
    assert variables.get("MY_DB_SERVICE_HOST") == cluster_ip, env
    assert variables.get("MY_DB_SERVICE_PORT_WEB") == "5432"
    assert variables.get("MY_DB_PORT") == f"tcp://{cluster_ip}:5432"
    kubernetes_ip = kube.json("get", "service", "kubernetes", "-n", "default")["spec"]["clusterIP"]
    assert variables.get("KUBERNETES_SERVICE_HOST") == kubernetes_ip, env

    # Names resolve through the kube-dns ClusterIP (the agent's service proxy takes it to the master's DNS
    # server), short names through the search path. busybox's nslookup tries every search domain and
    # exits 1 when any of them is NXDOMAIN, so only its output counts.
    lookup = kube.run("exec", "show", "-n", "shop", "--", "nslookup", "kubernetes.default.svc.cluster.local",
                      timeout=60)
    assert f"Address: {kubernetes_ip}" in lookup.stdout, lookup
    short = kube.run("exec", "show", "-n", "shop", "--", "nslookup", "my-db", check=False, timeout=60)
    assert "Name:\tmy-db.shop.svc.cluster.local" in short.stdout and f"Address: {cluster_ip}" in short.stdout, short

    # A Service created after the pod started is not added to it (upstream does the same).
    kube.out("apply", "-f", "-", input=yaml.safe_dump(service("late", "shop", 8080)))
    assert "LATE_SERVICE_HOST" not in kube.out("exec", "show", "-n", "shop", "--", "env")


def test_dns_policy_none_gives_exactly_the_dns_config_and_service_links_can_be_turned_off(pod_cluster):
    _, kube = pod_cluster
    kube.out("apply", "-f", "-", input=yaml.safe_dump(service("front", "default", 80)))
    manifest = pod("custom", "default", dnsPolicy="None", enableServiceLinks=False,
                   hostAliases=[{"ip": "10.1.2.3", "hostnames": ["foo.remote", "bar.remote"]}],
                   dnsConfig={"nameservers": ["192.0.2.53"], "searches": ["corp.example"],
                              "options": [{"name": "ndots", "value": "2"}, {"name": "edns0"}]})
    kube.out("apply", "-f", "-", input=yaml.safe_dump(manifest))
    resolv, hosts, _, env = logs_once_running(kube, "custom", "default").split("---\n", 3)
    assert resolv == "search corp.example\nnameserver 192.0.2.53\noptions ndots:2 edns0\n", resolv
    assert "10.1.2.3\tfoo.remote\tbar.remote" in hosts.splitlines(), hosts
    assert "KUBERNETES_SERVICE_HOST=" in env and "FRONT_SERVICE_HOST" not in env, env

    refused = kube.run("apply", "-f", "-", check=False, input=yaml.safe_dump(
        pod("bad", "default", dnsPolicy="None", dnsConfig={"nameservers": ["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"]})))
    assert refused.returncode != 0 and "must not have more than 3 nameservers" in refused.stderr, refused


def test_host_network_pods_keep_the_hosts_resolver_unless_they_ask_for_the_clusters(pod_cluster):
    _, kube = pod_cluster
    kube.out("apply", "-f", "-", input=yaml.safe_dump_all([
        pod("on-host", "default", hostNetwork=True),
        pod("on-host-cluster", "default", hostNetwork=True, dnsPolicy="ClusterFirstWithHostNet")]))
    resolv, hosts, _, _ = logs_once_running(kube, "on-host", "default").split("---\n", 3)
    assert "nameserver 10.96.0.10" not in resolv and "nameserver " in resolv, resolv
    assert hosts.startswith("# Kubernetes-managed hosts file (host network).\n"), hosts
    resolv, _, _, _ = logs_once_running(kube, "on-host-cluster", "default").split("---\n", 3)
    assert "nameserver 10.96.0.10" in resolv.splitlines(), resolv
    assert "search default.svc.cluster.local svc.cluster.local cluster.local" in resolv, resolv
