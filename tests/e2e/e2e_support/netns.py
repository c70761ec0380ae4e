"""Network namespaces as "other hosts" for e2e tests: `ip` commands and running a process inside one."""
import subprocess
from pathlib import Path


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
    from .processes import kill_processes_under
    for process in reversed(processes):
        process.terminate(grace=20)
    kill_processes_under(work_dir)
    for name in ip("netns", "list", check=False).split("\n"):
        name = name.split(" ")[0]
        if name.startswith(tuple(bridge + "-" for bridge in pod_bridges)):
            ip("netns", "del", name, check=False)
