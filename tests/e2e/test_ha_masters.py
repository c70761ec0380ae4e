"""Three masters on a three-member etcd cluster (issue 8): one elected leader, standbys that redirect Mesos
clients and proxy Marathon, the Kubernetes API on every master, and a kill -9 of the leader that loses
no running work: a pymesos task, a Marathon app and a Deployment's pods keep running, once each."""
import os
import signal
import time

import pytest
import requests
from marathon import MarathonClient
from marathon.models import MarathonApp

from e2e_support.kube import Kubectl, sleeping_deployment
from e2e_support.processes import TAG_VARIABLE, task_process_roots
from e2e_support.scheduler import sleep_task
from e2e_support.waiting import wait_until


def running_pods(kubectl: Kubectl, app: str) -> list:
    pods = kubectl.json("get", "pods", "-l", f"app={app}", "-o", "json")["items"]
    return sorted(p["metadata"]["name"] for p in pods if p["status"].get("phase") == "Running")


@pytest.mark.timeout(600)
def test_leader_failover_keeps_work_running(ha_cluster, scheduler, tmp_path):
    cluster = ha_cluster
    leader = cluster.wait_leader()
    standby = (leader + 1) % 3
    # Standbys send Mesos clients to the leader, as Mesos masters do.
    answer = cluster.masters[standby].get("/master/state", allow_redirects=False)
    assert answer.status_code == 307, answer.status_code
    assert answer.headers["Location"] == f"//127.0.0.1:{cluster.master_ports[leader]}/master/state"

    # pymesos is given a standby and follows its redirect.
    cluster.master_address = f"127.0.0.1:{cluster.master_ports[standby]}"
    framework = scheduler(cluster, name="ha", failover_timeout=600, init=[
        {"cmd": "launch", "tasks": [sleep_task("survivor", seconds=3600)]}])
    framework_id = framework.registered_framework_id()
    agent_id = framework.wait_update("survivor", "TASK_RUNNING")["agent_id"]

    # Marathon through a standby's port: the standby forwards to the leader's Marathon.
    marathon = MarathonClient([f"http://127.0.0.1:{port}" for port in cluster.marathon_ports])
    via_standby = MarathonClient(f"http://127.0.0.1:{cluster.marathon_ports[standby]}")
    via_standby.create_app("keeper", MarathonApp(cmd="sleep 3600", cpus=0.1, mem=32, instances=1))
    keeper_task = wait_until(lambda: [t.id for t in marathon.list_tasks("keeper") if t.state == "TASK_RUNNING"],
                             90, "the Marathon app's instance running")

    # The Kubernetes API of a standby, with the CA and token every master shares.
    kubectl = Kubectl(cluster.kubeconfig(standby), tmp_path / "home")
    kubectl.apply(sleeping_deployment("ha-web", replicas=2, cpu="100m"))
    pods = wait_until(lambda: (lambda names: names if len(names) == 2 else None)(running_pods(kubectl, "ha-web")),
                      120, "two ha-web pods Running")
    processes = task_process_roots(TAG_VARIABLE, str(cluster.work_dir))

    # kill -9 of the leader: a standby is elected within the lease TTL (3 s) plus the time to notice.
    killed_at = time.monotonic()
    cluster.kill_master(leader)
    new_leader = cluster.wait_leader(timeout=30, other_than=leader)
    failover = time.monotonic() - killed_at
    print(f"failover: new leader {new_leader} answering {failover:.2f} s after kill -9")
    assert failover < 15, f"failover took {failover:.1f} s"
    # Its supervisor starts the old leader again; it comes back as a standby.
    cluster.start_master(leader)
    assert cluster.leader_index() == new_leader

    # Agents re-register with their tasks; the framework re-subscribes with its id; nothing ran twice.
    wait_until(lambda: cluster.masters[new_leader].active_agent_count() == 2, 60, "both agents re-registered")
    mark = framework.mark()
    assert framework.wait_for("reregistered", since=0, timeout=120)["framework_id"] == framework_id
    framework.send({"cmd": "reconcile", "task_ids": ["survivor"]})
    assert framework.wait_update("survivor", "TASK_RUNNING", since=mark)["agent_id"] == agent_id
    copies = wait_until(lambda: cluster.masters[new_leader].tasks_named("survivor"), 60, "survivor known")
    assert len(copies) == 1 and copies[0]["state"] == "TASK_RUNNING", copies
    wait_until(lambda: [t.id for t in marathon.list_tasks("keeper") if t.state == "TASK_RUNNING"] == keeper_task,
               60, "the same Marathon instance running")
    assert running_pods(kubectl, "ha-web") == pods
    assert task_process_roots(TAG_VARIABLE, str(cluster.work_dir)) == processes, "a task was restarted"

    # The new leader's controllers and scheduler act: scaling up works through a standby's API.
    kubectl.run("scale", "deployment/ha-web", "--replicas=3")
    wait_until(lambda: len(running_pods(kubectl, "ha-web")) == 3, 120, "three ha-web pods Running")
    via_standby.scale_app("keeper", instances=2)
    wait_until(lambda: len([t for t in marathon.list_tasks("keeper") if t.state == "TASK_RUNNING"]) == 2,
               90, "two Marathon instances running")


@pytest.mark.timeout(300)
def test_a_leader_stopped_cleanly_hands_over_at_once(ha_cluster):
    cluster = ha_cluster
    leader = cluster.wait_leader()
    stopped_at = time.monotonic()
    os.kill(cluster.master_processes[leader].pid, signal.SIGTERM)
    new_leader = cluster.wait_leader(timeout=30, other_than=leader)
    handover = time.monotonic() - stopped_at
    assert cluster.master_processes[leader].popen.wait(timeout=30) == 0, "the old leader's exit status"
    print(f"handover after SIGTERM: {handover:.2f} s")
    # Resigning revokes the lease: no TTL to wait out.
    assert handover < 3, f"handover took {handover:.1f} s"
    wait_until(lambda: cluster.masters[new_leader].active_agent_count() == 2, 60, "both agents re-registered")
    # The remaining standby now sends clients to the new leader, and Marathon answers on the new leader.
    other = next(i for i in range(3) if i not in (leader, new_leader))
    answer = cluster.masters[other].get("/master/state", allow_redirects=False)
    assert answer.status_code == 307, answer.status_code
    assert answer.headers["Location"].startswith(f"//127.0.0.1:{cluster.master_ports[new_leader]}/")
    answer = wait_until(lambda: requests.get(f"http://127.0.0.1:{cluster.marathon_ports[new_leader]}/ping",
                                             timeout=5).status_code == 200, 60, "the new leader's Marathon")


def retried(what, action, timeout: float = 60.0):
    """Runs `action` until it succeeds, as a client would through a leader change (which a restart of the
    etcd member the leader used may cause); an "already exists" after a lost answer counts as success."""
    def attempt():
        try:
            action()
            return True
        except Exception as error:  # noqa: BLE001 - any failure is retried until the deadline
            text = str(error)
            if "AlreadyExists" in text or "already exists" in text:
                return True
            raise
    return wait_until(attempt, timeout, what, interval=0.5)


@pytest.mark.timeout(420)
def test_etcd_members_restarted_one_at_a_time(ha_cluster, tmp_path):
    """Each etcd member in turn is killed -9 and started again; a majority stays up throughout. Writes
    through every API land while each member is down, none is lost or doubled, and agents stay registered
    with whichever master leads."""
    cluster = ha_cluster
    kubectls = [Kubectl(cluster.kubeconfig(index), tmp_path / "home") for index in range(3)]
    marathon = MarathonClient([f"http://127.0.0.1:{port}" for port in cluster.marathon_ports])

    def kubectl_on_a_live_master(*args):
        # kubectl takes one server; a leader that lost its lease exits, so ask whichever master is up.
        for index, kubectl in enumerate(kubectls):
            if cluster.master_processes[index].alive():
                return kubectl.run(*args)
        raise AssertionError("no master is up")

    leaders, restarted = [cluster.wait_leader()], []
    for member in range(3):
        cluster.etcd.kill_member(member)
        retried(f"configmap while member {member} is down",
                lambda: kubectl_on_a_live_master("create", "configmap", f"while-{member}-down",
                                                 f"--from-literal=member={member}"))
        retried(f"app while member {member} is down",
                lambda: marathon.create_app(f"app-{member}",
                                            MarathonApp(cmd="sleep 3600", cpus=0.1, mem=16, instances=1)))
        cluster.etcd.start_member(member)
        wait_until(lambda: cluster.etcd.healthy(member), 60, f"etcd member {member} healthy again")
        # As a supervisor would: a master that gave up its leadership is started again as a standby.
        for index, process in enumerate(cluster.master_processes):
            if not process.alive():
                restarted.append(index)
                cluster.start_master(index)
        leaders.append(cluster.wait_leader())
    print(f"leaders through the restarts: {leaders}; masters restarted: {restarted}")
    kubectl = kubectls[cluster.wait_leader()]
    names = {item["metadata"]["name"] for item in kubectl.json("get", "configmaps", "-o", "json")["items"]}
    assert {"while-0-down", "while-1-down", "while-2-down"} <= names, names
    wait_until(lambda: all(len([t for t in marathon.list_tasks(f"app-{m}") if t.state == "TASK_RUNNING"]) == 1
                           for m in range(3)), 120, "exactly one instance of each app running")
    leader = cluster.wait_leader()
    wait_until(lambda: cluster.masters[leader].active_agent_count() == 2, 60, "both agents registered")


@pytest.mark.timeout(600)
def test_leader_killed_repeatedly_during_rolling_deployments(ha_cluster, tmp_path):
    """A Marathon app and a Deployment roll to a new version while the leader master is killed -9 three
    times, ten seconds apart (each restarted as its supervisor would). Both converge: every instance of
    the new version running once, none of the old left, no agent over-allocated."""
    cluster = ha_cluster
    kubectl = Kubectl(cluster.kubeconfig(0), tmp_path / "home")
    marathon = MarathonClient([f"http://127.0.0.1:{port}" for port in cluster.marathon_ports])
    retried("create the app", lambda: marathon.create_app(
        "roller", MarathonApp(cmd="sleep 3600", cpus=0.05, mem=16, instances=8)))
    kubectl.apply(sleeping_deployment("roller", replicas=6, cpu="50m"))
    wait_until(lambda: len([t for t in marathon.list_tasks("roller") if t.state == "TASK_RUNNING"]) == 8,
               120, "8 app instances running")
    wait_until(lambda: len(running_pods(kubectl, "roller")) == 6, 120, "6 pods running")

    retried("roll the app", lambda: marathon.update_app(
        "roller", MarathonApp(cmd="sleep 3601", cpus=0.05, mem=16, instances=8), force=True))
    retried("roll the deployment", lambda: kubectl.run("set", "env", "deployment/roller", "VERSION=2"))
    kills = []
    for _ in range(3):
        time.sleep(10)
        leader = cluster.wait_leader()
        cluster.kill_master(leader)
        kills.append(leader)
        cluster.wait_leader(timeout=30, other_than=leader)
        cluster.start_master(leader)
    print(f"killed leaders: {kills}")

    def app_converged():
        app = marathon.get_app("roller", embed_tasks=True)
        tasks = [t for t in app.tasks if t.state == "TASK_RUNNING"]
        return (len(tasks) == 8 and not app.deployments
                and all(t.version == app.version for t in tasks)) and tasks
    wait_until(app_converged, 240, "the app rolled: 8 instances of the new version, no deployment left")

    def deployment_converged():
        status = kubectl.json("get", "deployment", "roller", "-o", "json")["status"]
        pods = kubectl.json("get", "pods", "-l", "app=roller", "-o", "json")["items"]
        running = [p for p in pods if p["status"].get("phase") == "Running" and "deletionTimestamp" not in p["metadata"]]
        new = [p for p in running
               if any(e.get("name") == "VERSION" for e in p["spec"]["containers"][0].get("env", []))]
        return (status.get("updatedReplicas") == 6 and status.get("readyReplicas") == 6
                and len(running) == 6 and len(new) == 6)
    wait_until(deployment_converged, 240, "the Deployment rolled: 6 new pods Running, none of the old")

    # Marathon answers from its store at once; the master's own view fills as the agents re-register with
    # the last leader, and must then hold exactly the 8 running instances.
    leader = cluster.wait_leader()
    master = cluster.masters[leader]

    def running_at_master():
        tasks = [t for t in master.get_json("/master/tasks")["tasks"]
                 if t["state"] == "TASK_RUNNING" and t["name"].startswith("roller")]
        return tasks if len(tasks) >= 8 and master.active_agent_count() == 2 else None
    marathon_tasks = wait_until(running_at_master, 90, "the leader sees the app's running tasks")
    assert len(marathon_tasks) == 8, [t["id"] for t in marathon_tasks]
    assert len({t["id"] for t in marathon_tasks}) == 8
    assert master.used_within_totals()
