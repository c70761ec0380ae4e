"""Network namespaces as "other hosts" for e2e tests: `ip` commands and running a process inside one."""
import random
import subprocess
from pathlib import Path

from .processes import ManagedProcess, kill_processes_under


def ip(*args: str, check: bool = True) -> str:
    return subprocess.run(["ip", *map(str, args)], capture_output=True, text=True, check=check).stdout


def argv_in_namespace(work_dir: Path, namespace: str, name: str, argv) -> list:
    """`argv` in `namespace` with only the network parts of sysfs replaced, in a mount namespace of its own.
    Not `ip netns exec`: it mounts a fresh /sys, which hides the cgroup hierarchies an agent needs; the agent
    reads its bridges and veths under /sys/class/net, so those come from the namespace."""
    sysfs = Path(work_dir) / f"sysfs-{name}"
    sysfs.mkdir(parents=True, exist_ok=True)
    command = " && ".join([
        f"mount -t sysfs sysfs {sysfs}",
        f"mount --bind {sysfs}/class/net /sys/class/net",
        f"mount --bind {sysfs}/devices/virtual/net /sys/devices/virtual/net",
        "exec \"$@\""])
    return ["nsenter", f"--net=/run/netns/{namespace}", "unshare", "--mount", "--",
            "sh", "-c", command, "sh", *map(str, argv)]


def process_logs(processes) -> str:
    """The tail of every process' log, for a failed test's report."""
    return "\n".join(p.log_path.read_text(errors="replace")[-6000:] for p in processes if p.log_path.exists())


def stop_hosts(processes, work_dir: Path, pod_bridges) -> None:
    """Ends the processes (and whatever they left under `work_dir`), then deletes the pod network namespaces
    the kubelets made on `pod_bridges` (named `<bridge>-...`)."""
    for process in reversed(processes):
        process.terminate(grace=20)
    kill_processes_under(work_dir)
    for name in ip("netns", "list", check=False).split("\n"):
        name = name.split(" ")[0]
        if name.startswith(tuple(bridge + "-" for bridge in pod_bridges)):
            ip("netns", "del", name, check=False)


class TwoHosts:
    """This host and a network namespace `host_b`, 172.31.N.1 and 172.31.N.2 on a veth pair."""

    def __init__(self, work_dir: Path):
        tag = f"{random.randrange(16 ** 4):04x}"
        self.octet = random.randrange(1, 250)
        self.namespace = f"mkhost-{tag}"
        self.veth = f"mkv{tag}"
        self.address_a = f"172.31.{self.octet}.1"
        self.address_b = f"172.31.{self.octet}.2"
        self.bridges = (f"mka{tag}", f"mkb{tag}")
        self.cidrs = (f"10.247.{self.octet}.0/24", f"10.248.{self.octet}.0/24")
        self.work_dir = work_dir
        self.processes = []

    def __enter__(self):
        ip("netns", "add", self.namespace)
        ip("link", "add", self.veth, "type", "veth", "peer", "name", "eth0", "netns", self.namespace)
        ip("addr", "add", f"{self.address_a}/24", "dev", self.veth)
        ip("link", "set", self.veth, "up")
        ip("-n", self.namespace, "addr", "add", f"{self.address_b}/24", "dev", "eth0")
        ip("-n", self.namespace, "link", "set", "eth0", "up")
        ip("-n", self.namespace, "link", "set", "lo", "up")
        return self

    def start(self, name: str, argv, in_b: bool = False) -> ManagedProcess:
        if in_b:
            argv = self.in_host_b(name, argv)
        process = ManagedProcess(name, argv, self.work_dir / "logs" / f"{name}.log", cwd=self.work_dir).start()
        self.processes.append(process)
        return process

    def in_host_b(self, name: str, argv) -> list:
        return argv_in_namespace(self.work_dir, self.namespace, name, argv)

    def logs(self) -> str:
        return process_logs(self.processes)

    def __exit__(self, *exc):
        stop_hosts(self.processes, self.work_dir, self.bridges)
        ip("route", "del", self.cidrs[1], check=False)
        ip("link", "del", self.bridges[0], check=False)
        ip("link", "del", self.veth, check=False)
        ip("netns", "del", self.namespace, check=False)
