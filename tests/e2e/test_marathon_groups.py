"""Marathon groups (issue 6): /v2/groups of `mesokube dev`, driven by marathon-python (PyPI `marathon` 0.13.0)
and requests: create a group whose apps depend on each other, read it, scale it, dry-run an update, delete it,
and the error answers Marathon gives.
"""
import queue
import threading

import requests
from marathon import MarathonClient
from marathon.models import MarathonApp, MarathonGroup

from e2e_support.waiting import wait_until

# marathon-python 0.13 needs the `collections.Iterable` alias conftest.py sets to serialize a group's apps.


def small_app(app_id: str, **fields) -> MarathonApp:
    return MarathonApp(id=app_id, cmd="sleep 3600", cpus=0.1, mem=16, **fields)


def running(url: str, app_id: str) -> tuple:
    """(instances, running task count, deployments) of one app."""
    app = requests.get(f"{url}/v2/apps{app_id}", timeout=5).json()["app"]
    return app["instances"], len([t for t in app["tasks"] if t["state"] == "TASK_RUNNING"]), app["deployments"]


def wait_running(url: str, counts: dict, seconds: float = 120):
    def done():
        return all(running(url, app_id) == (count, count, []) for app_id, count in counts.items()) or None
    wait_until(done, seconds, f"apps running as {counts}")


def test_marathon_python_creates_reads_scales_and_deletes_a_group(marathon_cluster):
    cluster, url = marathon_cluster
    client = MarathonClient(url)
    group = MarathonGroup(id="/shop", apps=[small_app("db"), small_app("web", dependencies=["db"])])
    created = client.create_group(group)
    assert created["deploymentId"] and created["version"], created
    wait_running(url, {"/shop/db": 1, "/shop/web": 1})

    listed = client.list_groups()
    assert [g.id for g in listed] == ["/shop"]
    shop = client.get_group("shop")
    assert sorted(a.id for a in shop.apps) == ["/shop/db", "/shop/web"]
    assert [a.dependencies for a in shop.apps if a.id == "/shop/web"] == [["/shop/db"]]
    everything = requests.get(f"{url}/v2/apps/shop/*", timeout=5).json()["*"]
    assert sorted(a["id"] for a in everything) == ["/shop/db", "/shop/web"]

    # A dry run answers the plan's steps without deploying: the dependency first.
    change = {"apps": [{"id": "db", "cmd": "sleep 3601", "cpus": 0.1, "mem": 16},
                       {"id": "web", "cmd": "sleep 3601", "cpus": 0.1, "mem": 16, "dependencies": ["db"]}]}
    dry = requests.put(f"{url}/v2/groups/shop", params={"dryRun": "true"}, json=change, timeout=10)
    assert dry.status_code == 200, dry.text
    assert [[a["app"] for a in step["actions"]] for step in dry.json()["steps"]] == [["/shop/db"], ["/shop/web"]]
    assert requests.get(f"{url}/v2/apps/shop/db", timeout=5).json()["app"]["cmd"] == "sleep 3600"

    scaled = client.scale_group("shop", 2)
    assert scaled["deploymentId"], scaled
    wait_running(url, {"/shop/db": 2, "/shop/web": 2})

    deleted = client.delete_group("shop")
    assert deleted["deploymentId"], deleted

    def gone():
        apps = requests.get(f"{url}/v2/apps", timeout=5).json()["apps"]
        return not apps and requests.get(f"{url}/v2/groups/shop", timeout=5).status_code == 404
    wait_until(gone, 30, "the group and its apps deleted")

    def tasks_gone():
        state = cluster.master.get_json("/state")
        tasks = [t for f in state["frameworks"] if f["name"] == "marathon" for t in f["tasks"]
                 if t["state"] in ("TASK_STAGING", "TASK_STARTING", "TASK_RUNNING")]
        return not tasks
    wait_until(tasks_gone, 90, "the group's tasks killed")
    assert client.list_groups() == []


def test_group_errors_answer_as_marathon(marathon_cluster):
    _, url = marathon_cluster
    first = requests.post(f"{url}/v2/groups", json={"id": "/empty", "dependencies": []}, timeout=10)
    assert first.status_code == 201, first.text
    assert first.headers["Marathon-Deployment-Id"] == first.json()["deploymentId"]
    duplicate = requests.post(f"{url}/v2/groups", json={"id": "empty"}, timeout=10)
    assert duplicate.status_code == 409
    assert duplicate.json()["message"] == "Group /empty is already created. Use PUT to change this group."

    outside = requests.post(f"{url}/v2/groups", json={"id": "/group", "apps": [{"id": "/app", "cmd": "sleep 1"}]},
                            timeout=10)
    assert outside.status_code == 422
    assert outside.json()["details"] == [
        {"path": "/apps(0)/id", "errors": ["identifier /app is not child of /group. Hint: use relative paths."]}]

    cyclic = {"id": "/cycle", "apps": [{"id": "a", "cmd": "sleep 1", "dependencies": ["b"]},
                                       {"id": "b", "cmd": "sleep 1", "dependencies": ["a"]}]}
    cycle = requests.post(f"{url}/v2/groups", json=cyclic, timeout=10)
    assert cycle.status_code == 422
    assert cycle.json()["details"][0]["errors"] == ["Dependency graph has cyclic dependencies."]

    missing = requests.get(f"{url}/v2/groups/nope", timeout=5)
    assert missing.status_code == 404 and missing.json()["message"] == "Group '/nope' does not exist"
    assert requests.get(f"{url}/v2/apps/nope/*", timeout=5).status_code == 404
    assert requests.delete(f"{url}/v2/groups/nope", timeout=5).status_code == 404

    # The empty group stays (it is explicit) and is listed under the root.
    root = requests.get(f"{url}/v2/groups", timeout=5).json()
    assert [g["id"] for g in root["groups"]] == ["/empty"] and root["id"] == "/"


def test_group_changes_publish_group_change_events(marathon_cluster):
    _, url = marathon_cluster
    received: "queue.Queue" = queue.Queue()

    def run():
        try:
            types = ["event_stream_attached", "group_change_success", "group_change_failed"]
            for event in MarathonClient(url).event_stream(event_types=types):
                received.put(event)
        except Exception as error:  # the stream ends when the cluster stops
            received.put(error)
    threading.Thread(target=run, daemon=True).start()
    seen = []

    def drain():
        while not received.empty():
            item = received.get()
            assert not isinstance(item, Exception), item
            seen.append(item)
        return seen
    wait_until(lambda: any(e.event_type == "event_stream_attached" for e in drain()), 30, "the stream attached")

    assert requests.post(f"{url}/v2/groups", json={"id": "/evented"}, timeout=10).status_code == 201
    cyclic = {"id": "/evented", "apps": [{"id": "a", "cmd": "sleep 1", "dependencies": ["b"]},
                                         {"id": "b", "cmd": "sleep 1", "dependencies": ["a"]}]}
    assert requests.put(f"{url}/v2/groups/evented", json=cyclic, timeout=10).status_code == 422

    def both():
        kinds = {e.event_type: e for e in drain() if e.event_type.startswith("group_change")}
        return kinds if len(kinds) == 2 else None
    events = wait_until(both, 30, "group_change_success and group_change_failed")
    assert events["group_change_success"].group_id == "/evented" and events["group_change_success"].version
    assert events["group_change_failed"].group_id == "/evented"
    assert events["group_change_failed"].reason == "Object is not valid: Dependency graph has cyclic dependencies."


def test_explicit_groups_survive_a_master_restart(split_cluster):
    cluster = split_cluster(agents=1)
    url = f"http://127.0.0.1:{cluster.marathon_port}"
    wait_until(lambda: requests.get(url + "/ping", timeout=2).ok, 30, "Marathon /ping")
    created = requests.post(f"{url}/v2/groups", json={"id": "/kept", "dependencies": ["/elsewhere"]}, timeout=10)
    assert created.status_code == 201, created.text
    before = requests.get(f"{url}/v2/groups/kept", timeout=5).json()

    cluster.kill_master()
    cluster.restart_master()
    wait_until(lambda: requests.get(url + "/ping", timeout=2).ok, 30, "Marathon /ping after the restart")
    after = requests.get(f"{url}/v2/groups/kept", timeout=5)
    assert after.status_code == 200, after.text
    assert after.json() == before and before["dependencies"] == ["/elsewhere"] and before["apps"] == []
    assert requests.get(f"{url}/v2/groups/kept/versions", timeout=5).json() == [before["version"]]


def test_a_dependant_starts_only_once_its_dependency_is_ready(marathon_cluster):
    """Deployment steps run in order at runtime: `web` depends on `db`, whose task turns ready (its
    readiness check answers 200) six seconds after it starts; until then `web` has no task."""
    _, url = marathon_cluster
    db = {"id": "db", "cpus": 0.1, "mem": 16, "portDefinitions": [{"port": 0, "name": "http"}],
          "cmd": ("mkdir -p www && echo ok > www/index.html; (sleep 6; echo ready > www/ready) & "
                  "exec busybox httpd -f -p $PORT0 -h www"),
          "readinessChecks": [{"name": "ready", "path": "/ready", "portName": "http", "intervalSeconds": 1,
                               "timeoutSeconds": 0.5}]}
    web = {"id": "web", "cmd": "sleep 3600", "cpus": 0.1, "mem": 16, "dependencies": ["/stack/db"]}
    created = requests.post(f"{url}/v2/groups", json={"id": "/stack", "apps": [db, web]}, timeout=5)
    assert created.status_code == 201, created.text

    def db_running_not_ready():
        app = requests.get(f"{url}/v2/apps/stack/db", params={"embed": "app.readiness"}, timeout=5).json()["app"]
        results = app.get("readinessCheckResults", [])
        return results if results and not results[0]["ready"] else None
    wait_until(db_running_not_ready, 60, "db running, not ready yet")
    assert running(url, "/stack/web")[1] == 0
    assert requests.get(f"{url}/v2/apps/stack/web", timeout=5).json()["app"]["tasks"] == []
    wait_running(url, {"/stack/db": 1, "/stack/web": 1}, 90)
    db_task = requests.get(f"{url}/v2/apps/stack/db", timeout=5).json()["app"]["tasks"][0]
    web_task = requests.get(f"{url}/v2/apps/stack/web", timeout=5).json()["app"]["tasks"][0]
    assert web_task["stagedAt"] > db_task["startedAt"]
