"""Clusters of the real `mesokube` binary: `mesokube dev` in one process, or a master and agents apart.

Every port is a free one picked here, every work directory is the test's own, and `stop()` ends the
processes and then any task processes they left running under that work directory.
"""
import os
from pathlib import Path
from typing import Callable, List, Optional, Sequence

import requests
import urllib3

from .http import AgentClient, MasterClient
from .ports import free_port, free_port_block
from .processes import ManagedProcess, kill_processes_under
from .waiting import StopWaiting, wait_until

# The readiness probe asks the dev cluster's API server for nodes over TLS with its self-made CA.
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_RESOURCES = "cpus:2;mem:2048;disk:4096;ports:[31000-31999]"
DEFAULT_ALLOCATION_INTERVAL = "0.2secs"
STARTUP_TIMEOUT = 90.0  # a debug build on a loaded 2-core machine
# Once a start has timed out, the binary is most likely broken: later starts wait less, so a broken build
# fails the suite in minutes instead of eating CI's time budget test by test.
STARTUP_TIMEOUT_AFTER_FAILURE = 20.0
_startup_failed = False


def startup_timeout() -> float:
    return STARTUP_TIMEOUT_AFTER_FAILURE if _startup_failed else STARTUP_TIMEOUT


def wait_for_startup(probe, what: str) -> None:
    """wait_until with the startup timeout, remembering a failure for the starts that follow."""
    global _startup_failed
    try:
        wait_until(probe, startup_timeout(), what)
    except AssertionError:
        _startup_failed = True
        raise


def mesokube_binary() -> Path:
    """The binary under test: $MESOKUBE_BIN, else .build/debug/mesokube. Missing means failure, not skip."""
    path = Path(os.environ.get("MESOKUBE_BIN") or REPO_ROOT / ".build" / "debug" / "mesokube")
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise AssertionError(f"mesokube binary not found at {path}: run `swift build` first (or set MESOKUBE_BIN)")
    return path


def _logs(processes: Sequence[Optional[ManagedProcess]], lines: int) -> str:
    parts = []
    for process in processes:
        if process is not None:
            parts.append(f"----- {process.name} (exit {process.returncode()}) {process.log_path} -----\n"
                         f"{process.log_tail(lines)}")
    return "\n".join(parts)


class DevCluster:
    """`mesokube dev`: a master and N agents in one process."""

    def __init__(self, work_dir: Path, agents: int = 2, resources: str = DEFAULT_RESOURCES,
                 allocation_interval: str = DEFAULT_ALLOCATION_INTERVAL, offer_timeout: str = "30secs",
                 extra_args: Sequence[str] = ()):
        self.work_dir = Path(work_dir)
        self.agent_count = agents
        self.resources = resources
        self.allocation_interval = allocation_interval
        self.offer_timeout = offer_timeout
        self.extra_args = list(extra_args)
        self.master_port = free_port()
        self.agent_base_port = free_port_block(agents)
        self.kube_port, self.marathon_port, self.dns_port = free_port(), free_port(), free_port()
        self.master = MasterClient(f"http://127.0.0.1:{self.master_port}")
        self.agents: List[AgentClient] = [
            AgentClient(f"http://127.0.0.1:{self.agent_base_port + k}") for k in range(agents)]
        self.process: Optional[ManagedProcess] = None

    @property
    def master_address(self) -> str:
        return f"127.0.0.1:{self.master_port}"

    def argv(self) -> List[str]:
        return [str(mesokube_binary()), "dev",
                "--work-dir", str(self.work_dir / "dev"),
                "--master-port", str(self.master_port),
                "--agent-port", str(self.agent_base_port),
                "--agents", str(self.agent_count),
                "--resources", self.resources,
                "--allocation-interval", self.allocation_interval,
                "--offer-timeout", self.offer_timeout,
                "--kube-port", str(self.kube_port),
                "--marathon-port", str(self.marathon_port),
                "--dns-port", str(self.dns_port),
                *self.extra_args]

    def start(self) -> "DevCluster":
        (self.work_dir / "dev").mkdir(parents=True, exist_ok=True)
        self.process = ManagedProcess("mesokube-dev", self.argv(), self.work_dir / "logs" / "dev.log",
                                      cwd=self.work_dir).start()
        self.wait_ready()
        return self

    def _check_running(self) -> None:
        if self.process is None or not self.process.alive():
            raise StopWaiting(f"mesokube dev exited early:\n{self.logs()}")

    def wait_ready(self) -> None:
        """Master and every agent answer /health, and the master lists every agent as active."""
        def ready() -> bool:
            self._check_running()
            return (self.master.healthy() and all(a.healthy() for a in self.agents)
                    and self.master.active_agent_count() >= self.agent_count
                    and all(a.agent_id() for a in self.agents))
        wait_for_startup(ready, f"dev cluster with {self.agent_count} registered agents")
        wait_for_startup(self.kube_scheduler_settled, "the kube scheduler to take in the agents and step aside")

    def kube_scheduler_settled(self) -> bool:
        """The kube scheduler framework has seen every agent (each is a Node) and holds no offers: with no
        pod pending it declines them and suppresses, so tests' frameworks see the whole cluster."""
        self._check_running()
        token = self.work_dir / "dev" / "pki" / "admin.token"
        if not token.exists():
            return False
        try:
            nodes = requests.get(f"https://127.0.0.1:{self.kube_port}/api/v1/nodes", verify=False, timeout=3,
                                 headers={"Authorization": f"Bearer {token.read_text().strip()}"})
        except requests.RequestException:
            return False
        if nodes.status_code != 200 or len(nodes.json().get("items", [])) < self.agent_count:
            return False
        roles = {r["name"]: r for r in self.master.get_json("/roles")["roles"]}
        kube = roles.get("kubernetes")
        return kube is not None and not kube["offered"].get("cpus")

    def agent_by_id(self, agent_id: str) -> AgentClient:
        for agent in self.agents:
            if agent.agent_id() == agent_id:
                return agent
        raise AssertionError(f"no agent of this cluster has id {agent_id}")

    def logs(self, lines: int = 80) -> str:
        return _logs([self.process], lines)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
        kill_processes_under(self.work_dir)


class SplitCluster:
    """`mesokube master` and `mesokube agent` processes, each restartable with its work directory kept."""

    def __init__(self, work_dir: Path, agents: int = 2, resources: str = DEFAULT_RESOURCES,
                 allocation_interval: Optional[str] = DEFAULT_ALLOCATION_INTERVAL, agent_args: Sequence[str] = (),
                 per_agent_args: Optional[Callable[[int], Sequence[str]]] = None, master_args: Sequence[str] = ()):
        """`agent_args` go to every agent; `per_agent_args(index)` adds arguments for agent `index`
        (e.g. its own `--hostname` and `--attributes`, as agents on separate machines would have);
        `master_args` go to `mesokube master`."""
        self.agent_args = list(agent_args)
        self.per_agent_args = per_agent_args
        self.master_args = list(master_args)
        self.work_dir = Path(work_dir)
        # Chosen once, so a restarted master serves the Kubernetes API on the same port.
        self.kube_port = free_port()
        self.marathon_port = free_port()
        self.agent_count = agents
        self.resources = resources
        self.allocation_interval = allocation_interval
        self.master_port = free_port()
        self.agent_ports = [free_port() for _ in range(agents)]
        self.master = MasterClient(f"http://127.0.0.1:{self.master_port}")
        self.agents = [AgentClient(f"http://127.0.0.1:{p}") for p in self.agent_ports]
        self.master_process: Optional[ManagedProcess] = None
        self.agent_processes: List[Optional[ManagedProcess]] = [None] * agents

    @property
    def master_address(self) -> str:
        return f"127.0.0.1:{self.master_port}"

    # --- master ------------------------------------------------------------------------------

    def start_master(self) -> None:
        work = self.work_dir / "master"
        work.mkdir(parents=True, exist_ok=True)
        argv = [str(mesokube_binary()), "master", "--work-dir", str(work), "--port", str(self.master_port),
                "--ip", "127.0.0.1", "--kube-port", str(self.kube_port), "--marathon-port", str(self.marathon_port),
                "--dns-port", str(free_port())]
        if self.allocation_interval:
            argv += ["--allocation-interval", self.allocation_interval]
        argv += self.master_args
        self.master_process = ManagedProcess("mesokube-master", argv, self.work_dir / "logs" / "master.log",
                                             cwd=self.work_dir).start()
        wait_for_startup(lambda: self._alive(self.master_process, "master") and self.master.healthy(),
                         "master /health")

    def kill_master(self) -> None:
        """kill -9: the master gets no chance to write anything more."""
        assert self.master_process is not None
        self.master_process.kill9()

    def restart_master(self) -> None:
        """Starts the master again on the same port and work directory (after kill_master)."""
        if self.master_process is not None and self.master_process.alive():
            self.master_process.terminate()
        self.start_master()

    # --- agents ------------------------------------------------------------------------------

    def start_agent(self, index: int) -> None:
        work = self.work_dir / f"agent-{index}"
        work.mkdir(parents=True, exist_ok=True)
        argv = [str(mesokube_binary()), "agent", "--master", self.master_address, "--work-dir", str(work),
                "--port", str(self.agent_ports[index]), "--ip", "127.0.0.1", "--resources", self.resources,
                *self.agent_args, *(self.per_agent_args(index) if self.per_agent_args else ())]
        process = ManagedProcess(f"mesokube-agent-{index}", argv, self.work_dir / "logs" / f"agent-{index}.log",
                                 cwd=self.work_dir).start()
        self.agent_processes[index] = process
        wait_for_startup(lambda: self._alive(process, f"agent {index}") and self.agents[index].healthy(),
                         f"agent {index} /health")

    def stop_agent(self, index: int, kill: bool = False) -> None:
        process = self.agent_processes[index]
        if process is not None:
            process.kill9() if kill else process.terminate()

    def restart_agent(self, index: int, kill: bool = False) -> None:
        """Stops agent `index` (SIGTERM, or SIGKILL with kill=True) and starts it with the same work dir."""
        self.stop_agent(index, kill=kill)
        self.start_agent(index)

    # --- whole cluster -----------------------------------------------------------------------

    def start(self) -> "SplitCluster":
        self.start_master()
        for index in range(self.agent_count):
            self.start_agent(index)
        self.wait_agents_registered()
        return self

    def wait_agents_registered(self) -> None:
        """Until the master counts every agent active and each agent knows its id: the master
        records a registration before the agent has read the answer, so checking the master alone
        lets a test read an agent's /state while its id is still empty."""
        wait_for_startup(lambda: self._alive(self.master_process, "master")
                         and self.master.active_agent_count() >= self.agent_count
                         and all(agent.agent_id() for agent in self.agents[:self.agent_count]),
                         f"{self.agent_count} active agents in /master/state, each with its id")

    def _alive(self, process: Optional[ManagedProcess], what: str) -> bool:
        if process is None or not process.alive():
            raise StopWaiting(f"{what} exited early:\n{self.logs()}")
        return True

    def agent_by_id(self, agent_id: str) -> AgentClient:
        for agent in self.agents:
            if agent.agent_id() == agent_id:
                return agent
        raise AssertionError(f"no agent of this cluster has id {agent_id}")

    def logs(self, lines: int = 80) -> str:
        return _logs([self.master_process, *self.agent_processes], lines)

    def stop(self) -> None:
        for process in [*self.agent_processes, self.master_process]:
            if process is not None:
                process.terminate()
        kill_processes_under(self.work_dir)
