"""A pymesos scheduler runs command tasks on `mesokube dev --agents 2` (issue item 1)."""
from e2e_support.scheduler import shell_task
from e2e_support.waiting import wait_until

TASKS = [
    # shell form, with an environment variable expanded by the shell
    shell_task("shell-1", "echo hello-$ID; exit 0", env={"ID": "shell-1"}),
    # argv form: no shell, so "$HOME" must reach echo unexpanded
    dict(id="argv-1", cmd="/bin/echo", shell=False, args=["echo", "argv-form", "$HOME"], cpus=0.1, mem=32),
    # several environment variables
    shell_task("env-1", 'echo "greeting=$GREETING/$SECOND"', env={"GREETING": "hi-there", "SECOND": "two"}),
    # a failing command
    shell_task("fail-1", "echo about-to-fail; exit 3"),
]
EXPECTED_STDOUT = {"shell-1": "hello-shell-1", "argv-1": "argv-form $HOME", "env-1": "greeting=hi-there/two"}


def test_command_tasks_finish_and_their_output_is_readable(dev_cluster, scheduler):
    cluster = dev_cluster(agents=2)
    framework = scheduler(cluster, name="command-tasks", init=[{"cmd": "launch", "tasks": TASKS}])
    framework_id = framework.registered_framework_id()

    finished = {task_id: framework.wait_update(task_id, "TASK_FINISHED") for task_id in EXPECTED_STDOUT}
    failed = framework.wait_update("fail-1", "TASK_FAILED")
    assert "status 3" in (failed["message"] or ""), failed

    # Executor-generated updates need an ack, so they carry a uuid, and pymesos' ack needs agent_id with it.
    for update in list(finished.values()) + [failed]:
        assert update["has_uuid"], update
        assert update["agent_id"], update
    for update in framework.updates():
        assert not update["has_uuid"] or update["agent_id"], f"uuid without agent_id: {update}"

    for task_id, expected in EXPECTED_STDOUT.items():
        agent = cluster.agent_by_id(finished[task_id]["agent_id"])
        # A command task's executor id is its task id (Mesos' command executor convention).
        sandbox = wait_until(lambda: agent.executor_directory(framework_id, task_id), 30,
                             f"sandbox of {task_id} in agent /state")
        text = agent.wait_for_file_text(f"{sandbox}/stdout", expected)
        assert expected in text
        listed = [entry["path"] for entry in agent.browse(sandbox)]
        assert f"{sandbox}/stdout" in listed and f"{sandbox}/stderr" in listed, listed
        # Mesos' virtual path for the latest run of an executor reads the same file.
        virtual = f"/frameworks/{framework_id}/executors/{task_id}/runs/latest/stdout"
        assert expected in agent.read_file(virtual)

    # pymesos acknowledged the terminal updates, so the master moved the tasks to completed_tasks.
    def completed_states():
        framework_state, _ = cluster.master.framework(framework_id)
        if framework_state is None:
            return None
        states = {t["id"]: t["state"] for t in framework_state.get("completed_tasks", [])}
        running_ids = {t["id"] for t in framework_state.get("tasks", [])}
        done = all(t in states for t in [*EXPECTED_STDOUT, "fail-1"]) and not running_ids & set(states)
        return states if done else None

    states = wait_until(completed_states, 30, "tasks in completed_tasks of /master/state")
    assert {t: states[t] for t in EXPECTED_STDOUT} == {t: "TASK_FINISHED" for t in EXPECTED_STDOUT}
    assert states["fail-1"] == "TASK_FAILED"


def test_tasks_spread_over_both_agents_when_one_is_full(dev_cluster, scheduler):
    # Each agent has 1 cpu; two 0.8-cpu tasks cannot share an agent, so both agents must run one.
    cluster = dev_cluster(agents=2, resources="cpus:1;mem:1024;disk:1024;ports:[31000-31099]")
    tasks = [shell_task(f"big-{k}", "echo big; sleep 2", cpus=0.8, mem=64) for k in range(2)]
    framework = scheduler(cluster, name="spread", init=[{"cmd": "launch", "tasks": tasks}])
    agents = {framework.wait_update(f"big-{k}", "TASK_FINISHED")["agent_id"] for k in range(2)}
    assert len(agents) == 2, f"both tasks ran on {agents}"


def test_ports_are_exported_and_ports_outside_the_offer_are_refused(dev_cluster, scheduler):
    cluster = dev_cluster(agents=1)
    tasks = [
        shell_task("ports-1", 'echo "ports=$PORT0,$PORT1,$PORT2 all=$PORTS"', ports=[[31005, 31006], [31010, 31010]]),
        # The dev cluster offers [31000-31999]: 40000 is not in the offer.
        shell_task("ports-bad", "echo never", ports=[[40000, 40000]]),
    ]
    framework = scheduler(cluster, name="ports", init=[{"cmd": "launch", "tasks": tasks}])
    framework_id = framework.registered_framework_id()
    finished = framework.wait_update("ports-1", "TASK_FINISHED")
    refused = framework.wait_update("ports-bad", "TASK_ERROR")
    assert refused["reason"] == "REASON_TASK_INVALID", refused
    assert "more resources" in (refused["message"] or ""), refused

    agent = cluster.agent_by_id(finished["agent_id"])
    sandbox = wait_until(lambda: agent.executor_directory(framework_id, "ports-1"), 30, "sandbox of ports-1")
    text = agent.wait_for_file_text(f"{sandbox}/stdout", "ports=")
    assert "ports=31005,31006,31010 all=31005,31006,31010" in text, text
