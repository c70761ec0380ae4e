"""Child processes of the suite (the mesokube binary, pymesos programs) and the task processes they spawn.

Every process is started in its own session so that it, and whatever it forks in its own process group,
can be ended by id. Task processes run in sessions of their own (agents start executors with setsid, as
Mesos does), so they are found instead through /proc: by a working directory or environment value under
the test's unique work directory.
"""
import os
import signal
import subprocess
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence

# Set on every task and executor launched by programs/scheduler.py; the value is the cluster's work dir.
TAG_VARIABLE = "MESOKUBE_E2E_TAG"


class ManagedProcess:
    """One child process with its output in a log file."""

    def __init__(self, name: str, argv: Sequence[str], log_path: Path,
                 env: Optional[Dict[str, str]] = None, cwd: Optional[Path] = None):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.log_path = Path(log_path)
        self.env = env
        self.cwd = cwd
        self.popen: Optional[subprocess.Popen] = None

    def start(self) -> "ManagedProcess":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            log.write(f"\n=== start: {' '.join(self.argv)}\n".encode())
            log.flush()
            self.popen = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=self.env, cwd=self.cwd, start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None, f"{self.name} was never started"
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def returncode(self) -> Optional[int]:
        return None if self.popen is None else self.popen.poll()

    def kill9(self, timeout: float = 10.0) -> None:
        """SIGKILL, as a crash would: no chance to clean up."""
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
        if self.popen is not None:
            self.popen.wait(timeout=timeout)

    def terminate(self, grace: float = 15.0) -> Optional[int]:
        """SIGTERM and wait; SIGKILL its process group if it has not exited after `grace` seconds."""
        if self.popen is None:
            return None
        if self.alive():
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self._kill_group()
                self.popen.wait(timeout=10)
        self._kill_group()  # anything it left behind in its own group
        return self.popen.returncode

    def _kill_group(self) -> None:
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def log_tail(self, lines: int = 80) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return f"(no log at {self.log_path})"
        return "\n".join(text.splitlines()[-lines:])


def _proc_pids() -> Iterator[int]:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            yield int(entry)


def _environ(pid: int) -> Dict[str, str]:
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    env = {}
    for item in raw.split(b"\0"):
        key, sep, value = item.partition(b"=")
        if sep:
            env[key.decode(errors="replace")] = value.decode(errors="replace")
    return env


def _cwd(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return ""


def _ppid(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    # The command name (field 2) may hold spaces and parentheses: parse after the last ')'.
    return int(stat.rsplit(")", 1)[1].split()[1])


def _ancestors_of_self() -> set:
    pids, pid = set(), os.getpid()
    while pid > 1:
        pids.add(pid)
        pid = _ppid(pid)
    return pids


def processes_under(work_dir: Path) -> List[int]:
    """Processes whose working directory or MESOS_*/tag environment lies under `work_dir`."""
    root = str(Path(work_dir).resolve())
    spared = _ancestors_of_self()
    found = []
    for pid in _proc_pids():
        if pid in spared:
            continue
        env = _environ(pid)
        values = [env.get(k, "") for k in (TAG_VARIABLE, "MESOS_DIRECTORY", "MESOS_SANDBOX")]
        if _cwd(pid).startswith(root) or any(v.startswith(root) for v in values if v):
            found.append(pid)
    return found


def kill_processes_under(work_dir: Path) -> List[int]:
    """SIGKILLs every process `processes_under` finds (tasks a stopped cluster left running)."""
    killed = []
    for pid in processes_under(work_dir):
        try:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
        except (ProcessLookupError, PermissionError):
            pass
    return killed


def task_process_roots(variable: str, value: str) -> List[int]:
    """Live processes with `variable=value` in their environment whose parent lacks it.

    A task's shell and the programs it runs inherit the variable, so counting only the topmost ones counts
    task instances: a task that runs twice shows up twice.
    """
    marked = {pid for pid in _proc_pids() if _environ(pid).get(variable) == value}
    return sorted(pid for pid in marked if _ppid(pid) not in marked)
