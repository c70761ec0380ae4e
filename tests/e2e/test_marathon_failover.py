"""Marathon state across a master restart (issue 6): apps, versions and task records live in the master's
registry; after `kill -9` and a restart the framework fails over with its framework id and reconciles the
tasks it knows, so none is lost and none is launched twice."""
import time

import requests

from e2e_support.waiting import wait_until


def marathon_tasks(cluster) -> list:
    state = cluster.master.get_json("/state")
    for framework in state["frameworks"]:
        if framework["name"] == "marathon":
            return [t for t in framework["tasks"] if t["state"] in ("TASK_STAGING", "TASK_STARTING", "TASK_RUNNING")]
    return []


def test_a_master_restart_keeps_apps_and_neither_loses_nor_duplicates_tasks(split_cluster):
    cluster = split_cluster(agents=1)
    url = f"http://127.0.0.1:{cluster.marathon_port}"
    wait_until(lambda: requests.get(url + "/ping", timeout=2).ok, 30, "Marathon /ping")
    created = requests.post(f"{url}/v2/apps", json={"id": "/keep", "cmd": "sleep 3600", "cpus": 0.1, "mem": 16,
                                                    "instances": 2}, timeout=5)
    assert created.status_code == 201, created.text

    def deployed():
        app = requests.get(f"{url}/v2/apps/keep", timeout=5).json()["app"]
        running = sorted(t["id"] for t in app["tasks"] if t["state"] == "TASK_RUNNING")
        return running if len(running) == 2 and not app["deployments"] else None
    before = wait_until(deployed, 90, "two running tasks")

    cluster.kill_master()
    cluster.restart_master()
    wait_until(lambda: requests.get(url + "/ping", timeout=2).ok, 30, "Marathon /ping after the restart")
    cluster.wait_agents_registered()
    after = wait_until(deployed, 90, "the same two tasks running after the restart")
    assert after == before
    time.sleep(3)  # a duplicate launch would show up within a few offer cycles
    assert sorted(t["id"] for t in marathon_tasks(cluster)) == before
    assert deployed() == before
    versions = requests.get(f"{url}/v2/apps/keep/versions", timeout=5).json()["versions"]
    assert len(versions) == 1
