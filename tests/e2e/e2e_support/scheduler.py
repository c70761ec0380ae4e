"""Runs programs/scheduler.py (a pymesos framework) as a subprocess and collects its JSON-lines events."""
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional

from .cluster import REPO_ROOT

PROGRAMS_DIR = Path(__file__).resolve().parents[1] / "programs"
TERMINAL_STATES = {"TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_ERROR", "TASK_LOST", "TASK_DROPPED",
                   "TASK_GONE", "TASK_GONE_BY_OPERATOR"}


def venv_python() -> str:
    """The venv's python (which has pymesos); the running interpreter if pytest already is that python."""
    candidate = REPO_ROOT / ".venv" / "bin" / "python"
    return str(candidate) if candidate.exists() else sys.executable


Event = Dict[str, Any]


class SchedulerProcess:
    """One pymesos framework process. Events are kept in arrival order; `mark()` + `since=` scope waits."""

    _seq = itertools.count(1)

    def __init__(self, master_address: str, log_dir: Path, name: str = "e2e", role: Optional[str] = None,
                 failover_timeout: Optional[float] = None, framework_id: Optional[str] = None,
                 refuse_seconds: float = 1.0, max_tasks_per_offer: Optional[int] = None,
                 tag: str = "", init: Iterable[Dict[str, Any]] = (), max_runtime: float = 600.0,
                 checkpoint: bool = False, capabilities: Iterable[str] = ()):
        self.name = name
        self.log_dir = Path(log_dir)
        self.argv = [venv_python(), "-u", str(PROGRAMS_DIR / "scheduler.py"),
                     "--master", master_address, "--name", name, "--refuse-seconds", str(refuse_seconds),
                     "--tag", tag, "--init", json.dumps(list(init)), "--max-runtime", str(max_runtime)]
        if role:
            self.argv += ["--role", role]
        if failover_timeout is not None:
            self.argv += ["--failover-timeout", str(failover_timeout)]
        if framework_id:
            self.argv += ["--framework-id", framework_id]
        if max_tasks_per_offer is not None:
            self.argv += ["--max-tasks-per-offer", str(max_tasks_per_offer)]
        if checkpoint:
            self.argv.append("--checkpoint")
        for capability in capabilities:
            self.argv += ["--capability", capability]
        self.events: List[Event] = []
        self._cond = threading.Condition()
        self._popen: Optional[subprocess.Popen] = None
        self._reader: Optional[threading.Thread] = None
        self.stderr_path = self.log_dir / f"scheduler-{name}-{next(self._seq)}.stderr.log"

    # --- process -----------------------------------------------------------------------------

    def start(self) -> "SchedulerProcess":
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.stderr_path, "wb") as stderr:
            self._popen = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                                           start_new_session=True, cwd=str(self.log_dir))
        self._reader = threading.Thread(target=self._read_stdout, name=f"{self.name}-stdout", daemon=True)
        self._reader.start()
        return self

    def _read_stdout(self) -> None:
        assert self._popen is not None and self._popen.stdout is not None
        for raw in self._popen.stdout:
            line = raw.decode(errors="replace").strip()
            if not line:
                continue
            try:
                event = json.loads(line)
            except ValueError:
                event = {"event": "raw_line", "line": line}
            with self._cond:
                event["_index"] = len(self.events)
                self.events.append(event)
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    @property
    def pid(self) -> int:
        assert self._popen is not None
        return self._popen.pid

    def alive(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def kill9(self) -> None:
        """SIGKILL the framework process: no TEARDOWN, the stream just drops."""
        if self.alive():
            os.killpg(self.pid, signal.SIGKILL)
        if self._popen is not None:
            self._popen.wait(timeout=10)

    def stop(self, failover: bool = False, timeout: float = 30.0) -> None:
        """`driver.stop(failover)` inside the program, then waits for it to exit cleanly."""
        self.send({"cmd": "stop", "failover": failover})
        self.wait_for("stopped", timeout=timeout)
        assert self._popen is not None
        assert self._popen.wait(timeout=timeout) == 0, self.describe()

    def close(self) -> None:
        """Teardown: whatever state it is in, the process ends."""
        if self._popen is None:
            return
        if self.alive():
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self._popen.wait(timeout=10)
        finally:
            for pipe in (self._popen.stdin, self._popen.stdout):
                if pipe is not None:
                    try:
                        pipe.close()
                    except OSError:
                        pass

    # --- commands ----------------------------------------------------------------------------

    def send(self, command: Dict[str, Any], timeout: float = 20.0) -> Event:
        """Writes a command and waits for its `cmd_done` (a `cmd_error` fails the test)."""
        assert self._popen is not None and self._popen.stdin is not None
        seq = next(self._seq)
        self._popen.stdin.write((json.dumps(dict(command, seq=seq)) + "\n").encode())
        self._popen.stdin.flush()
        event = self.wait_for(lambda e: e.get("event") in ("cmd_done", "cmd_error") and e.get("seq") == seq,
                              timeout=timeout, what=f"answer to {command}")
        assert event["event"] == "cmd_done", f"command {command} failed:\n{event.get('error')}"
        return event

    def launch(self, *tasks: Dict[str, Any]) -> None:
        self.send({"cmd": "launch", "tasks": list(tasks)})

    # --- events ------------------------------------------------------------------------------

    def mark(self) -> int:
        """The index the next event will get: pass it as `since=` to look only at later events."""
        with self._cond:
            return len(self.events)

    def snapshot(self, since: int = 0) -> List[Event]:
        with self._cond:
            return list(self.events[since:])

    def select(self, event: Optional[str] = None, since: int = 0, **fields: Any) -> List[Event]:
        return [e for e in self.snapshot(since) if _matches(e, event, fields)]

    def wait_for(self, event: "str | Callable[[Event], bool]", timeout: float = 30.0, since: int = 0,
                 what: Optional[str] = None, fail_if: Optional[Callable[[Event], bool]] = None,
                 **fields: Any) -> Event:
        """The first event (index >= since) named `event` with these field values, or satisfying a predicate.

        Fails at once, with the program's output, if the program aborts or exits without producing it, or
        if an event satisfying `fail_if` comes first (so a wrong outcome does not cost the whole timeout).
        """
        predicate = event if callable(event) else (lambda e: _matches(e, event, fields))
        description = what or f"{event} {fields}"
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for candidate in self.events[since:]:
                    if predicate(candidate):
                        return candidate
                    if candidate.get("event") in ("driver_aborted", "callback_error"):
                        raise AssertionError(f"scheduler {self.name} reported {candidate}\n{self.describe()}")
                    if fail_if is not None and fail_if(candidate):
                        raise AssertionError(f"scheduler {self.name}: {candidate} came instead of {description}"
                                             f"\n{self.describe()}")
                remaining = deadline - time.monotonic()
                exited = self._popen is not None and self._popen.poll() is not None
                if remaining <= 0 or (exited and not self._reader_alive()):
                    raise AssertionError(f"scheduler {self.name}: no {description} within {timeout:.0f}s"
                                         f" (exited={exited})\n{self.describe()}")
                self._cond.wait(min(remaining, 0.5))

    def _reader_alive(self) -> bool:
        return self._reader is not None and self._reader.is_alive()

    def wait_update(self, task_id: str, state: str, timeout: float = 45.0, since: int = 0, **fields: Any) -> Event:
        """The first update of `task_id` to `state`; a different terminal state for the task fails at once.

        TASK_LOST does not count as final: Mesos may report a lost task RUNNING again.
        """
        def wrong_end(e: Event) -> bool:
            return (e.get("event") == "update" and e.get("task_id") == task_id and e.get("state") != state
                    and e.get("state") in TERMINAL_STATES - {"TASK_LOST"})
        return self.wait_for("update", timeout=timeout, since=since, fail_if=wrong_end,
                             task_id=task_id, state=state, **fields)

    def updates(self, task_id: Optional[str] = None, since: int = 0) -> List[Event]:
        return [e for e in self.select("update", since) if task_id is None or e.get("task_id") == task_id]

    def states(self, task_id: str, since: int = 0) -> List[str]:
        return [e["state"] for e in self.updates(task_id, since)]

    def registered_framework_id(self, timeout: float = 30.0) -> str:
        return self.wait_for(lambda e: e.get("event") in ("registered", "reregistered"), timeout=timeout,
                             what="registered")["framework_id"]

    def describe(self, last: int = 40) -> str:
        """The last events (offers and declines only counted: they would drown the rest) and stderr's tail."""
        events = self.snapshot()
        noisy = ("offer", "declined")
        shown = [e for e in events if e.get("event") not in noisy][-last:]
        lines = "\n".join(json.dumps({k: v for k, v in e.items() if k != "status"}, default=str) for e in shown)
        offers = sum(1 for e in events if e.get("event") == "offer")
        declines = sum(1 for e in events if e.get("event") == "declined")
        try:
            stderr = "\n".join(self.stderr_path.read_text(errors="replace").splitlines()[-40:])
        except FileNotFoundError:
            stderr = ""
        return (f"--- events of {self.name}: {len(events)} in all, {offers} offers, {declines} declines;"
                f" the last others ---\n{lines}\n--- stderr of {self.name} ---\n{stderr}")


def _matches(event: Event, name: Optional[str], fields: Dict[str, Any]) -> bool:
    if name is not None and event.get("event") != name:
        return False
    return all(event.get(k) == v for k, v in fields.items())


def shell_task(task_id: str, command: str, cpus: float = 0.1, mem: float = 32, **extra: Any) -> Dict[str, Any]:
    """A command task in the shell form."""
    return dict(id=task_id, cmd=command, shell=True, cpus=cpus, mem=mem, **extra)


def sleep_task(task_id: str, seconds: int = 300, cpus: float = 0.1, mem: float = 32, **extra: Any) -> Dict[str, Any]:
    """A long-running command task (bounded, so a leaked one still ends by itself)."""
    return shell_task(task_id, f"sleep {seconds}", cpus=cpus, mem=mem, **extra)
