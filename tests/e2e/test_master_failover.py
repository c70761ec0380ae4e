"""kill -9 of the master and a restart on the same work dir, with separate agent processes (issue item 5)."""
import pytest

from e2e_support.processes import TAG_VARIABLE, task_process_roots
from e2e_support.scheduler import shell_task
from e2e_support.waiting import wait_until

AGENT_CPUS, AGENT_MEM = 2.0, 1024.0
AGENT_RESOURCES = f"cpus:{AGENT_CPUS:g};mem:{AGENT_MEM:g};disk:1024;ports:[31000-31099]"


def full_offer_agents(framework, since: int) -> set:
    """Agents that offered all their cpus and mem in one offer after event index `since`."""
    return {e["agent_id"] for e in framework.select("offer", since=since)
            if abs(e["resources"].get("cpus", 0) - AGENT_CPUS) < 1e-6
            and abs(e["resources"].get("mem", 0) - AGENT_MEM) < 1e-6}


@pytest.mark.timeout(420)
def test_master_kill_and_restart_keeps_the_running_task(split_cluster, scheduler, tmp_path):
    cluster = split_cluster(agents=2, resources=AGENT_RESOURCES)
    release = tmp_path / "release-survivor"  # the task runs until the test creates this file
    task = shell_task("survivor", f'while [ ! -e "{release}" ]; do sleep 0.2; done; echo released',
                      cpus=0.5, mem=64)
    framework = scheduler(cluster, name="survivor", failover_timeout=300, refuse_seconds=1,
                          init=[{"cmd": "launch", "tasks": [task]}])
    framework_id = framework.registered_framework_id()
    agent_id = framework.wait_update("survivor", "TASK_RUNNING")["agent_id"]
    task_processes = task_process_roots(TAG_VARIABLE, str(cluster.work_dir))
    assert len(task_processes) == 1, task_processes

    mark = framework.mark()
    cluster.kill_master()
    framework.wait_for("disconnected", since=mark)
    assert task_process_roots(TAG_VARIABLE, str(cluster.work_dir)) == task_processes, \
        "the agent must keep its task running while the master is down"

    cluster.restart_master()
    cluster.wait_agents_registered()
    # pymesos reconnects by itself (backoff of at most 15 s) and subscribes with its framework id.
    assert framework.wait_for("reregistered", since=mark, timeout=120)["framework_id"] == framework_id
    mark = framework.mark()
    framework.send({"cmd": "reconcile", "task_ids": ["survivor"]})
    answer = framework.wait_update("survivor", "TASK_RUNNING", since=mark)
    assert answer["agent_id"] == agent_id, answer

    def survivor_known_once():
        copies = cluster.master.tasks_named("survivor")
        return copies if len(copies) == 1 and copies[0]["state"] == "TASK_RUNNING" else None
    copies = wait_until(survivor_known_once, 60, "exactly one RUNNING 'survivor' in /master/state")
    assert copies[0]["slave_id"] == agent_id and copies[0]["framework_id"] == framework_id, copies
    assert cluster.master.active_agent_count() == 2
    assert task_process_roots(TAG_VARIABLE, str(cluster.work_dir)) == task_processes, \
        "the task must run exactly once, as the same process, after the master's restart"

    mark = framework.mark()
    release.touch()
    framework.wait_update("survivor", "TASK_FINISHED", since=mark)
    all_agents = {a.agent_id() for a in cluster.agents}
    wait_until(lambda: full_offer_agents(framework, mark) == all_agents, 60,
               "every agent's full resources offered again after the task finished")
