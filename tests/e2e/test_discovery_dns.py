"""Cluster DNS (issue 7): Mesos-DNS names for a pymesos task and a Marathon app's tasks, and Kubernetes names for
Services and pods, served by `mesokube dev` on --dns-port and asked with the real `dig` over UDP and TCP."""
import subprocess

import requests
import yaml

from e2e_support.waiting import wait_until


def dig(cluster, name: str, rtype: str = "A", *extra: str) -> list:
    """dig's +short answer lines, sorted (an empty list for NXDOMAIN / no data)."""
    done = subprocess.run(["dig", "@127.0.0.1", "-p", str(cluster.dns_port), name, rtype, "+short", "+time=2",
                           "+tries=2", *extra], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return sorted(line for line in done.stdout.splitlines() if line and not line.startswith(";"))


def status(cluster, name: str) -> str:
    done = subprocess.run(["dig", "@127.0.0.1", "-p", str(cluster.dns_port), name, "A", "+time=2"],
                          capture_output=True, text=True, timeout=30)
    return done.stdout.split("status: ")[1].split(",")[0] if "status: " in done.stdout else done.stdout


def test_mesos_dns_names_for_a_pymesos_task_and_a_marathon_app(pod_cluster, scheduler):
    cluster, _ = pod_cluster
    batch = scheduler(cluster, name="dns-batch")
    batch.registered_framework_id()
    batch.launch({"id": "worker-1", "name": "worker", "cmd": "sleep 600", "ports": [[31050, 31050]]})
    batch.wait_update("worker-1", "TASK_RUNNING", timeout=60)

    # A and SRV for the pymesos task, over UDP and TCP, as soon as it runs.
    assert wait_until(lambda: dig(cluster, "worker.dns-batch.mesos") or None, 10, "worker's A record") == ["127.0.0.1"]
    srv = dig(cluster, "_worker._tcp.dns-batch.mesos", "SRV", "+tcp")
    assert len(srv) == 1 and srv[0].split()[2] == "31050", srv
    assert dig(cluster, srv[0].split()[3]) == ["127.0.0.1"], "the SRV target resolves"
    assert dig(cluster, "leader.mesos") == ["127.0.0.1"]
    assert dig(cluster, "master.mesos") == ["127.0.0.1"]
    assert status(cluster, "nobody.dns-batch.mesos") == "NXDOMAIN"

    # A Marathon app /shop/web: its task names are the reversed path, web.shop -> web-shop.
    url = f"http://127.0.0.1:{cluster.marathon_port}"
    app = {"id": "/shop/web", "cmd": "sleep 600", "cpus": 0.1, "mem": 32, "instances": 2,
           "portDefinitions": [{"port": 0}]}
    requests.post(url + "/v2/apps", json=app, timeout=10).raise_for_status()

    def running_ports():
        tasks = requests.get(url + "/v2/apps/shop/web/tasks", timeout=5).json()["tasks"]
        running = [t for t in tasks if t["state"] == "TASK_RUNNING"]
        return sorted(t["ports"][0] for t in running) if len(running) == 2 else None

    ports = wait_until(running_ports, 90, "two running Marathon tasks")
    srv = wait_until(lambda: (lambda r: r if len(r) == 2 else None)(dig(cluster, "_web-shop._tcp.marathon.mesos", "SRV")),
                     10, "two SRV records for the app")
    assert sorted(int(line.split()[2]) for line in srv) == ports
    assert dig(cluster, "web-shop.marathon.mesos") == ["127.0.0.1"] * len(dig(cluster, "web-shop.marathon.mesos"))

    # Scaled to zero: the records go within a second or so.
    requests.put(url + "/v2/apps/shop/web", json={"instances": 0}, timeout=10).raise_for_status()
    wait_until(lambda: dig(cluster, "_web-shop._tcp.marathon.mesos", "SRV") == [] or None, 30, "records gone")


def test_kubernetes_names_for_services_headless_services_and_pods(pod_cluster):
    cluster, kube = pod_cluster
    container = {"name": "web", "image": "nginx", "ports": [{"name": "http", "containerPort": 80}],
                 "resources": {"requests": {"cpu": "50m"}}}
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "named"},
                  "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "named"}},
                           "template": {"metadata": {"labels": {"app": "named"}}, "spec": {"containers": [container]}}}}
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "named"},
               "spec": {"selector": {"app": "named"}, "ports": [{"name": "http", "port": 80}]}}
    headless = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "named-direct"},
                "spec": {"clusterIP": "None", "selector": {"app": "named"}, "ports": [{"name": "http", "port": 80}]}}
    kube.out("apply", "-f", "-", input=yaml.safe_dump_all([deployment, service, headless]))

    def pod_ips():
        pods = kube.json("get", "pods", "-l", "app=named")["items"]
        ips = sorted(p["status"]["podIP"] for p in pods if p["status"].get("phase") == "Running"
                     and p["status"].get("podIP"))
        return ips if len(ips) == 3 else None

    ips = wait_until(pod_ips, 120, "three running pods")
    cluster_ip = kube.json("get", "service", "named")["spec"]["clusterIP"]
    assert dig(cluster, "named.default.svc.cluster.local") == [cluster_ip]
    assert dig(cluster, "named.default.svc.cluster.local", "A", "+tcp") == [cluster_ip]
    srv = dig(cluster, "_http._tcp.named.default.svc.cluster.local", "SRV")
    assert len(srv) == 1 and srv[0].split()[2] == "80" and srv[0].split()[3] == "named.default.svc.cluster.local."
    # Headless: the ready pods' own addresses, once the endpoints list them.
    wait_until(lambda: dig(cluster, "named-direct.default.svc.cluster.local") == sorted(ips) or None, 30,
               "the headless Service answering with the pod IPs")
    # A pod's own name: a-b-c-d.<ns>.pod.cluster.local.
    first = ips[0]
    assert dig(cluster, first.replace(".", "-") + ".default.pod.cluster.local") == [first]
    # The cluster's own services.
    assert dig(cluster, "kubernetes.default.svc.cluster.local") == ["10.96.0.1"]
    assert dig(cluster, "kube-dns.kube-system.svc.cluster.local") == ["10.96.0.10"]
    assert status(cluster, "missing.default.svc.cluster.local") == "NXDOMAIN"
    # Deleted: gone within a second or so.
    kube.out("delete", "service", "named")
    wait_until(lambda: dig(cluster, "named.default.svc.cluster.local") == [] or None, 10, "the A record gone")
