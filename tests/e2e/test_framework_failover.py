"""Framework failover and TEARDOWN through pymesos (issue item 4, second half)."""
import pytest

from e2e_support.processes import TAG_VARIABLE, task_process_roots
from e2e_support.scheduler import sleep_task
from e2e_support.waiting import wait_until


@pytest.mark.parametrize("how", ["kill-9", "stop-failover"])
def test_framework_failover_keeps_its_tasks(dev_cluster, scheduler, how):
    cluster = dev_cluster(agents=1)
    first = scheduler(cluster, name="failover", failover_timeout=60,
                      init=[{"cmd": "launch", "tasks": [sleep_task("keeper")]}])
    framework_id = first.registered_framework_id()
    first.wait_update("keeper", "TASK_RUNNING")

    if how == "kill-9":
        first.kill9()
    else:
        first.stop(failover=True)  # pymesos closes the stream without TEARDOWN

    def disconnected():
        framework, where = cluster.master.framework(framework_id)
        return where == "frameworks" and framework.get("connected") is False
    wait_until(disconnected, 30, "the master to see the framework disconnected (and keep it)")

    second = scheduler(cluster, name="failover", failover_timeout=60, framework_id=framework_id)
    assert second.wait_for("reregistered", timeout=60)["framework_id"] == framework_id
    mark = second.mark()
    second.send({"cmd": "reconcile", "task_ids": ["keeper"]})
    answer = second.wait_update("keeper", "TASK_RUNNING", since=mark)
    assert answer["reason"] == "REASON_RECONCILIATION", answer

    framework, where = cluster.master.framework(framework_id)
    assert where == "frameworks" and framework.get("connected") is True and framework.get("active") is True
    assert [t["state"] for t in framework["tasks"] if t["id"] == "keeper"] == ["TASK_RUNNING"]
    assert len(task_process_roots(TAG_VARIABLE, str(cluster.work_dir))) == 1


def test_teardown_kills_tasks_and_completes_the_framework(dev_cluster, scheduler):
    cluster = dev_cluster(agents=2)
    tasks = [sleep_task("doomed-1"), sleep_task("doomed-2")]
    framework = scheduler(cluster, name="teardown", failover_timeout=60,
                          init=[{"cmd": "launch", "tasks": tasks}])
    framework_id = framework.registered_framework_id()
    for task in tasks:
        framework.wait_update(task["id"], "TASK_RUNNING")
    assert len(task_process_roots(TAG_VARIABLE, str(cluster.work_dir))) == 2

    framework.stop(failover=False)  # pymesos sends TEARDOWN

    def completed():
        state = cluster.master.state()
        framework_state, where = cluster.master.framework(framework_id, state)
        if where != "completed_frameworks":
            return None
        states = {t["id"]: t["state"] for t in framework_state.get("completed_tasks", [])}
        return states if len(states) >= len(tasks) else None

    states = wait_until(completed, 30, "the framework in completed_frameworks")
    assert states == {"doomed-1": "TASK_KILLED", "doomed-2": "TASK_KILLED"}, states
    assert not any(f["id"] == framework_id for f in cluster.master.state()["frameworks"])
    wait_until(lambda: not task_process_roots(TAG_VARIABLE, str(cluster.work_dir)), 30,
               "the killed tasks' processes to exit")
