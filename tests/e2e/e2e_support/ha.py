"""Highly available clusters: an etcd cluster of real `etcd` members, several `mesokube master` processes
sharing it (one elected leader), and agents given the list of masters.

Members and masters can be killed (kill -9) and started again on their old ports and directories, as
their supervisors would. Every port is a free one; everything lives in the test's work directory.
"""
import os
import shutil
from pathlib import Path
from typing import Callable, List, Optional, Sequence

import requests

from .cluster import DEFAULT_ALLOCATION_INTERVAL, DEFAULT_RESOURCES, _logs, mesokube_binary, wait_for_startup
from .http import AgentClient, MasterClient
from .ports import free_port
from .processes import ManagedProcess, kill_processes_under
from .waiting import StopWaiting, wait_until


def etcd_binary() -> str:
    path = shutil.which("etcd") or "/usr/bin/etcd"
    if not os.access(path, os.X_OK):
        raise AssertionError("etcd not found: install Debian's etcd-server (scripts/install-test-deps does)")
    return path


class EtcdCluster:
    """`members` etcd processes forming one cluster on loopback."""

    def __init__(self, work_dir: Path, members: int = 3):
        self.work_dir = Path(work_dir)
        self.client_ports = [free_port() for _ in range(members)]
        self.peer_ports = [free_port() for _ in range(members)]
        self.processes: List[Optional[ManagedProcess]] = [None] * members
        self.token = f"mk-{os.getpid()}-{self.client_ports[0]}"

    @property
    def store_url(self) -> str:
        """What `mesokube master --store` takes."""
        return "etcd://" + ",".join(f"127.0.0.1:{port}" for port in self.client_ports)

    def start_member(self, index: int) -> None:
        cluster = ",".join(f"m{i}=http://127.0.0.1:{port}" for i, port in enumerate(self.peer_ports))
        client, peer = f"http://127.0.0.1:{self.client_ports[index]}", f"http://127.0.0.1:{self.peer_ports[index]}"
        argv = [etcd_binary(), "--name", f"m{index}", "--data-dir", str(self.work_dir / f"etcd-{index}"),
                "--listen-client-urls", client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
                "--initial-advertise-peer-urls", peer, "--initial-cluster", cluster,
                "--initial-cluster-token", self.token, "--log-level", "warn"]
        self.processes[index] = ManagedProcess(f"etcd-{index}", argv, self.work_dir / "logs" / f"etcd-{index}.log",
                                               cwd=self.work_dir).start()

    def kill_member(self, index: int) -> None:
        process = self.processes[index]
        if process is not None:
            process.kill9()

    def healthy(self, index: int) -> bool:
        try:
            answer = requests.get(f"http://127.0.0.1:{self.client_ports[index]}/health", timeout=2)
            return answer.status_code == 200 and answer.json().get("health") == "true"
        except (requests.RequestException, ValueError):
            return False

    def start(self) -> "EtcdCluster":
        for index in range(len(self.client_ports)):
            self.start_member(index)
        wait_for_startup(lambda: all(self.healthy(i) for i in range(len(self.client_ports))), "etcd members healthy")
        return self

    def stop(self) -> None:
        for process in self.processes:
            if process is not None:
                process.kill9()


class HACluster:
    """`masters` masters on `etcd` and `agents` agents that know every master. Masters listen on `ip`;
    agent i on `agent_ips[i]`, its command line passed through `agent_wrapper(i, argv)` (which may run it
    in a network namespace)."""

    def __init__(self, work_dir: Path, etcd: EtcdCluster, masters: int = 3, agents: int = 2,
                 resources: str = DEFAULT_RESOURCES, master_args: Sequence[str] = (),
                 store_url: Optional[str] = None, ip: str = "127.0.0.1",
                 agent_ips: Optional[Sequence[str]] = None,
                 agent_wrapper: Optional[Callable[[int, list], list]] = None):
        self.work_dir = Path(work_dir)
        self.ip = ip
        self.agent_ips = list(agent_ips or [ip] * agents)
        self.agent_wrapper = agent_wrapper
        self.etcd = etcd
        # What masters are given with --store: etcd's members, or proxies in front of them.
        self.store_url = store_url or etcd.store_url
        self.master_ports = [free_port() for _ in range(masters)]
        self.kube_ports = [free_port() for _ in range(masters)]
        self.marathon_ports = [free_port() for _ in range(masters)]
        self.agent_ports = [free_port() for _ in range(agents)]
        self.resources = resources
        self.master_args = list(master_args)
        self.masters = [MasterClient(f"http://{ip}:{port}") for port in self.master_ports]
        self.agents = [AgentClient(f"http://{address}:{port}")
                       for address, port in zip(self.agent_ips, self.agent_ports)]
        self.master_processes: List[Optional[ManagedProcess]] = [None] * masters
        self.agent_processes: List[Optional[ManagedProcess]] = [None] * agents
        # What a pymesos framework is given (the `scheduler` fixture reads it); any master will do.
        self.master_address = f"{ip}:{self.master_ports[0]}"

    @property
    def master_list(self) -> str:
        return ",".join(f"{self.ip}:{port}" for port in self.master_ports)

    @property
    def kube_api_servers(self) -> str:
        return ",".join(f"https://{self.ip}:{port}" for port in self.kube_ports)

    def kubeconfig(self, index: int) -> Path:
        return self.work_dir / f"master-{index}" / "kubeconfig"

    def start_master(self, index: int) -> None:
        work = self.work_dir / f"master-{index}"
        work.mkdir(parents=True, exist_ok=True)
        argv = [str(mesokube_binary()), "master", "--work-dir", str(work), "--port", str(self.master_ports[index]),
                "--ip", self.ip, "--store", self.store_url, "--kube-port", str(self.kube_ports[index]),
                "--marathon-port", str(self.marathon_ports[index]), "--dns-port", str(free_port()),
                "--kube-api-servers", self.kube_api_servers, "--allocation-interval", DEFAULT_ALLOCATION_INTERVAL,
                *self.master_args]
        self.master_processes[index] = ManagedProcess(
            f"mesokube-master-{index}", argv, self.work_dir / "logs" / f"master-{index}.log", cwd=self.work_dir).start()
        wait_for_startup(lambda: self._alive(self.master_processes[index], f"master {index}")
                         and self.masters[index].healthy(), f"master {index} /health")

    def kill_master(self, index: int) -> None:
        process = self.master_processes[index]
        if process is not None:
            process.kill9()

    def kill_agent(self, index: int) -> None:
        process = self.agent_processes[index]
        if process is not None:
            process.kill9()

    def start_agent(self, index: int) -> None:
        work = self.work_dir / f"agent-{index}"
        work.mkdir(parents=True, exist_ok=True)
        argv = [str(mesokube_binary()), "agent", "--master", self.master_list, "--work-dir", str(work),
                "--port", str(self.agent_ports[index]), "--ip", self.agent_ips[index], "--resources", self.resources,
                "--no-service-proxy"]
        if self.agent_wrapper is not None:
            argv = self.agent_wrapper(index, argv)
        self.agent_processes[index] = ManagedProcess(
            f"mesokube-agent-{index}", argv, self.work_dir / "logs" / f"agent-{index}.log", cwd=self.work_dir).start()

    def leader_index(self) -> Optional[int]:
        """The master answering /master/state itself (the others redirect or answer 503)."""
        for index, master in enumerate(self.masters):
            if self.master_processes[index] is None or not self.master_processes[index].alive():
                continue
            try:
                if master.get("/master/state", allow_redirects=False, timeout=3).status_code == 200:
                    return index
            except requests.RequestException:
                continue
        return None

    def wait_leader(self, timeout: float = 60.0, other_than: Optional[int] = None) -> int:
        def found():
            index = self.leader_index()
            return [index] if index is not None and index != other_than else None
        return wait_until(found, timeout, "an elected leader")[0]

    def active_agents_at_leader(self) -> int:
        index = self.leader_index()
        return -1 if index is None else self.masters[index].active_agent_count()

    def start(self) -> "HACluster":
        for index in range(len(self.master_ports)):
            self.start_master(index)
        self.wait_leader()
        for index in range(len(self.agent_ports)):
            self.start_agent(index)
        wait_for_startup(lambda: self.active_agents_at_leader() >= len(self.agent_ports)
                         and all(agent.agent_id() for agent in self.agents),
                         "every agent registered with the leader and knowing its id")
        return self

    def _alive(self, process: Optional[ManagedProcess], what: str) -> bool:
        if process is None or not process.alive():
            raise StopWaiting(f"{what} exited early:\n{self.logs()}")
        return True

    def logs(self, lines: int = 80) -> str:
        return _logs([*self.master_processes, *self.agent_processes, *self.etcd.processes], lines)

    def stop(self) -> None:
        for process in [*self.agent_processes, *self.master_processes]:
            if process is not None:
                process.terminate()
        kill_processes_under(self.work_dir)
