"""Service cluster IPs and node ports, allocated by the API server (issue 4), through the real kubectl."""
import ipaddress

import yaml

from e2e_support.kube import header, table_rows
from e2e_support.waiting import wait_until

SERVICE_RANGE = ipaddress.ip_network("10.96.0.0/12")


def service(name: str, type_: str = "ClusterIP", port: int = 80, **spec) -> dict:
    body = {"type": type_, "selector": {"app": name}, "ports": [{"port": port, "targetPort": 8080}]}
    body.update(spec)
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": body}


def test_kubernetes_service_points_at_the_api_server(kube):
    def ready():
        found = kube.run("get", "endpoints", "kubernetes", "-o", "json", check=False)
        return found.returncode == 0 and found.stdout
    wait_until(ready, 10, "kubernetes endpoints")
    svc = kube.json("get", "service", "kubernetes")
    assert svc["spec"]["clusterIP"] == "10.96.0.1"
    assert svc["spec"]["ports"][0]["port"] == 443
    endpoints = kube.json("get", "endpoints", "kubernetes")
    server_port = int(kube.kubeconfig.read_text().split("https://127.0.0.1:")[1].split()[0])
    assert endpoints["subsets"][0]["ports"][0]["port"] == server_port
    assert endpoints["subsets"][0]["addresses"][0]["ip"] == "127.0.0.1"


def test_cluster_ips_and_node_ports_are_allocated_and_kept(kube):
    kube.apply(service("web"))
    kube.apply(service("edge", "NodePort"))
    web = kube.json("get", "service", "web")
    ip = ipaddress.ip_address(web["spec"]["clusterIP"])
    assert ip in SERVICE_RANGE and str(ip) != "10.96.0.1"
    assert web["spec"]["clusterIPs"] == [str(ip)]
    edge = kube.json("get", "service", "edge")
    node_port = edge["spec"]["ports"][0]["nodePort"]
    assert 30000 <= node_port <= 30999  # mesokube's default --node-port-range, clear of Mesos task ports
    assert edge["spec"]["clusterIP"] != web["spec"]["clusterIP"]

    table = kube.out("get", "services")
    rows = {row[0]: dict(zip(header(table), row)) for row in table_rows(table)[1:]}
    assert rows["web"]["CLUSTER-IP"] == str(ip)
    assert rows["edge"]["PORT(S)"] == f"80:{node_port}/TCP"

    # A changed re-apply (strategic merge without the allocated fields) keeps them.
    changed = service("edge", "NodePort")
    changed["metadata"]["labels"] = {"tier": "front"}
    kube.apply(changed)
    again = kube.json("get", "service", "edge")
    assert again["spec"]["ports"][0]["nodePort"] == node_port
    assert again["spec"]["clusterIP"] == edge["spec"]["clusterIP"]

    # Back to ClusterIP: the node port is released with the type, and can be claimed by another.
    kube.out("patch", "service", "edge", "-p", '{"spec":{"type":"ClusterIP"}}')
    downgraded = kube.json("get", "service", "edge")
    assert "nodePort" not in downgraded["spec"]["ports"][0]
    assert "externalTrafficPolicy" not in downgraded["spec"]
    claim = service("claim", "NodePort")
    claim["spec"]["ports"][0]["nodePort"] = node_port
    kube.apply(claim)
    assert kube.json("get", "service", "claim")["spec"]["ports"][0]["nodePort"] == node_port


def test_requested_addresses_are_checked(kube):
    kube.apply(service("first", "NodePort", clusterIP="10.96.7.7"))
    first = kube.json("get", "service", "first")
    assert first["spec"]["clusterIP"] == "10.96.7.7"
    taken_port = first["spec"]["ports"][0]["nodePort"]

    clash = kube.run("apply", "-f", "-", check=False, input=_yaml(service("second", clusterIP="10.96.7.7")))
    assert clash.returncode != 0
    assert 'The Service "second" is invalid' in clash.stderr
    assert "failed to allocate IP 10.96.7.7: provided IP is already allocated" in clash.stderr

    outside = kube.run("apply", "-f", "-", check=False, input=_yaml(service("third", clusterIP="192.168.0.9")))
    assert "is not in the valid range. The range of valid IPs is 10.96.0.0/12" in outside.stderr

    port_clash = service("fourth", "NodePort")
    port_clash["spec"]["ports"][0]["nodePort"] = taken_port
    result = kube.run("apply", "-f", "-", check=False, input=_yaml(port_clash))
    assert "spec.ports[0].nodePort" in result.stderr and "provided port is already allocated" in result.stderr
    low = service("fifth", "NodePort")
    low["spec"]["ports"][0]["nodePort"] = 8080
    result = kube.run("apply", "-f", "-", check=False, input=_yaml(low))
    assert "The range of valid ports is 30000-30999" in result.stderr
    assert kube.run("get", "service", "second", "fourth", "fifth", check=False).returncode != 0

    # Changing an assigned cluster IP is refused; deleting the service frees it.
    moved = kube.run("patch", "service", "first", "-p", '{"spec":{"clusterIP":"10.96.7.8"}}', check=False)
    assert "field is immutable" in moved.stderr
    kube.out("delete", "service", "first")
    kube.apply(service("second", clusterIP="10.96.7.7"))
    assert kube.json("get", "service", "second")["spec"]["clusterIP"] == "10.96.7.7"


def test_headless_and_external_name_services_get_no_cluster_ip(kube):
    kube.apply(service("headless", clusterIP="None"))
    headless = kube.json("get", "service", "headless")
    assert headless["spec"]["clusterIPs"] == ["None"]
    external = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ext"},
                "spec": {"type": "ExternalName", "externalName": "example.com"}}
    kube.apply(external)
    spec = kube.json("get", "service", "ext")["spec"]
    assert "clusterIP" not in spec and "clusterIPs" not in spec
    bad = kube.run("apply", "-f", "-", check=False,
                   input=_yaml(service("nodeless", "NodePort", clusterIP="None")))
    assert "may not be set to 'None' for NodePort services" in bad.stderr


def _yaml(manifest: dict) -> str:
    return yaml.safe_dump(manifest)
