"""A partition and a leader change together (issue 8): the unreachable agent is remembered by the registry.

Three etcd members and three masters on this host's end of a veth pair; agent B in a network namespace
(`TwoHosts`), agents A and C on this host. Masters ping agents every second (5 misses: B is unreachable
~5 s after its link goes down). B stays cut off for 60 s; meanwhile the leader is killed -9. The new leader must know B as
unreachable from the registry — not wait `--agent-reregister-timeout` for it as for an agent it lost
track of — answer explicit reconciliation with TASK_UNREACHABLE (TASK_LOST for a framework that is
not partition-aware), and when B's link comes back admit it with its tasks, which ran on, telling both
pymesos frameworks TASK_RUNNING again. One live copy of each task; no agent over-allocated.
"""
import time

import pytest

from e2e_support.ha import HACluster
from e2e_support.netns import ip
from e2e_support.scheduler import sleep_task
from e2e_support.waiting import wait_until

PARTITION_SECONDS = 60


def leader_state(cluster: HACluster) -> dict:
    return cluster.masters[cluster.wait_leader(timeout=30)].state()


def live_copies(cluster: HACluster, task: str) -> list:
    state = leader_state(cluster)
    return [(t["state"], t["slave_id"]) for f in state["frameworks"] for t in f["tasks"] + f.get("unreachable_tasks", [])
            if t["id"] == task]


@pytest.mark.timeout(600)
def test_a_partitioned_agent_stays_unreachable_through_a_leader_change(partition_ha_cluster, scheduler):
    cluster = partition_ha_cluster
    cluster.start_agent(1)
    agent_b = wait_until(lambda: cluster.agents[1].agent_id() or None, 60, "agent B registered, knowing its id")
    leader = cluster.wait_leader()
    # The frameworks are given a standby, which is never killed here; they follow its redirect.
    cluster.master_address = f"{cluster.ip}:{cluster.master_ports[(leader + 1) % 3]}"
    aware = scheduler(cluster, name="aware", capabilities=["PARTITION_AWARE"], failover_timeout=600,
                      init=[{"cmd": "launch", "tasks": [sleep_task("aware-task", seconds=3600)]}])
    plain = scheduler(cluster, name="plain", failover_timeout=600,
                      init=[{"cmd": "launch", "tasks": [sleep_task("plain-task", seconds=3600)]}])
    assert aware.wait_update("aware-task", "TASK_RUNNING", timeout=60)["agent_id"] == agent_b
    assert plain.wait_update("plain-task", "TASK_RUNNING", timeout=60)["agent_id"] == agent_b
    cluster.start_agent(0)
    cluster.start_agent(2)
    wait_until(lambda: cluster.masters[leader].active_agent_count() == 3, 60, "agents A and C registered")

    mark_aware, mark_plain = aware.mark(), plain.mark()
    ip("link", "set", cluster.hosts.veth, "down")
    cut_at = time.monotonic()
    aware.wait_update("aware-task", "TASK_UNREACHABLE", since=mark_aware, timeout=30)
    plain.wait_update("plain-task", "TASK_LOST", since=mark_plain, timeout=30)
    print(f"partition: unreachable {time.monotonic() - cut_at:.1f} s after the cut")

    # kill -9 of the leader while B is away; its supervisor starts it again as a standby.
    cluster.kill_master(leader)
    new_leader = cluster.wait_leader(timeout=30, other_than=leader)
    cluster.start_master(leader)
    state = cluster.masters[new_leader].state()
    assert state["unreachable_slaves"] == 1, state["unreachable_slaves"]
    assert agent_b not in [s["id"] for s in state.get("recovered_slaves", [])], "B is not awaited as recovering"

    # Both frameworks re-subscribe with the new leader and reconcile B's task explicitly.
    for framework, task, expected in ((aware, "aware-task", "TASK_UNREACHABLE"), (plain, "plain-task", "TASK_LOST")):
        framework.wait_for("reregistered", since=0, timeout=120)
        mark = framework.mark()
        framework.send({"cmd": "reconcile", "task_ids": [task], "agent_id": agent_b})
        answer = framework.wait_update(task, expected, since=mark, timeout=30)
        assert answer["reason"] == "REASON_RECONCILIATION", answer
        if expected == "TASK_UNREACHABLE":
            assert answer["status"]["unreachable_time"]["nanoseconds"] > 0, answer
    mark_aware, mark_plain = aware.mark(), plain.mark()
    while time.monotonic() - cut_at < PARTITION_SECONDS:
        # The new leader knows the task only from B, which is away: never a running copy meanwhile.
        assert not [c for c in live_copies(cluster, "aware-task") if c[0] == "TASK_RUNNING"]
        assert cluster.masters[cluster.wait_leader()].used_within_totals()
        time.sleep(2)

    ip("link", "set", cluster.hosts.veth, "up")
    healed_at = time.monotonic()
    back = aware.wait_update("aware-task", "TASK_RUNNING", since=mark_aware, timeout=60)
    assert back["reason"] == "REASON_SLAVE_REREGISTERED" and back["agent_id"] == agent_b, back
    assert plain.wait_update("plain-task", "TASK_RUNNING", since=mark_plain, timeout=60)["agent_id"] == agent_b
    print(f"partition healed: B's tasks RUNNING at the new leader {time.monotonic() - healed_at:.1f} s later")
    for task in ("aware-task", "plain-task"):
        assert live_copies(cluster, task) == [("TASK_RUNNING", agent_b)]
    state = leader_state(cluster)
    assert state["unreachable_slaves"] == 0
    assert cluster.masters[cluster.wait_leader()].used_within_totals()

