"""kubectl's typed commands send protobuf bodies and never retry in JSON: `create deployment|service|
job|cronjob|serviceaccount`, `create job --from=cronjob/x` and `autoscale`. Each object is read back
with `kubectl get -o json` to check the decoded fields, not just that the command exited 0. `drain` is
here too: kubectl 1.37 posts its Eviction in JSON (checked with -v=8), so it is an end-to-end check of
cordon + eviction; protobuf Eviction and DeleteOptions bodies are in test_kube_python_client.py."""
import json

from e2e_support.waiting import wait_until


def test_create_deployment_service_and_autoscale(kube):
    assert "deployment.apps/web created" in kube.out(
        "create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "--port=80")
    web = kube.json("get", "deployment", "web")
    assert web["spec"]["replicas"] == 2
    assert web["spec"]["selector"] == {"matchLabels": {"app": "web"}}
    template = web["spec"]["template"]
    assert template["metadata"]["labels"] == {"app": "web"}
    container = template["spec"]["containers"][0]
    assert container["name"] == "nginx" and container["image"] == "nginx:1.27"
    assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    # Server defaults, filled in because the decoded strategy and pod spec look like kubectl's JSON.
    assert web["spec"]["strategy"]["type"] == "RollingUpdate"
    assert template["spec"]["restartPolicy"] == "Always"

    # replicas is a pointer: an explicit 0 survives the protobuf round trip.
    kube.out("create", "deployment", "idle", "--image=nginx:1.27", "--replicas=0")
    assert kube.json("get", "deployment", "idle")["spec"]["replicas"] == 0

    kube.out("create", "service", "clusterip", "web", "--tcp=8080:80")
    service = kube.json("get", "service", "web")
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["selector"] == {"app": "web"}
    assert service["spec"]["ports"] == [
        {"name": "8080-80", "port": 8080, "protocol": "TCP", "targetPort": 80}]

    kube.out("create", "service", "nodeport", "edge", "--tcp=443:https")
    edge = kube.json("get", "service", "edge")
    assert edge["spec"]["type"] == "NodePort"
    port = edge["spec"]["ports"][0]
    assert port["port"] == 443 and port["targetPort"] == "https" and port["protocol"] == "TCP"
    assert edge["spec"]["externalTrafficPolicy"] == "Cluster"

    kube.out("create", "service", "loadbalancer", "front", "--tcp=80:8080")
    front = kube.json("get", "service", "front")
    assert front["spec"]["type"] == "LoadBalancer"
    assert front["spec"]["ports"][0]["port"] == 80 and front["spec"]["ports"][0]["targetPort"] == 8080

    kube.out("create", "service", "externalname", "docs", "--external-name=docs.example.com")
    docs = kube.json("get", "service", "docs")
    assert docs["spec"]["type"] == "ExternalName" and docs["spec"]["externalName"] == "docs.example.com"

    kube.out("autoscale", "deployment", "web", "--min=2", "--max=5", "--cpu-percent=80")
    hpa = kube.json("get", "hpa.v2.autoscaling", "web")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
    assert hpa["spec"]["minReplicas"] == 2 and hpa["spec"]["maxReplicas"] == 5
    assert hpa["spec"]["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]


def test_create_job_cronjob_and_job_from_cronjob(kube):
    kube.out("create", "job", "j", "--image=busybox", "--", "echo", "hi")
    job = kube.json("get", "job", "j")
    pod = job["spec"]["template"]["spec"]
    assert pod["containers"][0]["command"] == ["echo", "hi"]
    assert pod["containers"][0]["image"] == "busybox"
    assert pod["restartPolicy"] == "Never"

    kube.out("create", "cronjob", "c", "--image=busybox", "--schedule=*/5 * * * *", "--", "echo", "hi")
    cron = kube.json("get", "cronjob", "c")
    assert cron["spec"]["schedule"] == "*/5 * * * *"
    cron_pod = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert cron_pod["containers"][0]["command"] == ["echo", "hi"]
    assert cron_pod["restartPolicy"] == "OnFailure"

    # --from copies the whole (server-defaulted) job template, then posts it in protobuf.
    kube.out("create", "job", "from-cron", "--from=cronjob/c")
    copied = kube.json("get", "job", "from-cron")
    assert copied["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
    owner = copied["metadata"]["ownerReferences"][0]
    assert owner["kind"] == "CronJob" and owner["name"] == "c" and owner["controller"] is True
    copied_pod = copied["spec"]["template"]["spec"]
    assert copied_pod["containers"][0]["command"] == ["echo", "hi"]
    assert copied_pod["containers"][0]["terminationMessagePolicy"] == "File"
    assert copied_pod["restartPolicy"] == "OnFailure"


def test_create_serviceaccount_and_unknown_kinds_are_refused(kube):
    kube.out("create", "serviceaccount", "robot")
    assert kube.json("get", "serviceaccount", "robot")["metadata"]["name"] == "robot"
    # A kind without a protobuf table still gets 415 naming the route that works.
    refused = kube.run("create", "poddisruptionbudget", "pdb", "--selector=app=web", "--min-available=1",
                       check=False)
    assert refused.returncode != 0 and "kubectl apply -f" in refused.stderr, refused.stderr


def test_drain_cordons_and_evicts(kube):
    kube.apply({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "drain-me"}})
    kube.apply({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "stranded", "labels": {"app": "stranded"}},
        "spec": {"nodeName": "drain-me",
                 "containers": [{"name": "main", "image": "busybox", "command": ["sleep", "3600"],
                                 "volumeMounts": [{"name": "scratch", "mountPath": "/scratch"}]}],
                 "volumes": [{"name": "scratch", "emptyDir": {}}]},
    })
    uid = kube.json("get", "pod", "stranded")["metadata"]["uid"]
    result = kube.run("drain", "drain-me", "--force", "--ignore-daemonsets", "--delete-emptydir-data",
                      "--grace-period=0", "--timeout=60s", timeout=90, check=False)
    assert result.returncode == 0, f"drain failed:\nstdout: {result.stdout}\nstderr: {result.stderr}"
    assert "evicted" in result.stdout + result.stderr
    assert kube.json("get", "node", "drain-me")["spec"]["unschedulable"] is True

    def evicted() -> bool:
        found = kube.run("get", "pod", "stranded", "-o", "json", "--ignore-not-found", check=False).stdout
        if not found.strip():
            return True
        pod = json.loads(found)
        return pod["metadata"]["uid"] != uid or "deletionTimestamp" in pod["metadata"]
    wait_until(evicted, 30, "the eviction reached the server")

    # The node lifecycle controller marks the cordon with upstream's taint, and lifts it on uncordon.
    def taint_keys():
        return [t["key"] for t in kube.json("get", "node", "drain-me")["spec"].get("taints", [])]
    wait_until(lambda: taint_keys() == ["node.kubernetes.io/unschedulable"], 30, "the unschedulable taint")
    kube.out("uncordon", "drain-me")
    wait_until(lambda: taint_keys() == [], 30, "the unschedulable taint lifted")


RICH_POD = {
    "serviceAccountName": "default", "nodeSelector": {"disk": "ssd"}, "restartPolicy": "OnFailure",
    "terminationGracePeriodSeconds": 0, "imagePullSecrets": [{"name": "registry"}], "priority": 0,
    "securityContext": {"runAsUser": 1000, "runAsNonRoot": True, "fsGroup": 2000, "supplementalGroups": [5, 6],
                        "sysctls": [{"name": "net.ipv4.ip_local_port_range", "value": "1024 65535"}]},
    "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "batch", "effect": "NoSchedule"},
                    {"operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 30}],
    "affinity": {
        "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a", "b"]}]}]},
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 10, "preference": {"matchExpressions": [{"key": "fast", "operator": "Exists"}]}}]},
        "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 50, "podAffinityTerm": {
            "labelSelector": {"matchLabels": {"app": "rich"}}, "topologyKey": "kubernetes.io/hostname"}}]},
    },
    "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway",
                                   "labelSelector": {"matchExpressions": [
                                       {"key": "app", "operator": "In", "values": ["rich"]}]}}],
    "initContainers": [{"name": "setup", "image": "busybox", "command": ["sh", "-c", "true"],
                        "volumeMounts": [{"name": "scratch", "mountPath": "/scratch"}]}],
    "containers": [{
        "name": "main", "image": "busybox", "command": ["sleep"], "args": ["5"], "workingDir": "/work",
        "ports": [{"name": "metrics", "containerPort": 9090, "protocol": "TCP"}],
        "env": [{"name": "PLAIN", "value": "x"},
                {"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
                {"name": "PASS", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password", "optional": True}}},
                {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "mode"}}},
                {"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}}}],
        "envFrom": [{"configMapRef": {"name": "cfg"}}, {"prefix": "S_", "secretRef": {"name": "db", "optional": False}}],
        "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "128Mi"}},
        "volumeMounts": [{"name": "scratch", "mountPath": "/scratch"},
                         {"name": "config", "mountPath": "/etc/config", "readOnly": True},
                         {"name": "all", "mountPath": "/etc/all", "subPath": "x"}],
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": "metrics", "httpHeaders": [
            {"name": "X-Probe", "value": "1"}]}, "initialDelaySeconds": 3, "periodSeconds": 7},
        "readinessProbe": {"tcpSocket": {"port": 9090}, "failureThreshold": 5},
        "startupProbe": {"exec": {"command": ["cat", "/tmp/ready"]}},
        "lifecycle": {"preStop": {"exec": {"command": ["sh", "-c", "sleep 1"]}},
                      "postStart": {"httpGet": {"path": "/started", "port": 9090}}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]},
                            "seccompProfile": {"type": "RuntimeDefault"}},
    }, {
        "name": "grpc", "image": "busybox", "livenessProbe": {"grpc": {"port": 9091}},
    }],
    "volumes": [
        {"name": "scratch", "emptyDir": {"sizeLimit": "1Gi"}},
        {"name": "host", "hostPath": {"path": "/var/log", "type": "Directory"}},
        {"name": "config", "configMap": {"name": "cfg", "items": [{"key": "mode", "path": "mode.txt"}],
                                         "defaultMode": 420}},
        {"name": "secret", "secret": {"secretName": "db", "optional": True}},
        {"name": "claim", "persistentVolumeClaim": {"claimName": "data", "readOnly": True}},
        {"name": "info", "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
        {"name": "all", "projected": {"sources": [
            {"secret": {"name": "db"}},
            {"configMap": {"name": "cfg"}},
            {"downwardAPI": {"items": [{"path": "name", "fieldRef": {"fieldPath": "metadata.name"}}]}},
            {"serviceAccountToken": {"path": "token", "expirationSeconds": 3600, "audience": "api"}}]}},
    ],
}


def differences(got, want, path=""):
    """Paths where two JSON values differ, so a failure names the field rather than dumping both."""
    if isinstance(got, dict) and isinstance(want, dict):
        return [d for key in sorted(set(got) | set(want))
                for d in differences(got.get(key), want.get(key), f"{path}.{key}")]
    if isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        return [d for index, (a, b) in enumerate(zip(got, want)) for d in differences(a, b, f"{path}[{index}]")]
    return [] if got == want else [f"{path}: {got!r} != {want!r}"]


def test_job_from_a_cronjob_with_a_rich_template(kube):
    # Applied in JSON, then copied by kubectl into a protobuf Job: the copy must equal the template.
    kube.apply({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "rich"}, "spec": {
        "schedule": "0 * * * *", "suspend": True, "jobTemplate": {
            "metadata": {"labels": {"team": "a"}},
            "spec": {"backoffLimit": 0, "parallelism": 2, "completions": 4, "activeDeadlineSeconds": 600,
                     "template": {"metadata": {"labels": {"app": "rich"}}, "spec": RICH_POD}}}}})
    kube.out("create", "job", "rich-run", "--from=cronjob/rich")
    cron = kube.json("get", "cronjob", "rich")
    job = kube.json("get", "job", "rich-run")
    assert job["metadata"]["labels"]["team"] == "a"
    assert job["spec"]["backoffLimit"] == 0 and job["spec"]["parallelism"] == 2
    assert job["spec"]["completions"] == 4 and job["spec"]["activeDeadlineSeconds"] == 600
    expected = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert differences(job["spec"]["template"]["spec"], expected) == []
    # Pointer fields set to zero survive the copy.
    assert expected["terminationGracePeriodSeconds"] == 0 and expected["priority"] == 0
    assert expected["containers"][0]["resources"]["requests"] == {"cpu": "250m", "memory": "64Mi"}
