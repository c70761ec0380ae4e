"""`mesokube dev` stops cleanly on SIGTERM and SIGINT and leaves no task behind (issue item 1)."""
import os
import signal

import pytest

from e2e_support.scheduler import sleep_task
from e2e_support.waiting import wait_until


def task_processes(marker: str):
    """PIDs of task processes whose command line mentions `marker` (the scheduler, which was
    given the task's command, is not one of them)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read()
            if marker.encode() in cmdline and b"scheduler.py" not in cmdline:
                found.append(int(entry))
        except OSError:
            continue
    return found


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_dev_stops_cleanly_and_kills_its_tasks(dev_cluster, scheduler, signal_number):
    cluster = dev_cluster(agents=2)
    marker = f"dev-lifecycle-{os.getpid()}-{int(signal_number)}"
    task = sleep_task("lingering", seconds=600)
    task["cmd"] = f"sleep 600; : {marker}"
    framework = scheduler(cluster, name="lifecycle", init=[{"cmd": "launch", "tasks": [task]}])
    framework.wait_update("lingering", "TASK_RUNNING")
    assert task_processes(marker), "the task's process should be running"

    # SIGINT is what Ctrl-C sends (the test runner starts the cluster with it not ignored).
    process = cluster.process.popen
    os.kill(process.pid, signal_number)
    assert process.wait(timeout=30) == 0
    log = cluster.process.log_path.read_text()
    assert "Shutting down..." in log and "Stopped." in log, log[-2000:]
    wait_until(lambda: not task_processes(marker), 15, "the task's process gone")
