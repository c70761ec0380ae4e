"""The real kubectl 1.37 against `mesokube dev`'s Kubernetes API server (issue 4)."""
import json
import time

import yaml

from e2e_support.kube import configmap, deployment, header, table_rows
from e2e_support.waiting import wait_until


def test_kubeconfig_uses_tls_and_a_token(kube):
    config = yaml.safe_load(kube.kubeconfig.read_text())
    cluster = config["clusters"][0]["cluster"]
    assert cluster["server"].startswith("https://127.0.0.1:")
    assert cluster["certificate-authority-data"]
    assert config["users"][0]["user"]["token"]
    assert "v1.37" in kube.out("version", "-o", "json")


def test_api_resources_and_versions(kube):
    resources = kube.out("api-resources")
    for line in ("deployments", "deploy", "apps/v1", "Deployment"):
        assert line in resources
    rows = {row[0]: row for row in table_rows(resources)[1:]}
    for name in ("pods", "services", "namespaces", "nodes", "configmaps", "secrets", "events", "replicasets",
                 "daemonsets", "statefulsets", "jobs", "cronjobs", "horizontalpodautoscalers", "leases",
                 "endpointslices", "poddisruptionbudgets", "roles", "clusterrolebindings",
                 "selfsubjectaccessreviews", "customresourcedefinitions", "persistentvolumeclaims"):
        assert name in rows, f"{name} missing from api-resources:\n{resources}"
    versions = kube.out("api-versions").split()
    for version in ("v1", "apps/v1", "batch/v1", "autoscaling/v2", "policy/v1", "rbac.authorization.k8s.io/v1",
                    "apiextensions.k8s.io/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1"):
        assert version in versions


def test_explain_reaches_nested_fields(kube):
    text = kube.out("explain", "deployment.spec.template.spec.containers")
    assert "KIND:" in text and "Deployment" in text
    assert "image" in text and "FIELDS:" in text
    ports = kube.out("explain", "deployment.spec.template.spec.containers.ports")
    assert "containerPort" in ports


def test_apply_creates_then_reapplies_with_strategic_merge(kube):
    manifest = deployment("web", image="nginx:1.27", replicas=2)
    assert "deployment.apps/web created" in kube.apply(manifest)
    created = kube.json("get", "deployment", "web")
    assert created["metadata"]["generation"] == 1
    assert "kubectl.kubernetes.io/last-applied-configuration" in created["metadata"]["annotations"]
    # Defaults upstream fills in on the server.
    assert created["spec"]["strategy"]["rollingUpdate"]["maxSurge"] == "25%"
    assert created["spec"]["template"]["spec"]["containers"][0]["ports"][0]["protocol"] == "TCP"

    manifest["spec"]["replicas"] = 3
    manifest["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    assert "deployment.apps/web configured" in kube.apply(manifest)
    changed = kube.json("get", "deployment", "web")
    assert changed["spec"]["replicas"] == 3
    assert changed["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert changed["metadata"]["generation"] == 2
    assert changed["metadata"]["uid"] == created["metadata"]["uid"]
    assert "deployment.apps/web unchanged" in kube.apply(manifest)


def test_server_side_apply_tracks_managers_and_conflicts(kube):
    manifest = deployment("ssa", replicas=1)
    assert "serverside-applied" in kube.apply(manifest, "--server-side")
    live = kube.json("get", "deployment", "ssa", "--show-managed-fields")
    managers = {entry["manager"]: entry for entry in live["metadata"]["managedFields"]}
    assert managers["kubectl"]["operation"] == "Apply"

    kube.out("scale", "deployment", "ssa", "--replicas=4")
    manifest["spec"]["replicas"] = 2
    conflict = kube.run("apply", "--server-side", "-f", "-", input=yaml.safe_dump(manifest), check=False)
    assert conflict.returncode != 0
    assert "conflict" in conflict.stderr.lower() and ".spec.replicas" in conflict.stderr
    kube.out("apply", "--server-side", "--force-conflicts", "-f", "-", input=yaml.safe_dump(manifest))
    assert kube.json("get", "deployment", "ssa")["spec"]["replicas"] == 2


def test_get_in_every_output_format(kube):
    kube.apply(deployment("shop", replicas=3))
    default = kube.out("get", "deployments")
    assert list(header(default)) == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert table_rows(default)[1][:2] == ["shop", "0/3"]
    wide = kube.out("get", "deployments", "-o", "wide")
    assert header(wide)[-3:] == ["CONTAINERS", "IMAGES", "SELECTOR"]
    assert "app=shop" in wide
    as_yaml = yaml.safe_load(kube.out("get", "deployment", "shop", "-o", "yaml"))
    assert as_yaml["kind"] == "Deployment" and as_yaml["spec"]["replicas"] == 3
    assert kube.out("get", "deployment", "shop", "-o", "jsonpath={.spec.template.spec.containers[0].image}") == "nginx:1.27"
    namespaces = kube.out("get", "namespaces")
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= {row[0] for row in table_rows(namespaces)}
    assert "Active" in namespaces


def test_get_watch_streams_events(kube):
    watcher = kube.popen("get", "configmaps", "-w", "--output-watch-events")
    try:
        time.sleep(2)
        kube.apply(configmap("watched", {"a": "1"}))
        kube.out("label", "configmap", "watched", "color=blue")
        lines = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any("MODIFIED" in line for line in lines):
            line = watcher.stdout.readline()
            if line:
                lines.append(line)
        assert any("ADDED" in line and "watched" in line for line in lines), lines
        assert any("MODIFIED" in line and "watched" in line for line in lines), lines
    finally:
        watcher.kill()
        watcher.wait()


def test_describe(kube):
    kube.apply(configmap("described", {"key": "value"}))
    text = kube.out("describe", "configmap", "described")
    assert "Name:" in text and "described" in text and "key" in text
    kube.apply(deployment("desc"))
    text = kube.out("describe", "deployment", "desc")
    assert "Replicas:" in text and "RollingUpdate" in text and "80/TCP" in text


def test_patch_of_all_three_types(kube):
    kube.apply(deployment("patched", replicas=1))
    kube.out("patch", "deployment", "patched", "--type=strategic",
             "-p", json.dumps({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:2"}]}}}}))
    live = kube.json("get", "deployment", "patched")
    assert [c["image"] for c in live["spec"]["template"]["spec"]["containers"]] == ["nginx:2"]
    kube.out("patch", "deployment", "patched", "--type=merge", "-p", json.dumps({"spec": {"replicas": 5}}))
    assert kube.json("get", "deployment", "patched")["spec"]["replicas"] == 5
    kube.out("patch", "deployment", "patched", "--type=json",
             "-p", json.dumps([{"op": "replace", "path": "/spec/replicas", "value": 6},
                               {"op": "add", "path": "/metadata/labels", "value": {"tier": "front"}}]))
    live = kube.json("get", "deployment", "patched")
    assert live["spec"]["replicas"] == 6 and live["metadata"]["labels"]["tier"] == "front"
    bad = kube.run("patch", "deployment", "patched", "--type=json",
                   "-p", json.dumps([{"op": "test", "path": "/spec/replicas", "value": 99}]), check=False)
    assert bad.returncode != 0


def test_label_and_annotate(kube):
    kube.apply(configmap("tagged", {"a": "b"}))
    kube.out("label", "configmap", "tagged", "env=prod")
    kube.out("annotate", "configmap", "tagged", "owner=team-a")
    live = kube.json("get", "configmap", "tagged")
    assert live["metadata"]["labels"]["env"] == "prod"
    assert live["metadata"]["annotations"]["owner"] == "team-a"
    assert "tagged" in kube.out("get", "configmaps", "-l", "env=prod")
    assert "tagged" not in kube.out("get", "configmaps", "-l", "env!=prod")
    kube.out("label", "configmap", "tagged", "env-")
    assert "env" not in kube.json("get", "configmap", "tagged")["metadata"].get("labels", {})


def owned_chain(kube, suffix: str):
    """A configmap owning a secret owning a configmap: dependents through ownerReferences."""
    kube.apply(configmap(f"owner-{suffix}", {"x": "1"}))
    owner = kube.json("get", "configmap", f"owner-{suffix}")
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": owner["metadata"]["name"],
           "uid": owner["metadata"]["uid"], "blockOwnerDeletion": True, "controller": True}
    child = configmap(f"child-{suffix}", {"y": "2"})
    child["metadata"]["ownerReferences"] = [ref]
    kube.apply(child)
    child_live = kube.json("get", "configmap", f"child-{suffix}")
    grandchild = configmap(f"grandchild-{suffix}", {"z": "3"})
    grandchild["metadata"]["ownerReferences"] = [{
        "apiVersion": "v1", "kind": "ConfigMap", "name": child_live["metadata"]["name"],
        "uid": child_live["metadata"]["uid"], "blockOwnerDeletion": True}]
    kube.apply(grandchild)


def exists(kube, kind: str, name: str) -> bool:
    return kube.run("get", kind, name, check=False).returncode == 0


def test_delete_propagation_background_foreground_orphan(kube):
    owned_chain(kube, "bg")
    kube.out("delete", "configmap", "owner-bg")
    wait_until(lambda: not exists(kube, "configmap", "child-bg") and not exists(kube, "configmap", "grandchild-bg"),
               30, "background deletion collects dependents")

    owned_chain(kube, "fg")
    kube.out("delete", "configmap", "owner-fg", "--cascade=foreground", "--timeout=60s")
    assert not exists(kube, "configmap", "owner-fg")
    assert not exists(kube, "configmap", "child-fg") and not exists(kube, "configmap", "grandchild-fg")

    owned_chain(kube, "or")
    kube.out("delete", "configmap", "owner-or", "--cascade=orphan")
    wait_until(lambda: not exists(kube, "configmap", "owner-or"), 30, "orphaning owner deleted")
    child = kube.json("get", "configmap", "child-or")
    assert not child["metadata"].get("ownerReferences")
    assert exists(kube, "configmap", "grandchild-or")


def test_namespace_deletion_removes_contents(kube):
    kube.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "scratch"}})
    kube.apply(configmap("inside", {"a": "1"}, namespace="scratch"))
    kube.out("delete", "namespace", "scratch", "--timeout=60s")
    assert not exists(kube, "namespace", "scratch")
    refused = kube.run("apply", "-f", "-", input=yaml.safe_dump(configmap("late", {"a": "1"}, namespace="gone")),
                       check=False)
    assert refused.returncode != 0 and "not found" in refused.stderr


def test_typed_create_commands(kube):
    # kubectl's typed create commands send protobuf bodies: Namespace, ConfigMap and Secret are read
    # (docs/kubernetes-compat.md; the workload kinds are in test_kube_typed_create.py); kinds without a
    # protobuf table get 415 naming the route that works.
    kube.out("create", "namespace", "typed")
    kube.out("create", "configmap", "typed", "--from-literal=a=b", "-n", "typed")
    kube.out("create", "secret", "generic", "typed", "--from-literal=password=s3cret", "-n", "typed")
    assert kube.json("get", "configmap", "typed", "-n", "typed")["data"] == {"a": "b"}
    secret = kube.json("get", "secret", "typed", "-n", "typed")
    assert secret["type"] == "Opaque" and secret["data"] == {"password": "czNjcmV0"}
    assert kube.json("get", "namespace", "typed")["metadata"]["labels"]["kubernetes.io/metadata.name"] == "typed"
    refused = kube.run("create", "poddisruptionbudget", "typed", "--selector=app=typed", "--min-available=1",
                       check=False)
    assert refused.returncode != 0 and "kubectl apply -f" in refused.stderr, refused.stderr
    generated = kube.out("create", "poddisruptionbudget", "typed", "--selector=app=typed", "--min-available=1",
                         "--dry-run=client", "-o", "yaml")
    kube.out("apply", "-f", "-", input=generated)
    assert kube.json("get", "poddisruptionbudget", "typed")["spec"]["minAvailable"] == 1


def test_wait_for_jsonpath(kube):
    kube.apply(configmap("gate", {"ready": "no"}))
    waiter = kube.popen("wait", "--for=jsonpath={.data.ready}=yes", "configmap/gate", "--timeout=60s")
    time.sleep(2)
    kube.out("patch", "configmap", "gate", "--type=merge", "-p", json.dumps({"data": {"ready": "yes"}}))
    stdout, stderr = waiter.communicate(timeout=60)
    assert waiter.returncode == 0, stderr
    assert "condition met" in stdout


def test_auth_can_i(kube):
    assert kube.out("auth", "can-i", "create", "deployments").strip() == "yes"
    assert kube.out("auth", "can-i", "list", "pods", "-n", "kube-system").strip() == "yes"


CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "crontabs.stable.example.com"},
    "spec": {
        "group": "stable.example.com", "scope": "Namespaced",
        "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab", "shortNames": ["ct"]},
        "versions": [{
            "name": "v1", "served": True, "storage": True,
            "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {
                "type": "object", "required": ["cronSpec"],
                "properties": {"cronSpec": {"type": "string"}, "replicas": {"type": "integer", "minimum": 1}}}}}},
            "additionalPrinterColumns": [
                {"name": "Spec", "type": "string", "jsonPath": ".spec.cronSpec"},
                {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"}],
        }],
    },
}


def test_custom_resource_definitions_serve_custom_objects(kube):
    assert "created" in kube.apply(CRD)
    kube.out("wait", "--for=condition=Established", "crd/crontabs.stable.example.com", "--timeout=30s")
    wait_until(lambda: "crontabs" in kube.out("api-resources", "--api-group=stable.example.com"), 30,
               "crontabs in discovery")
    tab = {"apiVersion": "stable.example.com/v1", "kind": "CronTab", "metadata": {"name": "nightly"},
           "spec": {"cronSpec": "0 3 * * *", "replicas": 2}}
    assert "crontab.stable.example.com/nightly created" in kube.apply(tab)
    listed = kube.out("get", "crontabs")
    # With additionalPrinterColumns the table has exactly NAME and those columns, as upstream.
    assert header(listed) == ["NAME", "SPEC", "REPLICAS"]
    assert "nightly" in listed and "0 3 * * *" in listed
    assert kube.json("get", "ct", "nightly")["spec"]["replicas"] == 2
    bad = dict(tab, metadata={"name": "broken"}, spec={"replicas": 0})
    result = kube.run("apply", "-f", "-", input=yaml.safe_dump(bad), check=False)
    assert result.returncode != 0 and "cronSpec" in result.stderr and "replicas" in result.stderr
    kube.out("delete", "crd", "crontabs.stable.example.com", "--timeout=60s")
    wait_until(lambda: kube.run("get", "crontabs", check=False).returncode != 0, 30, "crontabs no longer served")


def test_server_dry_run_and_refused_manifests(kube):
    out = kube.apply(configmap("dry", {"k": "v"}), "--dry-run=server")
    assert "configmap/dry created (server dry run)" in out
    assert kube.run("get", "configmap", "dry", check=False).returncode != 0

    bad = deployment("bad", replicas=-1)
    result = kube.run("apply", "-f", "-", check=False, input=yaml.safe_dump(bad))
    assert result.returncode != 0
    assert 'The Deployment "bad" is invalid' in result.stderr and "spec.replicas" in result.stderr

    unknown = {"apiVersion": "example.com/v1", "kind": "Gizmo", "metadata": {"name": "g"}}
    result = kube.run("apply", "-f", "-", check=False, input=yaml.safe_dump(unknown))
    assert result.returncode != 0 and 'no matches for kind "Gizmo" in version "example.com/v1"' in result.stderr

    result = kube.run("apply", "-f", "-", check=False, input="kind: [broken\n")
    assert result.returncode != 0

    # kubectl delete -l lists, then deletes what matched.
    for name, tier in (("a", "front"), ("b", "front"), ("c", "back")):
        cm = configmap(name, {"k": "v"})
        cm["metadata"]["labels"] = {"tier": tier}
        kube.apply(cm)
    kube.out("delete", "configmap", "-l", "tier=front")
    names = kube.out("get", "configmaps", "-o", "name").split()
    assert "configmap/c" in names and "configmap/a" not in names and "configmap/b" not in names
