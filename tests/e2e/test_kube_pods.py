"""Pods as Mesos tasks (issue 5): the kube scheduler framework places them, the kubelet executor runs
them, through the real kubectl against `mesokube dev --agents 3`.

Images come from a loopback docker-registry (e2e_support/images.py): `nginx` is busybox httpd on port 80,
as the seed examples expect (tests/e2e/examples).
"""
import ipaddress
import time
from pathlib import Path

import requests

from e2e_support.kube import Kubectl, table_rows
from e2e_support.waiting import wait_until

EXAMPLES = Path(__file__).resolve().parent / "examples"


def pod_row(kube: Kubectl, name: str) -> dict:
    rows = table_rows(kube.out("get", "pod", name))
    return dict(zip(rows[0], rows[1])) if len(rows) > 1 else {}


def wait_phase(kube: Kubectl, name: str, phases, seconds: float = 60) -> dict:
    def reached():
        pod = kube.json("get", "pod", name)
        return pod if pod.get("status", {}).get("phase") in phases else None
    return wait_until(reached, seconds, f"pod {name} in {phases}")


def framework_tasks(cluster, framework_name: str = "kubernetes") -> list:
    state = cluster.master.get_json("/state")
    for framework in state["frameworks"]:
        if framework["name"] == framework_name:
            return framework["tasks"] + framework.get("completed_tasks", [])
    return []


def test_the_nginx_example_runs_and_answers_on_its_pod_ip(pod_cluster):
    dev, kube = pod_cluster
    kube.out("create", "-f", str(EXAMPLES / "nginx-pod.yaml"))

    def running():
        row = pod_row(kube, "nginx")
        return row if row.get("READY") == "1/1" and row.get("STATUS") == "Running" else None
    wait_until(running, 90, "nginx 1/1 Running")
    pod = kube.json("get", "pod", "nginx")
    ip = pod["status"]["podIP"]
    assert ip.startswith("10.244."), pod["status"]
    assert pod["spec"]["nodeName"] in [node["metadata"]["name"] for node in kube.json("get", "nodes")["items"]]
    answer = wait_until(lambda: requests.get(f"http://{ip}:80/", timeout=2), 20, "HTTP on the pod IP")
    assert "hello from nginx" in answer.text
    tasks = [t for t in framework_tasks(dev) if t["name"] == "default/nginx"]
    assert tasks and tasks[0]["state"] == "TASK_RUNNING"
    events = kube.json("get", "events", "--field-selector", "involvedObject.name=nginx")["items"]
    scheduled = [e["message"] for e in events if e["reason"] == "Scheduled"]
    assert scheduled == [f"Successfully assigned default/nginx to {pod['spec']['nodeName']}"], events
    lease = kube.json("get", "lease", "-n", "kube-node-lease", pod["spec"]["nodeName"])
    assert lease["spec"]["holderIdentity"] == pod["spec"]["nodeName"]
    node = kube.json("get", "node", pod["spec"]["nodeName"])
    assert ipaddress.ip_address(ip) in ipaddress.ip_network(node["spec"]["podCIDR"])

    kube.out("delete", "pod", "nginx")
    assert kube.run("get", "pod", "nginx", check=False).returncode != 0

    def killed():
        ended = [t for t in framework_tasks(dev) if t["name"] == "default/nginx"]
        return ended and ended[0]["state"] == "TASK_KILLED"
    wait_until(killed, 30, "the pod's task KILLED")


def test_a_pod_larger_than_every_agent_stays_pending_with_upstreams_words(pod_cluster):
    _, kube = pod_cluster
    kube.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "huge"},
                "spec": {"containers": [{"name": "c", "image": "nginx",
                                         "resources": {"requests": {"cpu": "64"}}}]}})

    def event():
        events = kube.json("get", "events", "--field-selector", "involvedObject.name=huge")["items"]
        return [e for e in events if e["reason"] == "FailedScheduling"]
    found = wait_until(event, 30, "FailedScheduling")
    assert found[0]["message"].startswith("0/3 nodes are available: 3 Insufficient cpu."), found[0]
    assert "FailedScheduling" in kube.out("describe", "pod", "huge")
    assert pod_row(kube, "huge")["STATUS"] == "Pending"


def test_env_from_configmaps_secrets_and_the_downward_api_and_volumes(pod_cluster):
    _, kube = pod_cluster
    kube.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"},
                "data": {"greeting": "hello", "colour": "blue"}})
    kube.out("create", "secret", "generic", "creds", "--from-literal=password=s3cret")
    check = " && ".join([
        'test "$GREETING" = hello', 'test "$PASSWORD" = s3cret', 'test "$POD_NAME" = checker',
        'test "$CFG_colour" = blue', 'test "$(cat /etc/settings/greeting)" = hello',
        'test "$(cat /etc/creds/password)" = s3cret', 'echo scratch > /scratch/file',
        'test "$(cat /scratch/file)" = scratch', 'test "$EXPANDED" = "name=checker"',
    ])
    manifest = {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "checker"},
        "spec": {
            "restartPolicy": "Never",
            "containers": [{
                "name": "check", "image": "nginx", "command": ["sh", "-c", check],
                "env": [
                    {"name": "GREETING", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "greeting"}}},
                    {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "password"}}},
                    {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    {"name": "EXPANDED", "value": "name=$(POD_NAME)"},
                ],
                "envFrom": [{"prefix": "CFG_", "configMapRef": {"name": "settings"}}],
                "volumeMounts": [{"name": "settings", "mountPath": "/etc/settings"},
                                 {"name": "creds", "mountPath": "/etc/creds"},
                                 {"name": "scratch", "mountPath": "/scratch"}],
            }],
            "volumes": [{"name": "settings", "configMap": {"name": "settings"}},
                        {"name": "creds", "secret": {"secretName": "creds"}},
                        {"name": "scratch", "emptyDir": {}}],
        },
    }
    kube.apply(manifest)
    pod = wait_phase(kube, "checker", {"Succeeded", "Failed"})
    terminated = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert pod["status"]["phase"] == "Succeeded", terminated
    assert terminated["exitCode"] == 0 and terminated["reason"] == "Completed"


def test_a_missing_configmap_is_a_config_error_and_a_failing_command_fails_the_pod(pod_cluster):
    dev, kube = pod_cluster
    kube.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "noconfig"},
                "spec": {"containers": [{"name": "c", "image": "nginx", "envFrom": [
                    {"configMapRef": {"name": "absent"}}]}]}})

    def waiting_reason():
        statuses = kube.json("get", "pod", "noconfig").get("status", {}).get("containerStatuses", [])
        waiting = statuses[0]["state"].get("waiting", {}) if statuses else {}
        return waiting if waiting.get("reason") == "CreateContainerConfigError" else None
    waiting = wait_until(waiting_reason, 60, "CreateContainerConfigError")
    assert 'configmap "absent" not found' in waiting["message"]

    kube.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "fails"},
                "spec": {"restartPolicy": "Never",
                         "containers": [{"name": "c", "image": "nginx", "command": ["sh", "-c", "exit 3"]}]}})
    pod = wait_phase(kube, "fails", {"Failed", "Succeeded"})
    assert pod["status"]["phase"] == "Failed"
    assert pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 3

    def task_failed():
        tasks = [t for t in framework_tasks(dev) if t["name"] == "default/fails"]
        return tasks and tasks[0]["state"] == "TASK_FAILED"
    wait_until(task_failed, 30, "the pod's task FAILED")


def container_status(kube: Kubectl, name: str) -> dict:
    statuses = kube.json("get", "pod", name).get("status", {}).get("containerStatuses", [])
    return statuses[0] if statuses else {}


def test_a_crashing_container_backs_off_and_a_failing_liveness_probe_restarts_it(pod_cluster):
    _, kube = pod_cluster
    kube.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "crasher"},
                "spec": {"containers": [{"name": "c", "image": "nginx", "command": ["sh", "-c", "exit 1"]}]}})
    kube.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "unhealthy"},
                "spec": {"containers": [{
                    "name": "web", "image": "nginx",
                    "livenessProbe": {"httpGet": {"path": "/", "port": 8081}, "periodSeconds": 1,
                                      "failureThreshold": 2}}]}})

    def backing_off():
        status = container_status(kube, "crasher")
        waiting = status.get("state", {}).get("waiting", {})
        return status if waiting.get("reason") == "CrashLoopBackOff" and status["restartCount"] >= 1 else None
    status = wait_until(backing_off, 60, "CrashLoopBackOff")
    assert status["lastState"]["terminated"]["exitCode"] == 1
    assert "back-off" in status["state"]["waiting"]["message"]
    assert "CrashLoopBackOff" in kube.out("get", "pod", "crasher")

    restarted = wait_until(lambda: container_status(kube, "unhealthy").get("restartCount", 0) >= 1 or None,
                           60, "a liveness restart")
    assert restarted
    events = kube.json("get", "events", "--field-selector", "involvedObject.name=unhealthy")["items"]
    reasons = {event["reason"] for event in events}
    assert "Unhealthy" in reasons and "Killing" in reasons, reasons
    unhealthy = [event for event in events if event["reason"] == "Unhealthy"][0]
    assert unhealthy["message"].startswith("Liveness probe failed"), unhealthy


def test_a_host_process_pod_runs_on_the_node_in_its_own_network(pod_cluster):
    _, kube = pod_cluster
    kube.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "hostproc"},
                "spec": {"runtimeClassName": "process", "restartPolicy": "Never",
                         "containers": [{"name": "c", "image": "none",
                                         "command": ["sh", "-c", 'ip -4 addr show eth0 | grep -q "inet 10.244."']}]}})
    pod = wait_phase(kube, "hostproc", {"Succeeded", "Failed"})
    assert pod["status"]["phase"] == "Succeeded", pod["status"]


def test_a_host_port_from_the_offer_reaches_the_pod(pod_cluster):
    dev, kube = pod_cluster
    kube.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "edge"},
                "spec": {"containers": [{"name": "web", "image": "nginx",
                                         "ports": [{"containerPort": 80, "hostPort": 31080}]}]}})
    wait_phase(kube, "edge", {"Running"})
    answer = wait_until(lambda: requests.get("http://127.0.0.1:31080/", timeout=2), 20, "HTTP on the host port")
    assert "hello from nginx" in answer.text
    task = [t for t in framework_tasks(dev) if t["name"] == "default/edge"][0]
    ports = [r for r in task["resources"] if r["name"] == "ports"] if isinstance(task["resources"], list) \
        else [task["resources"].get("ports")]
    assert "31080" in str(ports), task["resources"]


def test_logs_follow_tail_previous_and_exec(pod_cluster):
    _, kube = pod_cluster
    kube.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "talker"},
                "spec": {"containers": [{"name": "main", "image": "nginx", "command": [
                    "sh", "-c", "i=0; while [ $i -lt 3 ]; do echo line-$i; i=$((i+1)); done; "
                                "sleep 2; echo late; exec sleep 600"]}]}})
    wait_phase(kube, "talker", {"Running"})
    wait_until(lambda: "line-2" in kube.out("logs", "talker") or None, 20, "the first lines")
    assert kube.out("logs", "talker", "--tail=1").strip() in ("line-2", "late")
    follower = kube.popen("logs", "-f", "talker", "-c", "main")
    try:
        wait_until(lambda: "late" in kube.out("logs", "talker") or None, 20, "the late line")
        time.sleep(2)  # the follower polls the file; give it time to pass the line on
    finally:
        follower.terminate()
        followed, _ = follower.communicate(timeout=10)
    assert "line-0" in followed and "late" in followed, followed

    hi = kube.run("exec", "talker", "--", "sh", "-c", "echo hi")
    assert hi.stdout == "hi\n", hi
    failed = kube.run("exec", "talker", "--", "sh", "-c", "echo oops >&2; exit 3", check=False)
    assert failed.returncode == 3 and "oops" in failed.stderr, failed
    piped = kube.run("exec", "-i", "talker", "--", "cat", input="through stdin\n")
    assert piped.stdout == "through stdin\n", piped
    previous = kube.run("logs", "talker", "--previous", check=False)
    assert previous.returncode != 0 and "previous terminated container" in previous.stderr, previous
    missing = kube.run("exec", "talker", "-c", "nope", "--", "true", check=False)
    assert missing.returncode != 0 and "nope" in missing.stderr, missing


def free_port() -> int:
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_port_forward_reaches_the_pods_loopback_and_reports_a_closed_port(pod_cluster):
    _, kube = pod_cluster
    # A second httpd listens only on the pod's own loopback: port-forward connects inside the pod.
    kube.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "forwarded"},
                "spec": {"containers": [{"name": "web", "image": "nginx", "command": [
                    "sh", "-c", "/bin/httpd -f -p 127.0.0.1:8081 -h /www & exec /bin/httpd -f -p 80 -h /www"]}]}})
    wait_phase(kube, "forwarded", {"Running"})
    public, private, closed = free_port(), free_port(), free_port()
    forwarder = kube.popen("port-forward", "pod/forwarded", f"{public}:80", f"{private}:8081", f"{closed}:9")
    try:
        for port in (public, private):
            answer = wait_until(lambda: requests.get(f"http://127.0.0.1:{port}/", timeout=5), 30,
                                f"HTTP through port-forward on {port}")
            assert "hello from nginx" in answer.text
        # Several connections, one after another, on one forwarding session.
        for _ in range(3):
            assert requests.get(f"http://127.0.0.1:{public}/", timeout=5).status_code == 200
        try:
            requests.get(f"http://127.0.0.1:{closed}/", timeout=5)
            raise AssertionError("a port nobody listens on answered")
        except requests.exceptions.ConnectionError:
            pass
    finally:
        forwarder.terminate()
        _, errors = forwarder.communicate(timeout=10)
    assert "error forwarding port 9" in errors and "refused" in errors, errors


def test_attach_streams_the_containers_output_until_it_stops(pod_cluster):
    _, kube = pod_cluster
    kube.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "ticker"},
                "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "nginx", "command": [
                    "sh", "-c", "sleep 3; for i in 1 2 3 4 5; do echo tick-$i; sleep 1; done"]}]}})
    wait_phase(kube, "ticker", {"Running"})
    attached = kube.popen("attach", "ticker")
    try:
        output, _ = attached.communicate(timeout=60)  # ends by itself when the container stops
    finally:
        attached.kill()
    assert "tick-5" in output, output
    assert attached.returncode == 0, attached.returncode
    wait_phase(kube, "ticker", {"Succeeded"})
    finished = kube.run("attach", "ticker", check=False)
    assert finished.returncode != 0 and "completed pod" in finished.stderr, finished


def test_a_container_over_its_memory_limit_is_oom_killed(pod_cluster):
    _, kube = pod_cluster
    # dd allocates its whole block size at once: 64 MiB in a container limited to 16 MiB.
    kube.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "hungry"},
                "spec": {"restartPolicy": "Never", "containers": [{
                    "name": "main", "image": "nginx",
                    "command": ["sh", "-c", "dd if=/dev/zero of=/dev/null bs=64M count=1"],
                    "resources": {"limits": {"memory": "16Mi", "cpu": "100m"}}}]}})
    pod = wait_phase(kube, "hungry", {"Failed", "Succeeded"}, seconds=90)
    terminated = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert pod["status"]["phase"] == "Failed", pod["status"]
    assert terminated["reason"] == "OOMKilled" and terminated["exitCode"] == 137, terminated


def test_the_kubelet_grows_with_its_pods_so_a_later_large_pod_is_not_oom_killed(pod_cluster):
    # Host-process pods run in their kubelet executor's container. The agent sizes that container for
    # the executor and its first pod, then must grow it as pods arrive (Mesos' containerizer update):
    # otherwise a later pod using what it requested pushes the whole kubelet over the first size.
    _, kube = pod_cluster
    def process_pod(name, spec):
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                "spec": {"runtimeClassName": "process", **spec}}
    kube.apply(process_pod("first", {"containers": [{
        "name": "c", "image": "none", "command": ["sleep", "3600"],
        "resources": {"requests": {"memory": "16Mi", "cpu": "50m"}}}]}))
    node = wait_phase(kube, "first", {"Running"})["spec"]["nodeName"]
    # dd holds a 160 MiB block: over the first size (64 MiB executor + 16 MiB), within the grown one.
    kube.apply(process_pod("large", {
        "restartPolicy": "Never", "nodeSelector": {"kubernetes.io/hostname": node},
        "containers": [{"name": "c", "image": "none",
                        "command": ["dd", "if=/dev/zero", "of=/dev/null", "bs=160M", "count=1"],
                        "resources": {"requests": {"memory": "256Mi", "cpu": "50m"}}}]}))
    large = wait_phase(kube, "large", {"Succeeded", "Failed"}, seconds=90)
    assert large["spec"]["nodeName"] == node
    assert large["status"]["phase"] == "Succeeded", large["status"]
    assert kube.json("get", "pod", "first")["status"]["phase"] == "Running"
