"""Services that route (issue 7): the agents' service proxy (iptables rules kept from the master's discovery
snapshots) sends ClusterIP and NodePort traffic to ready endpoints only, spread across them, through the real
kubectl and curl against `mesokube dev --agents 3` (the agents share this host, so agent 0 keeps the rules)."""
import subprocess
from pathlib import Path
from collections import Counter

import yaml

from e2e_support.waiting import wait_until

SERVE = ("echo $POD_NAME > /www/index.html; echo ok > /www/ready.txt; "
         "exec /bin/httpd -f -p 80 -h /www")


def spread_deployment(name: str, replicas: int = 3) -> dict:
    container = {
        "name": "web", "image": "nginx", "command": ["sh", "-c", SERVE],
        "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
        "ports": [{"name": "http", "containerPort": 80}],
        "resources": {"requests": {"cpu": "50m"}},
        "readinessProbe": {"httpGet": {"path": "/ready.txt", "port": 80}, "periodSeconds": 1, "failureThreshold": 1},
    }
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container]}}}}


def curl(url: str) -> str:
    done = subprocess.run(["curl", "-s", "-m", "3", url], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else f"curl exit {done.returncode}"


def answers(url: str, count: int) -> Counter:
    return Counter(curl(url) for _ in range(count))


def test_a_service_spreads_over_ready_pods_and_drops_an_unready_one(pod_cluster):
    _, kube = pod_cluster
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "spread"},
               "spec": {"type": "NodePort", "selector": {"app": "spread"},
                        "ports": [{"name": "http", "port": 8080, "targetPort": "http"}]}}
    sticky = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "sticky"},
              "spec": {"selector": {"app": "spread"}, "sessionAffinity": "ClientIP",
                       "ports": [{"name": "http", "port": 8080, "targetPort": "http"}]}}
    kube.out("apply", "-f", "-", input=yaml.safe_dump_all([spread_deployment("spread"), service, sticky]))

    def ready_pods():
        pods = kube.json("get", "pods", "-l", "app=spread")["items"]
        ready = [p["metadata"]["name"] for p in pods
                 if any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", []))]
        return sorted(ready) if len(ready) == 3 else None

    try:
        names = wait_until(ready_pods, 120, "three ready pods")
    except AssertionError:
        print(kube.run("describe", "pods", "-l", "app=spread", check=False).stdout)
        raise
    spec = kube.json("get", "service", "spread")["spec"]
    cluster_url = f"http://{spec['clusterIP']}:8080/"
    node_url = f"http://127.0.0.1:{spec['ports'][0]['nodePort']}/"

    # Every pod answers on the ClusterIP (60 tries at 1/3 each: missing one by chance is ~1e-10).
    seen = wait_until(lambda: (lambda c: c if set(c) == set(names) else None)(answers(cluster_url, 60)), 60,
                      "all three pods answering on the ClusterIP")
    assert sum(seen.values()) == 60, seen
    assert set(answers(node_url, 60)) == set(names), "the NodePort reaches every pod"
    # sessionAffinity ClientIP: this client keeps one pod.
    sticky_url = f"http://{kube.json('get', 'service', 'sticky')['spec']['clusterIP']}:8080/"
    pinned = answers(sticky_url, 30)
    assert len(pinned) == 1 and set(pinned) <= set(names), pinned

    # One pod turns unready: it stops getting traffic, the others keep it all.
    gone = names[0]
    kube.out("exec", gone, "--", "rm", "/www/ready.txt")
    wait_until(lambda: gone not in answers(cluster_url, 30) or None, 30, f"{gone} out of the rotation")
    after = answers(cluster_url, 60)
    assert set(after) == set(names[1:]), after
    # Ready again: back in.
    kube.out("exec", gone, "--", "sh", "-c", "echo ok > /www/ready.txt")
    wait_until(lambda: gone in answers(cluster_url, 30) or None, 30, f"{gone} back in the rotation")


def test_a_service_without_ready_endpoints_refuses_at_once(pod_cluster):
    _, kube = pod_cluster
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "nobody"},
               "spec": {"selector": {"app": "nobody"}, "ports": [{"port": 80}]}}
    kube.apply(service)
    ip = kube.json("get", "service", "nobody")["spec"]["clusterIP"]

    def refused():
        done = subprocess.run(["curl", "-s", "-m", "3", f"http://{ip}/"], capture_output=True, text=True)
        return done.returncode == 7 or None  # connection refused, not a timeout
    wait_until(refused, 30, "the ClusterIP refusing connections")


def test_the_hello_kubernetes_load_balancer_answers_on_the_address_in_its_status(pod_cluster):
    _, kube = pod_cluster
    example = Path(__file__).resolve().parent / "examples" / "hello-kubernetes.fixed.yaml"
    kube.out("apply", "-f", str(example))

    def ingress():
        status = kube.json("get", "service", "hello-world-service").get("status", {})
        return [entry["ip"] for entry in status.get("loadBalancer", {}).get("ingress", [])] or None

    addresses = wait_until(ingress, 60, "the LoadBalancer's ingress addresses")
    assert "EXTERNAL-IP" in kube.out("get", "service", "hello-world-service")
    for address in addresses:
        wait_until(lambda: "hello" in curl(f"http://{address}:9001/") or None, 120,
                   f"hello-world answering on {address}:9001")
