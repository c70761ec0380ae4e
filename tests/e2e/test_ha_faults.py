"""The fault suite (issue 8): faults one after another during a large rolling deployment.

Three etcd members, three masters and three agents. The masters reach etcd through `SlowProxies`, so the
store can be slowed down. A Marathon app of MESOKUBE_FAULT_INSTANCES instances runs, then rolls to a new
version. The suite runs 200: the issue asks for 1,000, and at that size the roll takes longer than CI can
give it — an agent rewrites its whole checkpoint on every status update, so launches slow down as an agent
fills up (docs/benchmarks.md has the profile; splitting the checkpoint per executor is the fix). Set
MESOKUBE_FAULT_INSTANCES=1000 to run the full size. While it rolls:

- the leading master is killed -9 every 30 s (and started again, as its supervisor would);
- an agent is killed -9 and started again (it recovers its tasks);
- an etcd member is killed -9 and started again;
- every store call is slowed by 100 ms for 20 s.

Meanwhile a pymesos framework holds a few tasks. Invariants, checked while it runs and at the end:
nothing accepted is lost (the app and its new version, every pymesos task), no agent is over-allocated,
no instance runs twice (counted as processes on this host, by version), and the count converges to
the app's instances — every one on the new version.
"""
import os
import time

import pytest
from marathon import MarathonClient
from marathon.models import MarathonApp

from e2e_support.ha import HACluster
from e2e_support.processes import TAG_VARIABLE, task_process_roots
from e2e_support.scheduler import sleep_task
from e2e_support.waiting import wait_until

INSTANCES = int(os.environ.get("MESOKUBE_FAULT_INSTANCES", "200"))
KILL_EVERY = 30.0


def app_tasks(marathon: MarathonClient) -> list:
    return marathon.list_tasks("fleet")


def instances_by_tag(cluster: HACluster, tags) -> dict:
    return {tag: len(task_process_roots(TAG_VARIABLE, tag)) for tag in tags}


class Faults:
    """The fault schedule, stepped from the test's polling loop; every step is logged with its time."""

    def __init__(self, cluster: HACluster, started: float):
        self.cluster, self.started = cluster, started
        self.next_kill = started + KILL_EVERY
        self.log = []
        self.leader_kills = 0
        self.pending = ["agent", "etcd", "slow"]
        self.slow_until = None

    def note(self, text: str) -> None:
        self.log.append(f"{time.monotonic() - self.started:6.1f}s {text}")
        print(self.log[-1])

    def step(self) -> None:
        now = time.monotonic()
        if self.slow_until is not None and now >= self.slow_until:
            self.cluster.proxies.delay = 0.0
            self.slow_until = None
            self.note("store back to full speed")
        if now < self.next_kill:
            return
        self.next_kill = now + KILL_EVERY
        leader = self.cluster.leader_index()
        if leader is not None:
            self.cluster.kill_master(leader)
            self.leader_kills += 1
            self.note(f"kill -9 leader master {leader}")
            new = self.cluster.wait_leader(timeout=60, other_than=leader)
            self.note(f"master {new} leads")
            self.cluster.start_master(leader)
        if self.pending:
            getattr(self, "fault_" + self.pending.pop(0))()

    def fault_agent(self) -> None:
        self.cluster.kill_agent(2)
        self.note("kill -9 agent 2")
        time.sleep(2)
        self.cluster.start_agent(2)
        self.note("agent 2 started again")

    def fault_etcd(self) -> None:
        self.cluster.etcd.kill_member(1)
        self.note("kill -9 etcd member 1")
        time.sleep(3)
        self.cluster.etcd.start_member(1)
        self.note("etcd member 1 started again")

    def fault_slow(self) -> None:
        self.cluster.proxies.delay = 0.1
        self.slow_until = time.monotonic() + 20
        self.note("store slowed: +100 ms per chunk for 20 s")


@pytest.mark.timeout(1800)
def test_a_large_rolling_deployment_survives_leader_agent_and_store_faults(fault_cluster, scheduler, tmp_path):
    cluster = fault_cluster
    tag = f"fleet-{os.getpid()}-{int(time.time())}"
    marathon = MarathonClient([f"http://127.0.0.1:{port}" for port in cluster.marathon_ports])
    # checkpoint: its tasks must outlive the agent's kill -9 (an agent kills a non-checkpointing
    # framework's tasks when it recovers, as Mesos does).
    framework = scheduler(cluster, name="bystander", failover_timeout=3600, checkpoint=True, init=[
        {"cmd": "launch", "tasks": [sleep_task(f"held-{i}", seconds=3600) for i in range(3)]}])
    framework_id = framework.registered_framework_id()
    for i in range(3):
        framework.wait_update(f"held-{i}", "TASK_RUNNING", timeout=60)

    began = time.monotonic()
    marathon.create_app("fleet", MarathonApp(cmd="sleep 3600", cpus=0.01, mem=8, instances=INSTANCES,
                                             env={TAG_VARIABLE: tag + "-v1"}))
    wait_until(lambda: sum(1 for t in app_tasks(marathon) if t.state == "TASK_RUNNING") == INSTANCES,
               900, f"{INSTANCES} instances running", interval=2)
    print(f"{INSTANCES} instances running after {time.monotonic() - began:.0f} s")
    assert instances_by_tag(cluster, [tag + "-v1"]) == {tag + "-v1": INSTANCES}

    # The roll, under faults.
    marathon.update_app("fleet", MarathonApp(cmd="sleep 3601", cpus=0.01, mem=8, instances=INSTANCES,
                                             env={TAG_VARIABLE: tag + "-v2"}), force=True)
    faults = Faults(cluster, time.monotonic())
    deadline = time.monotonic() + 1200

    def rolled() -> bool:
        try:
            app = marathon.get_app("fleet")
        except Exception:  # noqa: BLE001 - a leader change is under way; ask again
            return False
        return not app.deployments and app.tasks_running == INSTANCES
    while time.monotonic() < deadline:
        faults.step()
        counts = instances_by_tag(cluster, [tag + "-v1", tag + "-v2"])
        assert counts[tag + "-v2"] <= INSTANCES, (counts, faults.log)
        # The default upgradeStrategy: minimumHealthCapacity 1 (never fewer than the instances) and
        # maximumOverCapacity 1 (at most twice as many while the roll is under way).
        assert INSTANCES <= sum(counts.values()) <= 2 * INSTANCES, (counts, faults.log)
        if faults.leader_kills >= 3 and not faults.pending and rolled():
            break
        time.sleep(2)
    cluster.proxies.delay = 0.0
    print("\n".join(faults.log))
    print(f"rolled in {time.monotonic() - faults.started:.0f} s with {faults.leader_kills} leader kills")

    # Converged: every instance on the new version, each once; nothing lost; no agent over-allocated.
    leader = cluster.masters[cluster.wait_leader(timeout=60)]
    wait_until(rolled, 600, "the roll finished", interval=2)
    wait_until(lambda: instances_by_tag(cluster, [tag + "-v1", tag + "-v2"])
               == {tag + "-v1": 0, tag + "-v2": INSTANCES}, 300, "exactly the new version's instances", interval=2)
    # The roll can end right at the last leader kill: until the standbys learn the new leader their
    # Marathon answers 502 "Could not determine the current leader", so these reads are retried.
    tasks = wait_until(lambda: app_tasks(marathon), 60, "Marathon lists the app's tasks", interval=1)
    version = wait_until(lambda: marathon.get_app("fleet").version, 60, "Marathon shows the app", interval=1)
    assert len(tasks) == INSTANCES and len({t.id for t in tasks}) == INSTANCES
    assert {t.version for t in tasks} == {version}
    wait_until(lambda: sum(1 for t in leader.get_json("/master/tasks?limit=100000")["tasks"]
                           if t["id"].startswith("fleet.") and t["state"] == "TASK_RUNNING") == INSTANCES,
               300, "the leader counts the instances running, once each", interval=2)
    assert leader.used_within_totals()
    # pymesos, which knows only the master it was connected to, comes back on its own backoff (up to
    # seconds) after the last leader kill: wait for it before judging.
    def bystander_back(state) -> bool:
        framework, key = leader.framework(framework_id, state)
        return key == "frameworks" and framework.get("active") is True
    wait_until(lambda: bystander_back(leader.state()), 120,
               "the pymesos framework subscribed to the leader again", interval=1)
    state = leader.state()
    for i in range(3):
        copies = leader.tasks_named(f"held-{i}", state)
        assert [c["state"] for c in copies] == ["TASK_RUNNING"], copies
