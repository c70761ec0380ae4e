"""A pymesos scheduler with a pymesos custom executor, as in pymesos' examples (issue item 2)."""
from e2e_support.waiting import wait_until

EXECUTOR = {"id": "py-executor", "cpus": 0.1, "mem": 32}  # command: programs/executor.py, venv python


def executor_task(task_id: str, seconds: float) -> dict:
    return {"id": task_id, "cpus": 0.1, "mem": 32, "executor": EXECUTOR, "data": str(seconds)}


def test_custom_executor_reports_running_then_finished(dev_cluster, scheduler):
    cluster = dev_cluster(agents=2)
    tasks = [executor_task(f"exec-task-{k}", 1.0) for k in range(3)]
    framework = scheduler(cluster, name="custom-executor", init=[{"cmd": "launch", "tasks": tasks}])
    framework_id = framework.registered_framework_id()

    for task in tasks:
        finished = framework.wait_update(task["id"], "TASK_FINISHED", timeout=90)
        states = framework.states(task["id"])
        assert "TASK_RUNNING" in states, states
        assert states.index("TASK_RUNNING") < states.index("TASK_FINISHED"), states
        assert finished["source"] == "SOURCE_EXECUTOR", finished
        assert finished["has_uuid"] and finished["agent_id"], finished
        assert finished["executor_id"] == EXECUTOR["id"], finished
        assert finished["data"] == f"done {task['id']}", finished  # TaskStatus.data passes through intact

    # The executor's own output lands in its sandbox, readable through the agent that ran it.
    agent_ids = {u["agent_id"] for u in framework.updates() if u["state"] == "TASK_FINISHED"}
    for agent_id in agent_ids:
        agent = cluster.agent_by_id(agent_id)
        sandbox = wait_until(lambda: agent.executor_directory(framework_id, EXECUTOR["id"]), 30,
                             "custom executor sandbox in agent /state")
        assert "executor registered: py-executor" in agent.wait_for_file_text(f"{sandbox}/stdout", "finished task")


def test_kill_reaches_the_custom_executor(dev_cluster, scheduler):
    cluster = dev_cluster(agents=1)
    framework = scheduler(cluster, name="custom-executor-kill",
                          init=[{"cmd": "launch", "tasks": [executor_task("exec-long", 300)]}])
    framework.wait_update("exec-long", "TASK_RUNNING", timeout=90)
    mark = framework.mark()
    framework.send({"cmd": "kill", "task_id": "exec-long"})
    killed = framework.wait_update("exec-long", "TASK_KILLED", since=mark)
    assert killed["source"] == "SOURCE_EXECUTOR", killed


def test_messages_round_trip_and_shutdown_stops_the_executor(dev_cluster, scheduler):
    cluster = dev_cluster(agents=1)
    framework = scheduler(cluster, name="custom-executor-messages",
                          init=[{"cmd": "launch", "tasks": [executor_task("exec-chatty", 300)]}])
    running = framework.wait_update("exec-chatty", "TASK_RUNNING", timeout=90)
    agent_id = running["agent_id"]

    # framework -> executor MESSAGE, echoed back executor -> framework.
    mark = framework.mark()
    framework.send({"cmd": "message", "executor_id": EXECUTOR["id"], "agent_id": agent_id, "data": "ping 42"})
    echo = framework.wait_for("message", since=mark, timeout=30)
    assert echo["data"] == "echo ping 42", echo
    assert echo["executor_id"] == EXECUTOR["id"] and echo["agent_id"] == agent_id, echo

    # SHUTDOWN of the executor: its task ends and the framework hears the executor is gone.
    mark = framework.mark()
    framework.send({"cmd": "shutdown_executor", "executor_id": EXECUTOR["id"], "agent_id": agent_id})
    ended = framework.wait_for(
        lambda e: e["event"] == "update" and e["task_id"] == "exec-chatty"
        and e["state"] in ("TASK_KILLED", "TASK_FAILED", "TASK_LOST"), since=mark, timeout=30)
    assert ended["state"] in ("TASK_KILLED", "TASK_FAILED"), ended
    lost = framework.wait_for("failure", since=mark, timeout=30)
    assert lost.get("executor_id") == EXECUTOR["id"], lost
