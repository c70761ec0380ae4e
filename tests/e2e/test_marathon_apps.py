"""Marathon apps (issue 6): the /v2 API of `mesokube dev`, served by the Marathon framework of the master,
driven by curl, requests and marathon-python (PyPI `marathon` 0.13.0).

Images come from a loopback docker-registry (e2e_support/images.py): `hello_world:latest` is busybox httpd
serving `hello from hello_world:latest` on $PORT0 (the host port Marathon gives an app on the host network),
else on 9001.
"""
import json
import queue
import subprocess
import threading
from pathlib import Path

import pytest
import requests
from marathon import MarathonClient
from marathon.exceptions import NotFoundError
from marathon.models import MarathonApp

from e2e_support.waiting import wait_until

EXAMPLES = Path(__file__).resolve().parent / "examples"


def app_state(url: str, app_id: str) -> dict:
    response = requests.get(f"{url}/v2/apps/{app_id.lstrip('/')}", timeout=5)
    response.raise_for_status()
    return response.json()["app"]


def wait_deployed(url: str, app_id: str, instances: int, seconds: float = 90) -> dict:
    """The app has no deployment left and exactly `instances` tasks, all TASK_RUNNING."""
    def done():
        app = app_state(url, app_id)
        running = [t for t in app["tasks"] if t["state"] == "TASK_RUNNING"]
        if app["deployments"] == [] and len(app["tasks"]) == instances and len(running) == instances:
            return app
        return None
    return wait_until(done, seconds, f"{app_id} deployed with {instances} running tasks")


def master_tasks(cluster, framework_name: str = "marathon") -> list:
    state = cluster.master.get_json("/state")
    for framework in state["frameworks"]:
        if framework["name"] == framework_name:
            return [t for t in framework["tasks"] if t["state"] in ("TASK_STAGING", "TASK_STARTING", "TASK_RUNNING")]
    return []


def test_the_hello_marathon_example_deploys_with_curl_and_answers_on_its_port(marathon_cluster):
    cluster, url = marathon_cluster
    port = url.rsplit(":", 1)[1]
    # The seed's command line, byte for byte but for the port.
    result = subprocess.run(
        ["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "-X", "POST", f"http://localhost:{port}/v2/apps",
         "-d", "@hello-marathon.json", "-H", "Content-type: application/json"],
        cwd=EXAMPLES, capture_output=True, text=True, timeout=60, check=True)
    body, status = result.stdout.rsplit("\n", 1)
    assert status == "201", result.stdout
    created = json.loads(body)
    assert created["id"] == "/marathon-demo-application"
    assert created["container"]["docker"]["image"] == "hello_world:latest"
    # Host networking: the port mapping is dropped and one offer port is assigned (reference §0 item 4).
    assert created["portDefinitions"][0]["name"] == "default"

    app = wait_deployed(url, "marathon-demo-application", 1, seconds=120)
    task = app["tasks"][0]
    assert task["ports"] and 31000 <= task["ports"][0] <= 31999, task
    answer = wait_until(lambda: requests.get(f"http://{task['host']}:{task['ports'][0]}/", timeout=2), 30,
                        "HTTP on the port Marathon reports")
    assert "hello from hello_world:latest" in answer.text
    assert [t["id"] for t in master_tasks(cluster)] == [task["id"]]
    assert requests.get(f"{url}/v2/deployments", timeout=5).json() == []


def test_marathon_python_creates_scales_updates_kills_and_deletes_an_app(marathon_cluster):
    cluster, url = marathon_cluster
    client = MarathonClient(url)
    assert client.ping() is not None
    info = client.get_info()
    assert info.framework_id and info.leader

    created = client.create_app("sleeper", MarathonApp(cmd="sleep 3600", cpus=0.1, mem=16, instances=2))
    assert created and created.id == "/sleeper"
    assert any(d.id for d in client.list_deployments())
    wait_deployed(url, "/sleeper", 2)
    assert [a.id for a in client.list_apps(embed_tasks=True)] == ["/sleeper"]
    app = client.get_app("sleeper", embed_tasks=True)
    assert app.tasks_running == 2 and len(app.tasks) == 2
    assert {t.app_id for t in client.list_tasks("/sleeper")} == {"/sleeper"}

    client.scale_app("sleeper", instances=3)
    wait_deployed(url, "/sleeper", 3)
    client.scale_app("sleeper", delta=-2)
    wait_deployed(url, "/sleeper", 1)
    assert len(master_tasks(cluster)) == 1

    # A configuration change restarts every task under the upgrade strategy (min 1.0 healthy: the old
    # task runs until its replacement does).
    before = client.list_tasks("/sleeper")
    client.update_app("sleeper", MarathonApp(cmd="sleep 3601", cpus=0.1, mem=16, instances=1))

    def rolled():
        tasks = client.list_tasks("/sleeper")
        running = [t for t in tasks if t.state == "TASK_RUNNING"]
        assert running, "no task running during the rolling restart"
        app = client.get_app("sleeper")
        return tasks if not app.deployments and len(tasks) == 1 and running and tasks[0].id != before[0].id else None
    after = wait_until(rolled, 90, "the rolling restart")
    assert after[0].started_at > before[0].started_at and after[0].version > before[0].version
    assert client.get_app("sleeper").cmd == "sleep 3601"

    # Killing a task without scale replaces it; with scale the app shrinks.
    client.kill_given_tasks([after[0].id])

    def replaced():
        app = app_state(url, "/sleeper")
        running = [t["id"] for t in app["tasks"] if t["state"] == "TASK_RUNNING"]
        return running if len(app["tasks"]) == 1 and running and running[0] != after[0].id else None
    replacement = wait_until(replaced, 60, "the killed task replaced")
    assert client.get_app("sleeper").instances == 1
    client.kill_task("sleeper", replacement[0], scale=True)
    wait_until(lambda: client.get_app("sleeper").instances == 0 and not client.list_tasks("/sleeper"), 60,
               "scaled to zero by the kill")

    client.delete_app("sleeper", force=True)
    wait_until(lambda: not client.list_apps(), 30, "app deleted")
    with pytest.raises(NotFoundError):
        client.get_app("sleeper")
    wait_until(lambda: not master_tasks(cluster) and not client.list_deployments(), 60, "tasks and deployments gone")


def test_a_deployment_that_cannot_finish_is_listed_and_cancelled(marathon_cluster):
    _, url = marathon_cluster
    client = MarathonClient(url)
    client.create_app("huge", MarathonApp(cmd="sleep 3600", cpus=64, mem=16, instances=1))
    deployments = wait_until(client.list_deployments, 10, "a deployment for /huge")
    assert [d.affected_apps for d in deployments] == [["/huge"]]
    # It waits in the launch queue (marathon-python parses the items: no `role` key).
    queued = client.list_queue()
    assert [(item.app.id, item.count) for item in queued] == [("/huge", 1)]
    client.reset_delay("huge")
    # Locked: a second change is refused until forced.
    locked = requests.put(f"{url}/v2/apps/huge", json={"instances": 2}, timeout=5)
    assert locked.status_code == 409 and locked.json()["deployments"] == [{"id": deployments[0].id}]
    assert client.delete_deployment(deployments[0].id, force=True) == {}
    assert client.list_deployments() == []
    client.delete_app("huge", force=True)
    wait_until(lambda: not client.list_apps(), 30, "app deleted")


def test_bad_input_gets_marathons_errors(marathon_cluster):
    _, url = marathon_cluster
    headers = {"Content-Type": "application/json"}
    invalid = requests.post(f"{url}/v2/apps", data="{\"id\": ", headers=headers, timeout=5)
    assert invalid.status_code == 400 and invalid.json()["message"] == "Invalid JSON"
    bad_id = requests.post(f"{url}/v2/apps", json={"id": "Not_Valid", "cmd": "sleep 1"}, timeout=5)
    assert bad_id.status_code == 422, bad_id.text
    assert bad_id.json()["message"] == "Object is not valid"
    assert [d["path"] for d in bad_id.json()["details"]] == ["/id"]
    unknown = requests.post(f"{url}/v2/apps", json={"id": "/u", "cmd": "sleep 1", "colour": "red"}, timeout=5)
    assert unknown.status_code == 422 and "colour" in unknown.text
    missing = requests.get(f"{url}/v2/apps/nope", timeout=5)
    assert missing.status_code == 404 and missing.json() == {"message": "App '/nope' does not exist"}
    assert requests.delete(f"{url}/v2/deployments/nope", timeout=5).status_code == 404
    assert requests.get(f"{url}/v2/pods", timeout=5).status_code == 501
    assert requests.get(f"{url}/v2/apps", timeout=5).json() == {"apps": []}


def test_marathon_python_event_stream_sees_task_and_deployment_events(marathon_cluster):
    _, url = marathon_cluster

    def listen(event_types=None) -> "queue.Queue":
        received: "queue.Queue" = queue.Queue()

        def run():
            try:
                for event in MarathonClient(url).event_stream(event_types=event_types):
                    received.put(event)
            except Exception as error:  # the stream ends when the cluster stops
                received.put(error)
        threading.Thread(target=run, daemon=True).start()
        return received

    def drain(received: "queue.Queue", into: list) -> list:
        while not received.empty():
            item = received.get()
            assert not isinstance(item, Exception), item
            into.append(item)
        return into

    everything, all_seen = listen(), []
    attached = lambda count: len([e for e in drain(everything, all_seen)  # noqa: E731
                                  if e.event_type == "event_stream_attached"]) >= count
    wait_until(lambda: attached(1), 30, "the unfiltered stream attached")
    filtered, seen = listen(["status_update_event", "deployment_success"]), []
    # Every stream hears of every attachment: the filtered one is registered once the first hears of it.
    wait_until(lambda: attached(2), 30, "the filtered stream attached")

    client = MarathonClient(url)
    assert client.create_app("evented", MarathonApp(cmd="sleep 3600", cpus=0.1, mem=16, instances=1))

    def got_both():
        drain(filtered, seen)
        running = [e for e in seen if e.event_type == "status_update_event" and e.task_status == "TASK_RUNNING"
                   and e.app_id == "/evented"]
        return running if running and any(e.event_type == "deployment_success" for e in seen) else None
    running = wait_until(got_both, 90, "status_update_event TASK_RUNNING and deployment_success")
    assert running[0].task_id.startswith("evented.instance-")
    assert {e.event_type for e in seen} == {"status_update_event", "deployment_success"}
    wait_until(lambda: any(e.event_type == "api_post_event" for e in drain(everything, all_seen)), 10,
               "api_post_event on the unfiltered stream")
    changed = wait_until(
        lambda: [e for e in drain(everything, all_seen)
                 if e.event_type == "instance_changed_event" and e.condition == "Running"] or None, 10,
        "instance_changed_event Running on the unfiltered stream")
    assert changed[0].run_spec_id == "/evented" and changed[0].instance_id == running[0].task_id
    not_sse = requests.get(f"{url}/v2/events", headers={"Accept": "application/json"}, timeout=5)
    assert not_sse.status_code == 405


def test_marathon_python_updates_several_apps_in_one_deployment(marathon_cluster):
    _, url = marathon_cluster
    client = MarathonClient(url)
    result = client.update_apps([MarathonApp(id="/pair/one", cmd="sleep 3600", cpus=0.1, mem=16, instances=1),
                                 MarathonApp(id="/pair/two", cmd="sleep 3600", cpus=0.1, mem=16, instances=2)])
    assert result["deploymentId"]
    wait_deployed(url, "/pair/one", 1)
    wait_deployed(url, "/pair/two", 2)
    assert sorted(a.id for a in client.list_apps(app_id="pair")) == ["/pair/one", "/pair/two"]
    for app_id in ("/pair/one", "/pair/two"):
        client.delete_app(app_id, force=True)
    wait_until(lambda: not client.list_apps() and not client.list_tasks(), 60, "both apps and their tasks gone")


def test_a_crashing_app_is_relaunched_with_backoff_and_reports_its_last_failure(marathon_cluster):
    cluster, url = marathon_cluster
    client = MarathonClient(url)
    client.create_app("crash", MarathonApp(cmd="echo boom; exit 3", cpus=0.1, mem=16, instances=1,
                                           backoff_seconds=1, backoff_factor=2, max_launch_delay_seconds=60))

    def failed_twice():
        state = cluster.master.get_json("/state")
        framework = next((f for f in state["frameworks"] if f["name"] == "marathon"), None)
        done = [t for t in (framework or {}).get("completed_tasks", []) if t["name"] == "crash"]
        return done if len(done) >= 2 else None
    done = wait_until(failed_twice, 90, "two failed launches of /crash")
    assert {t["state"] for t in done} == {"TASK_FAILED"}
    assert len({t["id"] for t in done}) == len(done)  # each relaunch is a new task
    app = app_state(url, "crash")
    assert app["lastTaskFailure"]["state"] == "TASK_FAILED" and app["lastTaskFailure"]["appId"] == "/crash"
    # As in Marathon without health checks, the deployment ended when the first task was running.
    client.delete_app("crash", force=True)
    wait_until(lambda: not client.list_apps(), 30, "app deleted")
