#!/usr/bin/env python3
"""A pymesos custom executor, in the manner of pymesos' examples/executor.py.

For each task it sends TASK_RUNNING, waits the number of seconds given in the task's `data` (default 1),
then sends TASK_FINISHED; a KILL makes it send TASK_KILLED instead. The agent starts it with the
MESOS_* environment; what it prints goes to its sandbox's stdout, which the tests read back.
"""
import sys
import threading
import time

from pymesos import Executor, MesosExecutorDriver, decode_data, encode_data


def say(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


class SleepExecutor(Executor):
    def __init__(self):
        self.killed = {}
        self.lock = threading.Lock()

    def registered(self, driver, executor_info, framework_info, agent_info):
        say("executor registered: %s on %s" % (executor_info["executor_id"]["value"], agent_info.get("hostname")))

    def reregistered(self, driver, agent_info):
        say("executor reregistered")

    def disconnected(self, driver):
        say("executor disconnected")

    def launchTask(self, driver, task):
        task_id = task["task_id"]["value"]
        seconds = float(decode_data(task["data"]).decode()) if task.get("data") else 1.0
        say("launched task %s for %.1fs" % (task_id, seconds))
        with self.lock:
            self.killed[task_id] = threading.Event()
        threading.Thread(target=self._run, args=(driver, task, seconds), daemon=True).start()

    def _run(self, driver, task, seconds):
        task_id = task["task_id"]["value"]
        driver.sendStatusUpdate({"task_id": task["task_id"], "state": "TASK_RUNNING",
                                 "timestamp": time.time()})
        killed = self.killed[task_id].wait(seconds)
        if killed:
            return  # killTask already reported TASK_KILLED
        driver.sendStatusUpdate({"task_id": task["task_id"], "state": "TASK_FINISHED",
                                 "message": "slept %.1fs" % seconds,
                                 "data": encode_data(("done " + task_id).encode()),
                                 "timestamp": time.time()})
        say("finished task %s" % task_id)

    def killTask(self, driver, task_id):
        say("kill task %s" % task_id["value"])
        with self.lock:
            event = self.killed.get(task_id["value"])
        if event is not None:
            event.set()
        driver.sendStatusUpdate({"task_id": task_id, "state": "TASK_KILLED", "timestamp": time.time()})

    def frameworkMessage(self, driver, message):
        # Echo it back so the framework sees the round trip (executor -> framework MESSAGE).
        text = decode_data(message).decode()
        say("framework message: %s" % text)
        driver.sendFrameworkMessage(encode_data(("echo " + text).encode()))

    def shutdown(self, driver):
        say("executor shutdown")

    def error(self, driver, message):
        say("executor error: %s" % message)


if __name__ == "__main__":
    MesosExecutorDriver(SleepExecutor(), use_addict=False).run()
