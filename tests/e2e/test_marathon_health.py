"""Marathon health and readiness checks (issue 6), driven by marathon-python 0.13 and requests against
`mesokube dev`: HTTP checks probed by the Marathon framework, COMMAND checks run next to the task by the
agent, unhealthy tasks killed and replaced, and deployments that wait for readiness before they stop an
old task (upgradeStrategy minimumHealthCapacity 1)."""
import json
import threading
import time

import requests
from marathon import MarathonClient
from marathon.models import MarathonApp, MarathonHealthCheck

from e2e_support.waiting import wait_until

# busybox httpd on the task's host port, serving index.html (and `ready` once `READY_AFTER` seconds passed).
HTTPD = ("mkdir -p www && echo ok > www/index.html; "
         "(sleep ${READY_AFTER:-0}; echo ready > www/ready) & exec busybox httpd -f -p $PORT0 -h www")


def app_json(url: str, app_id: str, embed: str = "") -> dict:
    response = requests.get(f"{url}/v2/apps/{app_id.lstrip('/')}{embed}", timeout=5)
    response.raise_for_status()
    return response.json()["app"]


def test_http_and_command_checks_report_health_to_marathon_python(marathon_cluster):
    cluster, url = marathon_cluster
    client = MarathonClient(url)
    http_check = MarathonHealthCheck(protocol="HTTP", path="/", port_index=0, grace_period_seconds=30,
                                     interval_seconds=1, timeout_seconds=2, max_consecutive_failures=3)
    client.create_app("web", MarathonApp(cmd=HTTPD, cpus=0.1, mem=32, instances=2, health_checks=[http_check]))
    command_check = {"protocol": "COMMAND", "command": {"value": "test -f www/index.html"},
                     "gracePeriodSeconds": 30, "intervalSeconds": 1, "timeoutSeconds": 2, "delaySeconds": 0,
                     "maxConsecutiveFailures": 3}
    created = requests.post(f"{url}/v2/apps", json={"id": "/cmd-checked", "cmd": HTTPD, "cpus": 0.1, "mem": 32,
                                                    "healthChecks": [command_check]}, timeout=5)
    assert created.status_code == 201, created.text

    def healthy(app_id: str, instances: int):
        app = client.get_app(app_id)
        results = [r for t in app.tasks for r in t.health_check_results]
        done = app.tasks_healthy == instances and len(results) == instances and all(r.alive for r in results)
        return app if done and not app.deployments else None
    web = wait_until(lambda: healthy("web", 2), 90, "both web tasks healthy")
    result = web.tasks[0].health_check_results[0]
    assert result.consecutive_failures == 0 and result.first_success is not None
    assert result.instance_id == web.tasks[0].id
    assert web.tasks_unhealthy == 0
    mesos_http = {"protocol": "MESOS_HTTP", "path": "/index.html", "portIndex": 0, "gracePeriodSeconds": 30,
                  "intervalSeconds": 1, "timeoutSeconds": 2, "delaySeconds": 0, "maxConsecutiveFailures": 3}
    created = requests.post(f"{url}/v2/apps", json={"id": "/mesos-http", "cmd": HTTPD, "cpus": 0.1, "mem": 32,
                                                    "healthChecks": [mesos_http]}, timeout=5)
    assert created.status_code == 201, created.text
    wait_until(lambda: healthy("cmd-checked", 1), 90, "the COMMAND-checked task healthy (reported by the agent)")
    wait_until(lambda: healthy("mesos-http", 1), 90, "the MESOS_HTTP-checked task healthy (reported by the agent)")
    # The agent runs COMMAND checks: the master's task carries the Mesos health check and its verdict.
    state = cluster.master.get_json("/state")
    marathon = next(f for f in state["frameworks"] if f["name"] == "marathon")
    checked = [t for t in marathon["tasks"] if t["name"].startswith("cmd-checked")]
    assert checked and checked[0]["statuses"][-1].get("healthy") is True


def test_a_task_failing_its_check_is_killed_and_replaced(marathon_cluster):
    _, url = marathon_cluster
    events = []

    def listen():
        with requests.get(f"{url}/v2/events", params={"event_type": ["unhealthy_instance_kill_event",
                                                                    "health_status_changed_event"]},
                          headers={"Accept": "text/event-stream"}, stream=True, timeout=120) as stream:
            for line in stream.iter_lines(decode_unicode=True):
                if line and line.startswith("data:"):
                    events.append(json.loads(line[5:]))
                    if any(e["eventType"] == "unhealthy_instance_kill_event" for e in events):
                        return
    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    time.sleep(0.5)
    # Healthy for ten seconds, then index.html disappears and the check answers 404.
    cmd = ("mkdir -p www && echo ok > www/index.html; (sleep 10; rm www/index.html) & "
           "exec busybox httpd -f -p $PORT0 -h www")
    created = requests.post(f"{url}/v2/apps", json={
        "id": "/flaky", "cmd": cmd, "cpus": 0.1, "mem": 32,
        "healthChecks": [{"protocol": "HTTP", "path": "/index.html", "portIndex": 0, "gracePeriodSeconds": 0,
                          "intervalSeconds": 1, "timeoutSeconds": 1, "maxConsecutiveFailures": 2}]}, timeout=5)
    assert created.status_code == 201, created.text
    first = wait_until(lambda: next((t["id"] for t in app_json(url, "flaky")["tasks"]
                                     if t["state"] == "TASK_RUNNING"), None), 60, "the first task running")
    wait_until(lambda: any(e["eventType"] == "unhealthy_instance_kill_event" for e in events), 90,
               "an unhealthy_instance_kill_event")
    kill = next(e for e in events if e["eventType"] == "unhealthy_instance_kill_event")
    assert kill["taskId"] == first and kill["appId"] == "/flaky"
    assert kill["reason"] == "2 consecutive health check failures"
    changes = [e for e in events if e["eventType"] == "health_status_changed_event" and e["taskId"] == first]
    assert [e["alive"] for e in changes][:2] == [True, False]
    wait_until(lambda: any(t["id"] != first and t["state"] == "TASK_RUNNING"
                           for t in app_json(url, "flaky")["tasks"]), 60, "a replacement task running")
    listener.join(timeout=5)
    metrics = requests.get(f"{url}/metrics", timeout=5).json()
    assert metrics["counters"]["marathon.health-checks.unhealthy-kills.counter"]["count"] >= 1
    assert metrics["gauges"]["marathon.apps.active.gauge"]["value"] == 1
    assert "marathon_instances_running_gauge" in requests.get(f"{url}/metrics/prometheus", timeout=5).text


def test_a_rolling_restart_waits_for_readiness_before_stopping_the_old_task(marathon_cluster):
    _, url = marathon_cluster
    definition = {
        "id": "/ready-app", "cmd": HTTPD, "cpus": 0.1, "mem": 32, "instances": 1,
        "env": {"READY_AFTER": "6"},
        "portDefinitions": [{"port": 0, "name": "http"}],
        "readinessChecks": [{"name": "ready", "protocol": "HTTP", "path": "/ready", "portName": "http",
                             "intervalSeconds": 1, "timeoutSeconds": 0.5, "httpStatusCodesForReady": [200]}],
        "upgradeStrategy": {"minimumHealthCapacity": 1, "maximumOverCapacity": 0},
    }
    assert requests.post(f"{url}/v2/apps", json=definition, timeout=5).status_code == 201

    def deployed():
        app = app_json(url, "ready-app")
        running = [t for t in app["tasks"] if t["state"] == "TASK_RUNNING"]
        return running[0]["id"] if not app["deployments"] and len(app["tasks"]) == 1 and running else None
    old = wait_until(deployed, 90, "the first version deployed and ready")

    restarted = requests.post(f"{url}/v2/apps/ready-app/restart", timeout=5)
    assert restarted.status_code == 200, restarted.text
    deployment_id = restarted.json()["deploymentId"]

    def waiting_for_readiness():
        listed = requests.get(f"{url}/v2/deployments", timeout=5).json()
        mine = next((d for d in listed if d["id"] == deployment_id), None)
        results = [r for a in (mine or {}).get("currentActions", []) for r in a["readinessCheckResults"]]
        return results if any(r["taskId"] != old and not r["ready"] for r in results) else None
    results = wait_until(waiting_for_readiness, 60, "the new task running but not ready yet")
    assert all(r["name"] == "ready" for r in results)
    # Not ready yet: the old task must still run (minimumHealthCapacity 1).
    tasks = app_json(url, "ready-app")["tasks"]
    assert any(t["id"] == old and t["state"] == "TASK_RUNNING" for t in tasks), tasks
    new = wait_until(deployed, 90, "the restart finished once the new task was ready")
    assert new != old
