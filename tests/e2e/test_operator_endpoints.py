"""Operator-facing endpoints: /version, /health, /metrics/snapshot, /master/state (as mesos-dns reads it),
the v1 operator API, and pymesos' operator driver."""
import re

import pytest
from pymesos import MesosOperatorMasterDriver

from e2e_support.scheduler import sleep_task

PID = re.compile(r"^[^@]+@[^:]+:\d+$")  # mesos-dns fails the whole decode when a pid does not parse


@pytest.fixture
def busy_cluster(dev_cluster, scheduler):
    """Two agents, and a framework in role "ops" with one running task: (cluster, framework_id)."""
    cluster = dev_cluster(agents=2)
    weights = cluster.master.put_weights([{"role": "ops", "weight": 2.5}])
    assert weights.status_code == 200, weights.text
    framework = scheduler(cluster, name="operator-view", role="ops",
                          init=[{"cmd": "launch", "tasks": [sleep_task("watched", cpus=0.5, mem=64)]}])
    framework_id = framework.registered_framework_id()
    framework.wait_update("watched", "TASK_RUNNING")
    return cluster, framework_id


def test_version_health_and_metrics(dev_cluster):
    cluster = dev_cluster(agents=2)
    version = cluster.master.version()["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version  # pymesos int()-parses every part
    assert tuple(int(part) for part in version.split(".")) >= (1, 0, 0)
    assert cluster.master.healthy() and all(agent.healthy() for agent in cluster.agents)
    metrics = cluster.master.get_json("/metrics/snapshot")
    assert all(isinstance(value, (int, float)) for value in metrics.values()), metrics
    assert metrics["master/slaves_active"] == 2, metrics


def test_master_state_has_what_mesos_dns_reads(busy_cluster):
    cluster, framework_id = busy_cluster
    state = cluster.master.state()
    assert PID.match(state["leader"]), state["leader"]
    assert len(state["slaves"]) == 2
    for slave in state["slaves"]:
        assert PID.match(slave["pid"]), slave["pid"]
        assert slave["id"] and slave["hostname"], slave
    slave_ids = {s["id"] for s in state["slaves"]}

    framework = next(f for f in state["frameworks"] if f["id"] == framework_id)
    assert framework["name"] == "operator-view" and framework["hostname"], framework
    assert framework["role"] == "ops", framework
    task = next(t for t in framework["tasks"] if t["id"] == "watched")
    assert task["name"] == "watched" and task["framework_id"] == framework_id, task
    assert task["slave_id"] in slave_ids, task
    assert task["state"] == "TASK_RUNNING", task
    assert task["resources"]["cpus"] == 0.5 and task["resources"]["mem"] == 64, task
    assert "TASK_RUNNING" in [s["state"] for s in task["statuses"]], task
    assert all(isinstance(s["timestamp"], (int, float)) for s in task["statuses"]), task


def test_state_summary_counts_tasks(busy_cluster):
    cluster, framework_id = busy_cluster
    summary = cluster.master.get_json("/master/state-summary")
    framework = next(f for f in summary["frameworks"] if f["id"] == framework_id)
    assert framework["TASK_RUNNING"] == 1 and framework["TASK_FAILED"] == 0, framework
    assert "tasks" not in framework, "the summary carries counts, not task lists"
    running_on = framework["slave_ids"]
    assert len(running_on) == 1, framework
    slave = next(s for s in summary["slaves"] if s["id"] == running_on[0])
    assert slave["TASK_RUNNING"] == 1 and framework_id in slave["framework_ids"], slave
    assert sum(s["TASK_RUNNING"] for s in summary["slaves"]) == 1, summary["slaves"]


def test_operator_api_calls(busy_cluster):
    cluster, framework_id = busy_cluster
    master = cluster.master
    assert master.operator("GET_HEALTH")["get_health"]["healthy"] is True

    agents = master.operator("GET_AGENTS")["get_agents"]["agents"]
    assert len(agents) == 2 and all(a["agent_info"]["id"]["value"] for a in agents), agents

    frameworks = master.operator("GET_FRAMEWORKS")["get_frameworks"]["frameworks"]
    assert framework_id in [f["framework_info"]["id"]["value"] for f in frameworks], frameworks

    tasks = master.operator("GET_TASKS")["get_tasks"]["tasks"]
    watched = [t for t in tasks if t["task_id"]["value"] == "watched"]
    assert len(watched) == 1 and watched[0]["state"] == "TASK_RUNNING", tasks
    assert watched[0]["framework_id"]["value"] == framework_id, watched

    state = master.operator("GET_STATE")["get_state"]
    assert "watched" in [t["task_id"]["value"] for t in state["get_tasks"]["tasks"]], state
    assert len(state["get_agents"]["agents"]) == 2, state
    assert framework_id in [f["framework_info"]["id"]["value"] for f in state["get_frameworks"]["frameworks"]]

    roles = {r["name"]: r for r in master.operator("GET_ROLES")["get_roles"]["roles"]}
    assert "ops" in roles and roles["ops"]["weight"] == 2.5, roles

    weights = master.operator("GET_WEIGHTS")["get_weights"]["weight_infos"]
    assert {"role": "ops", "weight": 2.5} in [{"role": w["role"], "weight": w["weight"]} for w in weights], weights


def test_operator_call_errors(dev_cluster):
    cluster = dev_cluster(agents=1)
    assert cluster.master.operator_raw({"type": "NO_SUCH_CALL"}).status_code == 400
    response = cluster.master.post("/api/v1", data=b"{oops", headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text


def test_pymesos_operator_driver(busy_cluster):
    cluster, framework_id = busy_cluster
    driver = MesosOperatorMasterDriver(cluster.master_address)  # POSTs to /api/v1/operator
    assert driver.getHealth()["get_health"]["healthy"] is True
    version = driver.getVersion()["get_version"]["version_info"]["version"]
    assert version == cluster.master.version()["version"]
    state = driver.getState()["get_state"]
    assert len(state["get_agents"]["agents"]) == 2
    assert "watched" in [t["task_id"]["value"] for t in driver.getTasks()["get_tasks"]["tasks"]]
    assert framework_id in [f["framework_info"]["id"]["value"]
                            for f in driver.getFrameworks()["get_frameworks"]["frameworks"]]
