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


def test_unreachable_strategy_replaces_or_waits_for_tasks_of_a_lost_agent(split_cluster):
    """The Marathon framework is partition-aware: tasks of an agent that stays away arrive as
    TASK_UNREACHABLE. With the default strategy (0 s inactive, 0 s expunge) the instance is replaced on
    another agent and the unreachable one forgotten; with `"disabled"` Marathon waits for the agent."""
    cluster = split_cluster(agents=2, per_agent_args=lambda i: ["--hostname", f"node-{i}"],
                            master_args=["--agent-reregister-timeout", "2secs"])
    url = f"http://127.0.0.1:{cluster.marathon_port}"
    wait_until(lambda: requests.get(url + "/ping", timeout=2).ok, 30, "Marathon /ping")

    def tasks(app_id: str) -> list:
        return requests.get(f"{url}/v2/apps/{app_id}", timeout=5).json()["app"]["tasks"]
    app = {"cmd": "sleep 3600", "cpus": 0.1, "mem": 16, "instances": 1}
    assert requests.post(f"{url}/v2/apps", json={"id": "/moves", **app}, timeout=5).status_code == 201
    first = wait_until(lambda: next((t for t in tasks("moves") if t["state"] == "TASK_RUNNING"), None), 60,
                       "the first task running")
    lost_host = first["host"]
    pinned = {"id": "/waits", **app, "constraints": [["hostname", "CLUSTER", lost_host]],
              "unreachableStrategy": "disabled"}
    assert requests.post(f"{url}/v2/apps", json=pinned, timeout=5).status_code == 201
    waiting = wait_until(lambda: next((t for t in tasks("waits") if t["state"] == "TASK_RUNNING"), None), 60,
                         "the pinned task running")

    cluster.stop_agent(int(lost_host.split("-")[1]), kill=True)
    replacement = wait_until(
        lambda: (lambda ts: ts if len(ts) == 1 and ts[0]["state"] == "TASK_RUNNING" and ts[0]["id"] != first["id"]
                 else None)(tasks("moves")), 60, "the instance replaced on the other agent, the lost one forgotten")
    assert replacement[0]["host"] != lost_host
    kept = wait_until(lambda: (lambda ts: ts if ts and ts[0]["state"] == "TASK_UNREACHABLE" else None)(tasks("waits")),
                      30, "the pinned task reported unreachable")
    assert [t["id"] for t in kept] == [waiting["id"]]
    time.sleep(3)  # a replacement would launch (and fail its constraint) within a few offer cycles
    assert [t["id"] for t in tasks("waits")] == [waiting["id"]]
    queue = requests.get(f"{url}/v2/queue", timeout=5).json()["queue"]
    assert not any(item["app"]["id"] == "/waits" for item in queue)
