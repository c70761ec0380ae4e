"""Issue 3: isolation with real cgroups, health checks, agent recovery and clean kills, through pymesos."""
import json
import os
import random
import shutil
import subprocess
import time
import uuid
from pathlib import Path

from e2e_support.scheduler import shell_task
from e2e_support.waiting import wait_until

MEMORY_CGROUP = Path("/sys/fs/cgroup/memory")


def pids_matching(marker: str, *more: str):
    """Pids of live processes whose command line contains `marker` (and every one of `more`)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{entry}/stat") as handle:
                state = handle.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        wanted = marker in cmdline and all(m in cmdline for m in more)
        if wanted and state not in ("Z", "X") and int(entry) != os.getpid():
            found.append(int(entry))
    return sorted(found)


def sleep_pids(marker: str):
    """Pids of `sleep MARKER` processes (not of programs that merely mention the marker)."""
    found = []
    for pid in pids_matching(marker):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                argv = handle.read().split(b"\0")
        except OSError:
            continue
        if os.path.basename(argv[0].decode()) == "sleep" and argv[1].decode() == marker:
            found.append(pid)
    return found


def statistics_for(agent, executor_id):
    for entry in agent.get_json("/monitor/statistics"):
        if entry["executor_id"] == executor_id:
            return entry["statistics"]
    return None


def test_memory_hog_is_killed_with_the_limitation_reason(dev_cluster, scheduler):
    cluster = dev_cluster(agents=1)
    hog = shell_task("hog", "python3 -c 'import time; b = bytearray(256 << 20); time.sleep(30)'", mem=48)
    framework = scheduler(cluster, name="oom", init=[{"cmd": "launch", "tasks": [hog]}])
    failed = framework.wait_update("hog", "TASK_FAILED", timeout=60)
    assert failed["reason"] == "REASON_CONTAINER_LIMITATION_MEMORY", failed
    assert "Memory limit exceeded: Requested: 48MB" in failed["message"], failed
    assert failed["source"] == "SOURCE_AGENT", failed


def test_cpu_quota_is_enforced_and_reported(dev_cluster, scheduler):
    cluster = dev_cluster(agents=1, extra_args=["--cgroups-enable-cfs"])
    spinner = shell_task("spin", "while :; do :; done", cpus=0.2, mem=32)
    limited = shell_task("limited", "sleep 60", cpus=0.1, mem=32,
                         task_extra={"limits": {"cpus": {"value": 0.5}, "mem": {"value": 96}}})
    framework = scheduler(cluster, name="cfs", init=[{"cmd": "launch", "tasks": [spinner, limited]}])
    framework.wait_update("spin", "TASK_RUNNING")
    framework.wait_update("limited", "TASK_RUNNING")
    agent = cluster.agents[0]
    first = wait_until(lambda: statistics_for(agent, "spin"), 20, "statistics of the spinner")
    time.sleep(3)
    second = statistics_for(agent, "spin")
    used = (second["cpus_user_time_secs"] + second["cpus_system_time_secs"]
            - first["cpus_user_time_secs"] - first["cpus_system_time_secs"])
    elapsed = second["timestamp"] - first["timestamp"]
    # 0.2 cpus of quota: a busy loop gets about a fifth of a core, far from a whole one.
    assert 0.05 < used / elapsed < 0.4, (used, elapsed)
    assert abs(second["cpus_quota"] - 0.2) < 1e-6, second
    assert second["mem_limit_bytes"] == 32 << 20, second
    limits = statistics_for(agent, "limited")
    assert abs(limits["cpus_quota"] - 0.5) < 1e-6, limits
    assert limits["mem_limit_bytes"] == 96 << 20, limits
    framework.send({"cmd": "kill", "task_id": "spin"})
    framework.send({"cmd": "kill", "task_id": "limited"})
    framework.wait_update("spin", "TASK_KILLED")


def test_http_health_check_flips_and_the_unhealthy_task_is_killed(dev_cluster, scheduler):
    cluster = dev_cluster(agents=1)
    port = random.randint(31100, 31900)
    command = ("echo ok > health; (sleep 4; rm -f health) & "
               "exec python3 -m http.server $PORT0 --bind 127.0.0.1")
    health_check = {"type": "HTTP", "http": {"port": port, "path": "/health"}, "delay_seconds": 0,
                    "interval_seconds": 0.5, "timeout_seconds": 2, "consecutive_failures": 3,
                    "grace_period_seconds": 20}
    web = shell_task("web", command, ports=[[port, port]], task_extra={"health_check": health_check})
    framework = scheduler(cluster, name="health", init=[{"cmd": "launch", "tasks": [web]}])
    healthy = framework.wait_for(lambda e: e.get("event") == "update" and e.get("task_id") == "web"
                                 and e["status"].get("healthy") is True, timeout=30)
    assert healthy["state"] == "TASK_RUNNING"
    assert healthy["reason"] == "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED"
    framework.wait_for(lambda e: e.get("event") == "update" and e.get("task_id") == "web"
                       and e["status"].get("healthy") is False and e["state"] == "TASK_RUNNING", timeout=30)
    killed = framework.wait_update("web", "TASK_KILLED", timeout=30)
    assert killed["status"].get("healthy") is False, killed
    assert "health check" in killed["message"], killed


def test_command_check_reports_check_status(dev_cluster, scheduler):
    cluster = dev_cluster(agents=1)
    check = {"type": "COMMAND", "command": {"command": {"value": "exit 3"}}, "delay_seconds": 0,
             "interval_seconds": 1, "timeout_seconds": 5}
    task = shell_task("checked", "sleep 60", task_extra={"check": check})
    framework = scheduler(cluster, name="check", init=[{"cmd": "launch", "tasks": [task]}])
    update = framework.wait_for(lambda e: e.get("event") == "update" and e.get("task_id") == "checked"
                                and (e["status"].get("check_status") or {}).get("command", {}).get("exit_code") == 3,
                                timeout=30)
    assert update["reason"] == "REASON_TASK_CHECK_STATUS_UPDATED"
    framework.send({"cmd": "kill", "task_id": "checked"})
    framework.wait_update("checked", "TASK_KILLED")


def test_checkpointed_task_survives_kill_9_of_its_agent(split_cluster, scheduler):
    cluster = split_cluster(agents=1)
    marker = f"{random.randint(100, 999)}.{random.randint(100, 999)}"
    survivor = shell_task("survivor", f"exec sleep {marker}")
    short = shell_task("short", "sleep 4; echo done")
    framework = scheduler(cluster, name="ckpt", checkpoint=True, init=[{"cmd": "launch", "tasks": [survivor]}])
    framework.wait_update("survivor", "TASK_RUNNING")
    before = wait_until(lambda: sleep_pids(marker) or None, 10, "the survivor's process")

    # Plain framework on the same agent: its task must not outlive the restart.
    plain_marker = f"{random.randint(100, 999)}.{random.randint(100, 999)}"
    plain = scheduler(cluster, name="plain", init=[{"cmd": "launch", "tasks": [
        shell_task("plain", f"exec sleep {plain_marker}")]}])
    plain.wait_update("plain", "TASK_RUNNING")
    wait_until(lambda: sleep_pids(plain_marker) or None, 10, "the plain framework's process")

    framework.launch(short)
    framework.wait_update("short", "TASK_RUNNING")
    mark = framework.mark()
    cluster.stop_agent(0, kill=True)
    time.sleep(5)  # "short" ends while its agent is down
    assert sleep_pids(marker) == before
    cluster.start_agent(0)

    finished = framework.wait_update("short", "TASK_FINISHED", since=mark, timeout=60)
    assert finished["agent_id"], finished
    assert sleep_pids(marker) == before
    state = cluster.agents[0].state()
    running = [t["id"] for f in state["frameworks"] for e in f["executors"] for t in e["tasks"]]
    assert "survivor" in running, state
    wait_until(lambda: not sleep_pids(plain_marker), 20, "the plain framework's task killed")
    framework.send({"cmd": "kill", "task_id": "survivor"})
    framework.wait_update("survivor", "TASK_KILLED", timeout=30)
    wait_until(lambda: not sleep_pids(marker), 20, "the survivor gone after its kill")


def test_single_file_checkpoint_of_an_older_agent_is_recovered(split_cluster, scheduler):
    """Agents once kept their whole checkpoint in meta/agent-state.json; now each executor and status
    stream has a file of its own. An agent started over an old-style checkpoint recovers its tasks
    and writes the new layout."""
    cluster = split_cluster(agents=1)
    marker = f"{random.randint(100, 999)}.{random.randint(100, 999)}"
    framework = scheduler(cluster, name="legacy", checkpoint=True, init=[{"cmd": "launch", "tasks": [
        shell_task("kept", f"exec sleep {marker}")]}])
    framework.wait_update("kept", "TASK_RUNNING")
    before = wait_until(lambda: sleep_pids(marker) or None, 10, "the kept task's process")
    meta = cluster.work_dir / "agent-0" / "meta"
    parts = meta / "checkpoint"
    assert len(list((parts / "executors").glob("*.json"))) == 1

    cluster.stop_agent(0, kill=True)
    whole = json.loads((meta / "agent-state.json").read_text())
    assert whole["executors"] == [] and whole["streams"] == [], whole
    executors = {}
    for path in sorted((parts / "executors").glob("*.json")):
        executor = json.loads(path.read_text())
        executors[json.dumps(executor["key"], sort_keys=True)] = executor
    # Tasks have files of their own too: an older agent kept them (and their states) in their executor.
    for path in sorted((parts / "tasks").glob("*.json")):
        task = json.loads(path.read_text())
        executor = executors[json.dumps(task["executor"], sort_keys=True)]
        # Swift encodes a dictionary keyed by TaskID as [key, value, key, value, ...].
        executor["tasks"] += [task["task"]["task_id"], task["task"]]
        if "state" in task:
            executor["taskStates"] += [task["task"]["task_id"], task["state"]]
    whole["executors"] = list(executors.values())
    whole["streams"] = [json.loads(p.read_text()) for p in sorted((parts / "streams").glob("*.json"))]
    (meta / "agent-state.json").write_text(json.dumps(whole))
    shutil.rmtree(parts)
    cluster.start_agent(0)

    state = wait_until(lambda: (s := cluster.agents[0].state())["frameworks"] and s or None, 30,
                       "the restarted agent's frameworks")
    running = [t["id"] for f in state["frameworks"] for e in f["executors"] for t in e["tasks"]]
    assert running == ["kept"], state
    assert sleep_pids(marker) == before
    mark = framework.mark()
    framework.send({"cmd": "kill", "task_id": "kept"})
    framework.wait_update("kept", "TASK_KILLED", since=mark, timeout=30)
    # The kill was saved in the new layout: the agent file no longer holds executors or streams.
    wait_until(lambda: json.loads((meta / "agent-state.json").read_text())["executors"] == [] or None, 10,
               "the agent file rewritten without its executors")


def test_incompatible_agent_configuration_is_refused_with_a_way_out(split_cluster, scheduler, tmp_path):
    cluster = split_cluster(agents=1)
    framework = scheduler(cluster, name="incompatible", checkpoint=True,
                          init=[{"cmd": "launch", "tasks": [shell_task("kept", "sleep 120")]}])
    framework.wait_update("kept", "TASK_RUNNING")
    cluster.stop_agent(0, kill=True)
    work = cluster.work_dir / "agent-0"
    binary = cluster_binary()
    # Refused every time, not just once: a refused start must not record the new configuration.
    for _ in range(2):
        changed = subprocess.run(
            [binary, "agent", "--master", cluster.master_address, "--work-dir", str(work), "--port", "0",
             "--resources", "cpus:1;mem:512"], capture_output=True, text=True, timeout=60)
        assert changed.returncode != 0
        assert "Incompatible agent configuration" in changed.stderr + changed.stdout
        assert "--recover=cleanup" in changed.stderr + changed.stdout
    cleanup = subprocess.run([binary, "agent", "--master", cluster.master_address, "--work-dir", str(work),
                              "--recover=cleanup"], capture_output=True, text=True, timeout=60)
    assert cleanup.returncode == 0, cleanup.stderr
    assert not (work / "meta").exists()


def cluster_binary() -> str:
    from e2e_support.cluster import mesokube_binary
    return str(mesokube_binary())


def test_a_hundred_launches_and_kills_leave_nothing_behind(dev_cluster, scheduler):
    cgroup_root = f"mesokube-leak-{uuid.uuid4().hex[:8]}"
    cluster = dev_cluster(agents=1, resources="cpus:8;mem:8192;disk:4096;ports:[31000-31999]",
                          extra_args=["--cgroups-root", cgroup_root])
    marker = f"{random.randint(100, 999)}.{random.randint(100, 999)}"
    tasks = [shell_task(f"leak-{k}", f"sleep {marker} & sleep {marker}; wait", cpus=0.05, mem=32)
             for k in range(100)]
    framework = scheduler(cluster, name="leak", init=[{"cmd": "launch", "tasks": tasks}])
    for task in tasks:
        framework.wait_update(task["id"], "TASK_RUNNING", timeout=120)
    wait_until(lambda: len(sleep_pids(marker)) == 200 or None, 30, "200 sleeps of 100 tasks")
    assert len(list((MEMORY_CGROUP / cgroup_root).iterdir())) > 0
    for task in tasks:
        framework.send({"cmd": "kill", "task_id": task["id"]})
    for task in tasks:
        framework.wait_update(task["id"], "TASK_KILLED", timeout=120)

    work_dir = str(cluster.work_dir)
    wait_until(lambda: not sleep_pids(marker), 30, "no task process left")
    wait_until(lambda: not pids_matching("mesokube-supervisor", work_dir), 30, "no supervisor left")
    children = [p for p in (MEMORY_CGROUP / cgroup_root).iterdir() if p.is_dir()]
    assert children == [], children
    with open("/proc/self/mounts") as mounts:
        assert work_dir not in mounts.read()
    for hierarchy in Path("/sys/fs/cgroup").iterdir():
        if (hierarchy / cgroup_root).is_dir():
            (hierarchy / cgroup_root).rmdir()


def test_checkpointed_custom_executor_resubscribes_after_kill_9_of_its_agent(split_cluster, scheduler):
    cluster = split_cluster(agents=1)
    executor = {"id": "ckpt-executor", "cpus": 0.1, "mem": 64}
    task = {"id": "exec-kept", "cpus": 0.1, "mem": 32, "executor": executor, "data": "300"}
    short = {"id": "exec-short", "cpus": 0.1, "mem": 32, "executor": executor, "data": "1"}
    framework = scheduler(cluster, name="ckpt-exec", checkpoint=True,
                          init=[{"cmd": "launch", "tasks": [task, short]}])
    running = framework.wait_update("exec-kept", "TASK_RUNNING", timeout=90)
    executor_pids = wait_until(lambda: pids_matching("executor.py", "python") or None, 10, "the executor process")
    # Each task the executor holds has a checkpoint file; one that ended and was acknowledged loses
    # it and is listed as completed.
    framework.wait_update("exec-short", "TASK_FINISHED", timeout=60)
    task_files = cluster.work_dir / "agent-0" / "meta" / "checkpoint" / "tasks"
    wait_until(lambda: len(list(task_files.glob("*.json"))) == 1 or None, 20, "one task file left")
    assert json.loads(next(task_files.glob("*.json")).read_text())["task"]["task_id"]["value"] == "exec-kept"
    completed = [t["id"] for f in cluster.agents[0].state()["frameworks"] for e in f["executors"]
                 for t in e["completed_tasks"]]
    assert completed == ["exec-short"]

    cluster.stop_agent(0, kill=True)
    time.sleep(1)
    cluster.start_agent(0)
    # The pymesos executor reconnects (MESOS_CHECKPOINT=1) to the restarted agent and keeps running.
    mark = framework.mark()
    wait_until(lambda: [e["id"] for f in cluster.agents[0].state()["frameworks"] for e in f["executors"]
                        if e["id"] == "ckpt-executor"] or None, 30, "the executor in the restarted agent's /state")
    assert pids_matching("executor.py", "python") == executor_pids
    tasks = [t["id"] for f in cluster.agents[0].state()["frameworks"] for e in f["executors"] for t in e["tasks"]]
    assert tasks == ["exec-kept"]
    # Messages to an executor that has not subscribed again yet are dropped (as in Mesos): retry.
    def echoed():
        framework.send({"cmd": "message", "executor_id": "ckpt-executor", "agent_id": running["agent_id"],
                        "data": "still there?"})
        time.sleep(1)
        return [e for e in framework.select("message", since=mark) if "still there?" in (e.get("data") or "")]

    replies = wait_until(lambda: echoed() or None, 45, "the reconnected executor echoing a framework message")
    assert replies[0]["executor_id"] == "ckpt-executor"
    framework.send({"cmd": "kill", "task_id": "exec-kept"})
    framework.wait_update("exec-kept", "TASK_KILLED", since=mark, timeout=60)


def test_host_path_volume_is_mounted_in_the_sandbox_of_a_plain_task(dev_cluster, scheduler, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "greeting").write_text("hello from the host\n")
    cluster = dev_cluster(agents=1)
    volume = {"type": "MESOS", "volumes": [{"container_path": "data", "host_path": str(shared), "mode": "RO"}]}
    task = shell_task("mounted", "cat data/greeting; touch data/new && echo writable || echo read-only",
                      task_extra={"container": volume})
    missing = {"type": "MESOS", "volumes": [{"container_path": "x", "host_path": str(tmp_path / "absent"),
                                             "mode": "RW"}]}
    broken = shell_task("unmountable", "true", task_extra={"container": missing})
    framework = scheduler(cluster, name="volumes", init=[{"cmd": "launch", "tasks": [task, broken]}])
    framework_id = framework.registered_framework_id()
    framework.wait_update("mounted", "TASK_FINISHED")
    failed = framework.wait_update("unmountable", "TASK_FAILED")
    assert failed["reason"] == "REASON_CONTAINER_LAUNCH_FAILED", failed
    assert "does not exist" in failed["message"], failed
    agent = cluster.agents[0]
    sandbox = wait_until(lambda: agent.executor_directory(framework_id, "mounted"), 30, "the sandbox")
    text = agent.wait_for_file_text(f"{sandbox}/stdout", "read-only")
    assert "hello from the host" in text
    assert not (shared / "new").exists()
    with open("/proc/self/mounts") as mounts:
        assert str(shared) not in mounts.read()  # the bind mount lived only in the task's namespace
