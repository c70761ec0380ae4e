#!/usr/bin/env python3
"""A pymesos scheduler that the end-to-end tests steer, run as its own process with the venv's python.

It uses pymesos' MesosSchedulerDriver exactly as a framework author would (implicit acknowledgements,
launchTasks/declineOffer/killTask/reconcileTasks/suppressOffers/reviveOffers/stop), so the master is
exercised by the real client. It prints one JSON object per line on stdout for every event
(`registered`, `reregistered`, `disconnected`, `offer`, `launched`, `declined`, `rescind`, `update`,
`error`, `failure`, `cmd_done`, `cmd_error`, `stopped`, ...), and reads JSON commands on stdin:

  {"cmd": "launch", "tasks": [TASK, ...]}        queue tasks; each is launched on the first offer it fits
  {"cmd": "greedy", "template": TASK|null}        keep launching copies of TASK on every offer (null: stop)
  {"cmd": "set", "refuse_seconds": 1.0, "max_tasks_per_offer": 1}
  {"cmd": "kill", "task_id": "t"}
  {"cmd": "message", "executor_id": "e", "agent_id": "a", "data": "text"}   framework -> executor MESSAGE
  {"cmd": "shutdown_executor", "executor_id": "e", "agent_id": "a"}          SHUTDOWN of one executor
  {"cmd": "reconcile", "task_ids": ["t", ...], "agent_id": "a"?}  an empty list asks for implicit
                                                 reconciliation; agent_id goes with every task id
  {"cmd": "suppress"} / {"cmd": "revive"}
  {"cmd": "stop", "failover": false}             driver.stop(failover); the process then exits

Every command may carry "seq"; it is echoed in its `cmd_done`/`cmd_error` line.

TASK: {"id", "cmd" (shell string, or the executable when "shell": false), "shell": true, "args": [...],
"env": {...}, "cpus": 0.1, "mem": 32, "disk": 0, "ports": [[begin, end], ...], "data": "text", "executor": {"id", "command"?, "cpus",
"mem", "env"?}, "task_extra": {raw TaskInfo fields}, "command_extra": {raw CommandInfo fields},
"force": bool (launch on the next offer without checking that it fits), "bogus_offer": bool
(send the launch with an offer id the master never made)}.
"""
import argparse
import getpass
import json
import os
import socket
import sys
import threading
import time
import traceback
import uuid
from collections import deque

from pymesos import MesosSchedulerDriver, Scheduler, decode_data, encode_data

PROGRAMS_DIR = os.path.dirname(os.path.abspath(__file__))
TAG_VARIABLE = "MESOKUBE_E2E_TAG"
_out_lock = threading.Lock()


def emit(event, **fields):
    line = json.dumps(dict(event=event, t=time.time(), **fields), default=str)
    with _out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def scalar(name, value):
    return {"name": name, "type": "SCALAR", "scalar": {"value": value}}


def summarize(resources):
    """Scalar totals of a resource list, e.g. {"cpus": 2.0, "mem": 2048.0}."""
    totals = {}
    for resource in resources or []:
        if resource.get("type", "SCALAR") == "SCALAR" and "scalar" in resource:
            totals[resource["name"]] = totals.get(resource["name"], 0.0) + resource["scalar"]["value"]
    return totals


def environment(variables):
    return {"variables": [{"name": k, "value": str(v)} for k, v in sorted(variables.items())]}


class TaskFactory:
    """Turns the tests' TASK dicts into Mesos TaskInfo/ExecutorInfo JSON."""

    def __init__(self, tag):
        self.tag = tag

    def env_for(self, spec_env):
        variables = dict(spec_env or {})
        if self.tag:
            variables.setdefault(TAG_VARIABLE, self.tag)
        return variables

    def executor_info(self, spec):
        command = spec.get("command") or "%s %s" % (sys.executable, os.path.join(PROGRAMS_DIR, "executor.py"))
        return {
            "executor_id": {"value": spec["id"]},
            "name": spec.get("name", "e2e executor %s" % spec["id"]),
            "command": {"value": command, "shell": True, "environment": environment(self.env_for(spec.get("env")))},
            "resources": [scalar("cpus", spec.get("cpus", 0.1)), scalar("mem", spec.get("mem", 32))],
        }

    def task_info(self, spec, agent_id):
        resources = [scalar("cpus", spec.get("cpus", 0.1)), scalar("mem", spec.get("mem", 32))]
        if spec.get("disk"):
            resources.append(scalar("disk", spec["disk"]))
        if spec.get("ports"):
            resources.append({"name": "ports", "type": "RANGES",
                              "ranges": {"range": [{"begin": b, "end": e} for b, e in spec["ports"]]}})
        task = {"name": spec.get("name", spec["id"]), "task_id": {"value": spec["id"]},
                "agent_id": agent_id, "resources": resources}
        if spec.get("data") is not None:
            task["data"] = encode_data(spec["data"].encode())
        if spec.get("executor"):
            task["executor"] = self.executor_info(spec["executor"])
            return task
        command = {"shell": spec.get("shell", True), "environment": environment(self.env_for(spec.get("env")))}
        if spec.get("cmd") is not None:
            command["value"] = spec["cmd"]
        if not command["shell"] and spec.get("args") is not None:
            command["arguments"] = list(spec["args"])
        command.update(spec.get("command_extra", {}))
        task["command"] = command
        # Raw TaskInfo fields (container, health_check, check, limits, kill_policy) as the test wrote them.
        task.update(spec.get("task_extra", {}))
        return task

    @staticmethod
    def needs(spec, executors_present):
        """Scalars the task takes from an offer, counting its executor unless one already runs there."""
        need = {"cpus": spec.get("cpus", 0.1), "mem": spec.get("mem", 32), "disk": spec.get("disk", 0)}
        executor = spec.get("executor")
        if executor and executor["id"] not in executors_present:
            need["cpus"] += executor.get("cpus", 0.1)
            need["mem"] += executor.get("mem", 32)
        return need


class TestScheduler(Scheduler):
    def __init__(self, options):
        self.lock = threading.RLock()
        self.pending = deque()
        self.greedy_template = None
        self.greedy_count = 0
        self.refuse_seconds = options.refuse_seconds
        self.max_tasks_per_offer = options.max_tasks_per_offer
        self.factory = TaskFactory(options.tag)

    # --- callbacks (each guarded: an exception must not kill pymesos' IO thread) ---------------

    def registered(self, driver, framework_id, master_info):
        emit("registered", framework_id=framework_id["value"], master_info=master_info)

    def reregistered(self, driver, master_info):
        emit("reregistered", framework_id=driver.framework_id, master_info=master_info)

    def disconnected(self, driver):
        emit("disconnected")

    def resourceOffers(self, driver, offers):
        for offer in offers:
            try:
                self._handle_offer(driver, offer)
            except Exception:
                emit("callback_error", where="resourceOffers", error=traceback.format_exc())

    def offerRescinded(self, driver, offer_id):
        emit("rescind", offer_id=offer_id.get("value"))

    def statusUpdate(self, driver, status):
        emit("update",
             task_id=status.get("task_id", {}).get("value"),
             state=status.get("state"),
             message=status.get("message"),
             reason=status.get("reason"),
             source=status.get("source"),
             agent_id=(status.get("agent_id") or {}).get("value"),
             executor_id=(status.get("executor_id") or {}).get("value"),
             has_uuid="uuid" in status,
             data=decode_data(status["data"]).decode(errors="replace") if status.get("data") else None,
             status=status)

    def frameworkMessage(self, driver, executor_id, agent_id, message):
        emit("message", executor_id=executor_id.get("value"), agent_id=agent_id.get("value"),
             data=decode_data(message).decode(errors="replace"))

    def slaveLost(self, driver, agent_id):
        emit("failure", agent_id=agent_id.get("value"))

    def executorLost(self, driver, executor_id, agent_id, status):
        emit("failure", agent_id=agent_id.get("value"), executor_id=executor_id.get("value"), status=status)

    def error(self, driver, message):
        emit("error", message=message)

    # --- offers ----------------------------------------------------------------------------

    def _choose(self, offer):
        """Pops the queued (and greedy) task specs this offer should carry."""
        available = summarize(offer.get("resources"))
        present = {e.get("value") for e in offer.get("executor_ids", [])}
        chosen = []

        def room():
            return self.max_tasks_per_offer is None or len(chosen) < self.max_tasks_per_offer

        def take(spec):
            need = self.factory.needs(spec, present)
            if not spec.get("force") and any(available.get(k, 0.0) + 1e-9 < v for k, v in need.items() if v):
                return False
            for key, value in need.items():
                available[key] = available.get(key, 0.0) - value
            if spec.get("executor"):
                present.add(spec["executor"]["id"])
            chosen.append(spec)
            return True

        for spec in list(self.pending):
            if not room():
                break
            if take(spec):
                self.pending.remove(spec)
        while self.greedy_template is not None and room():
            spec = dict(self.greedy_template, id="%s-%d" % (self.greedy_template["id"], self.greedy_count))
            if not take(spec):
                break
            self.greedy_count += 1
        return chosen

    def _handle_offer(self, driver, offer):
        emit("offer", offer_id=offer["id"]["value"], agent_id=offer["agent_id"]["value"],
             hostname=offer.get("hostname"), resources=summarize(offer.get("resources")),
             executor_ids=[e.get("value") for e in offer.get("executor_ids", [])])
        with self.lock:
            chosen = self._choose(offer)
        real = [s for s in chosen if not s.get("bogus_offer")]
        bogus = [s for s in chosen if s.get("bogus_offer")]
        filters = {"refuse_seconds": self.refuse_seconds}
        if real:
            tasks = [self.factory.task_info(s, offer["agent_id"]) for s in real]
            driver.launchTasks(offer["id"], tasks, filters=filters)
            emit("launched", offer_id=offer["id"]["value"], agent_id=offer["agent_id"]["value"],
                 task_ids=[s["id"] for s in real])
        else:
            try:
                driver.declineOffer(offer["id"], filters=filters)
            except OSError as lost:
                # The master went away (killed in a failover test) with the decline in flight. Harmless:
                # its offers die with it, and the next leader offers afresh.
                emit("decline_lost", offer_id=offer["id"]["value"], error=repr(lost))
                return
            emit("declined", offer_id=offer["id"]["value"], agent_id=offer["agent_id"]["value"])
        if bogus:
            fake = {"value": "e2e-no-such-offer-%s" % uuid.uuid4()}
            driver.launchTasks(fake, [self.factory.task_info(s, offer["agent_id"]) for s in bogus], filters=filters)
            emit("launched", offer_id=fake["value"], agent_id=offer["agent_id"]["value"],
                 task_ids=[s["id"] for s in bogus], bogus=True)


class CommandReader(threading.Thread):
    """Reads stdin commands and applies them; asks the main thread to stop on `stop` or end of input."""

    def __init__(self, driver, scheduler):
        super().__init__(name="commands", daemon=True)
        self.driver = driver
        self.scheduler = scheduler
        self.stop_requested = threading.Event()
        self.failover = True

    def run(self):
        for line in sys.stdin:
            line = line.strip()
            if line:
                self.apply(line)
            if self.stop_requested.is_set():
                return
        self.failover = True  # the test harness went away: leave the framework for its failover timeout
        self.stop_requested.set()

    def apply(self, line):
        command = {}
        try:
            command = json.loads(line)
            result = execute(self.driver, self.scheduler, command)
            if command.get("cmd") == "stop":
                self.failover = bool(command.get("failover", False))
                self.stop_requested.set()
            emit("cmd_done", cmd=command.get("cmd"), seq=command.get("seq"),
                 connected=self.driver.connected, result=result)
        except Exception:
            emit("cmd_error", cmd=command.get("cmd"), seq=command.get("seq"), error=traceback.format_exc())


def execute(driver, scheduler, command):
    """Applies one command (also used for --init commands before the driver starts)."""
    name = command["cmd"]
    with scheduler.lock:
        if name == "launch":
            scheduler.pending.extend(command["tasks"])
            return None
        if name == "greedy":
            scheduler.greedy_template = command.get("template")
            return None
        if name == "set":
            if "refuse_seconds" in command:
                scheduler.refuse_seconds = command["refuse_seconds"]
            if "max_tasks_per_offer" in command:
                scheduler.max_tasks_per_offer = command["max_tasks_per_offer"]
            return None
    if name == "kill":
        driver.killTask({"value": command["task_id"]})
    elif name == "message":
        # pymesos passes `data` through as is: the caller base64-encodes it, as Mesos expects.
        driver.sendFrameworkMessage({"value": command["executor_id"]}, {"value": command["agent_id"]},
                                    encode_data(command["data"].encode()))
    elif name == "shutdown_executor":
        # pymesos has no method for SHUTDOWN; send the v1 call on its connection.
        driver._send({"type": "SHUTDOWN", "framework_id": {"value": driver.framework_id},
                      "shutdown": {"executor_id": {"value": command["executor_id"]},
                                   "agent_id": {"value": command["agent_id"]}}})
    elif name == "reconcile":
        tasks = [{"task_id": {"value": t}} for t in command.get("task_ids", [])]
        if command.get("agent_id"):
            # pymesos' reconcileTasks drops agent_id; the same RECONCILE call through its connection keeps it.
            tasks = [dict(task, agent_id={"value": command["agent_id"]}) for task in tasks]
            driver._send({"type": "RECONCILE", "framework_id": {"value": driver.framework_id},
                          "reconcile": {"tasks": tasks}})
        else:
            driver.reconcileTasks(tasks)
    elif name == "suppress":
        driver.suppressOffers()
    elif name == "revive":
        driver.reviveOffers()
    elif name != "stop":
        raise ValueError("unknown command %r" % name)
    return None


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--master", required=True, help="host:port of the master")
    parser.add_argument("--name", default="e2e-scheduler")
    parser.add_argument("--role", default=None)
    parser.add_argument("--user", default=None)
    parser.add_argument("--failover-timeout", type=float, default=None,
                        help="FrameworkInfo.failover_timeout (pymesos' default, 100, when absent)")
    parser.add_argument("--framework-id", default=None, help="subscribe again as this framework")
    parser.add_argument("--checkpoint", action="store_true")
    parser.add_argument("--capability", action="append", default=[],
                        help="FrameworkInfo capability type (repeatable), e.g. PARTITION_AWARE")
    parser.add_argument("--refuse-seconds", type=float, default=1.0, help="filter for declined/unused resources")
    parser.add_argument("--max-tasks-per-offer", type=int, default=None)
    parser.add_argument("--tag", default="", help="value of %s on every task and executor" % TAG_VARIABLE)
    parser.add_argument("--init", default="[]", help="JSON list of commands applied before the driver starts")
    parser.add_argument("--max-runtime", type=float, default=600.0, help="exit (failover) after this many seconds")
    return parser.parse_args(argv)


def framework_info(options):
    framework = {"user": options.user or getpass.getuser(), "name": options.name,
                 "hostname": socket.gethostname(), "checkpoint": options.checkpoint}
    if options.role:
        framework["role"] = options.role
    if options.failover_timeout is not None:
        framework["failover_timeout"] = options.failover_timeout
    if options.framework_id:
        framework["id"] = {"value": options.framework_id}
    if options.capability:
        framework["capabilities"] = [{"type": name} for name in options.capability]
    return framework


def main(argv):
    options = parse_args(argv)
    scheduler = TestScheduler(options)
    driver = MesosSchedulerDriver(scheduler, framework_info(options), options.master,
                                  use_addict=False, implicit_acknowledgements=True)
    for command in json.loads(options.init):
        execute(driver, scheduler, command)
    reader = CommandReader(driver, scheduler)
    emit("starting", pid=os.getpid(), framework=framework_info(options))
    driver.start()
    reader.start()
    deadline = time.monotonic() + options.max_runtime
    try:
        # pymesos reports a fatal IO-thread error by interrupting the main thread, so the main thread
        # must keep running Python code: it polls instead of blocking in join().
        while not reader.stop_requested.wait(0.2):
            if time.monotonic() > deadline:
                emit("max_runtime")
                break
    except BaseException as error:  # noqa: B036 - pymesos re-raises its IO thread's error here
        emit("driver_aborted", error=repr(error), trace=traceback.format_exc())
        sys.stdout.flush()
        os._exit(3)
    driver.stop(failover=reader.failover)
    driver.join()
    emit("stopped", failover=reader.failover)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
