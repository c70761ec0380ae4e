"""KILL, RECONCILE and SUPPRESS/REVIVE through pymesos (issue item 4, first half)."""
import time

from e2e_support.scheduler import sleep_task
from e2e_support.waiting import stays_true


def test_kill_running_task(dev_cluster, scheduler):
    cluster = dev_cluster(agents=1)
    framework = scheduler(cluster, name="kill", init=[{"cmd": "launch", "tasks": [sleep_task("victim")]}])
    framework.wait_update("victim", "TASK_RUNNING")
    mark = framework.mark()
    framework.send({"cmd": "kill", "task_id": "victim"})
    killed = framework.wait_update("victim", "TASK_KILLED", since=mark)
    assert killed["agent_id"], killed
    assert framework.states("victim", since=mark)[-1] == "TASK_KILLED"


def test_explicit_and_implicit_reconciliation(dev_cluster, scheduler):
    cluster = dev_cluster(agents=2)
    tasks = [sleep_task("long-1"), sleep_task("long-2")]
    framework = scheduler(cluster, name="reconcile", init=[{"cmd": "launch", "tasks": tasks}])
    for task in tasks:
        framework.wait_update(task["id"], "TASK_RUNNING")

    # Explicit, known task: its latest state, marked as a reconciliation answer, with nothing to acknowledge.
    mark = framework.mark()
    framework.send({"cmd": "reconcile", "task_ids": ["long-1"]})
    answer = framework.wait_update("long-1", "TASK_RUNNING", since=mark)
    assert answer["reason"] == "REASON_RECONCILIATION", answer
    assert not answer["has_uuid"], answer
    assert answer["agent_id"], answer

    # Explicit, unknown task: a framework that is not partition-aware hears TASK_LOST.
    mark = framework.mark()
    framework.send({"cmd": "reconcile", "task_ids": ["never-launched"]})
    lost = framework.wait_update("never-launched", "TASK_LOST", since=mark)
    assert lost["reason"] == "REASON_RECONCILIATION", lost
    assert not lost["has_uuid"], lost

    # Implicit (empty list): every task the master knows for this framework.
    mark = framework.mark()
    framework.send({"cmd": "reconcile", "task_ids": []})
    for task in tasks:
        answer = framework.wait_update(task["id"], "TASK_RUNNING", since=mark)
        assert answer["reason"] == "REASON_RECONCILIATION", answer
        assert not answer["has_uuid"], answer
    assert not framework.updates("never-launched", since=mark), "implicit reconciliation invented a task"


def test_suppress_stops_offers_and_revive_restores_them(dev_cluster, scheduler):
    cluster = dev_cluster(agents=1, allocation_interval="0.2secs")
    # No demand: every offer is declined with a short filter, so offers keep coming back while unsuppressed.
    framework = scheduler(cluster, name="suppress", refuse_seconds=0.2)
    framework.registered_framework_id()
    first = framework.wait_for("offer", timeout=30)
    framework.wait_for("offer", since=first["_index"] + 1, timeout=30)  # offers recur: the control case

    framework.send({"cmd": "suppress"})
    time.sleep(0.5)  # an offer already on its way when SUPPRESS was accepted may still arrive
    quiet_from = framework.mark()
    # 3 s is 15 allocation intervals and 15 refuse filters: plenty of chances for a stray offer.
    assert stays_true(lambda: not framework.select("offer", since=quiet_from), 3.0), \
        f"offers while suppressed: {framework.select('offer', since=quiet_from)}"

    mark = framework.mark()
    framework.send({"cmd": "revive"})
    framework.wait_for("offer", since=mark, timeout=30)
