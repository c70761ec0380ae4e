"""Fixtures of the end-to-end suite: the real `mesokube` binary, driven by the real pymesos client.

- `dev_cluster(agents=2, resources=..., **DevCluster options)` starts `mesokube dev` and returns a DevCluster.
- `split_cluster(agents=2, ...)` starts `mesokube master` + `mesokube agent` processes (SplitCluster:
  kill_master / restart_master / restart_agent); with `start_agents=False` only the master.
- `scheduler(cluster, **SchedulerProcess options)` runs programs/scheduler.py against a cluster.
- `pod_cluster` is a three-agent `mesokube dev` with kubectl, pulling from `example_registry`.
- `marathon_cluster` is a two-agent `mesokube dev` pulling from `example_registry`, with the Marathon API's URL.

Everything started is ended at teardown, even when the test fails, and the logs of a failed test's
processes are printed (pytest shows them under "Captured stdout teardown").
"""
import collections
import collections.abc

import pytest
import requests

from e2e_support.cluster import DEFAULT_RESOURCES, DevCluster, SplitCluster, mesokube_binary
from e2e_support.ha import EtcdCluster, HACluster
from e2e_support.images import Registry, example_images
from e2e_support.kube import Kubectl
from e2e_support.netns import TwoHosts, ip
from e2e_support.scheduler import SchedulerProcess
from e2e_support.slow_proxy import SlowProxies
from e2e_support.waiting import wait_until

# marathon-python 0.13.0 (the newest on PyPI) serializes nested model objects (health checks,
# constraints given as objects) through `collections.Iterable`, which Python 3.10 removed; every user
# of it on a current Python needs this alias. It changes the client, not what the server sees.
if not hasattr(collections, "Iterable"):
    collections.Iterable = collections.abc.Iterable


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"_e2e_report_{report.when}", report)


def _test_failed(request) -> bool:
    reports = [getattr(request.node, f"_e2e_report_{when}", None) for when in ("setup", "call")]
    return any(r is not None and r.failed for r in reports)


@pytest.fixture(scope="session")
def mesokube_bin():
    """The binary under test; its absence fails the test (it is never skipped)."""
    try:
        return mesokube_binary()
    except AssertionError as error:
        pytest.fail(str(error))


@pytest.fixture
def dev_cluster(tmp_path, request, mesokube_bin):
    started = []

    def start(agents: int = 2, resources: str = DEFAULT_RESOURCES, **options) -> DevCluster:
        cluster = DevCluster(tmp_path / f"dev{len(started)}", agents=agents, resources=resources, **options)
        started.append(cluster)
        return cluster.start()

    yield start
    for cluster in started:
        if _test_failed(request):
            print(cluster.logs(lines=150))
        cluster.stop()


@pytest.fixture
def split_cluster(tmp_path, request, mesokube_bin):
    started = []

    def start(agents: int = 2, resources: str = DEFAULT_RESOURCES, start_agents: bool = True,
              **options) -> SplitCluster:
        cluster = SplitCluster(tmp_path / f"split{len(started)}", agents=agents, resources=resources, **options)
        started.append(cluster)
        if not start_agents:  # the test starts them with cluster.start_agent(index)
            cluster.start_master()
            return cluster
        return cluster.start()

    yield start
    for cluster in started:
        if _test_failed(request):
            print(cluster.logs(lines=150))
        cluster.stop()


@pytest.fixture
def ha_cluster(tmp_path, request, mesokube_bin):
    """Three masters on a three-member etcd cluster and two agents that know all three masters."""
    etcd = EtcdCluster(tmp_path / "etcd")
    cluster = HACluster(tmp_path / "ha", etcd, masters=3, agents=2,
                        resources="cpus:2;mem:2048;disk:2048;ports:[31000-31099]")
    try:
        etcd.start()
        yield cluster.start()
    finally:
        if _test_failed(request):
            print(cluster.logs(lines=150))
        cluster.stop()
        etcd.stop()


@pytest.fixture
def fault_cluster(tmp_path, request, mesokube_bin):
    """Three masters, three agents with room for a thousand small tasks, and a three-member etcd the
    masters reach through `SlowProxies` (`cluster.proxies.delay` slows every store call)."""
    etcd = EtcdCluster(tmp_path / "etcd")
    proxies = SlowProxies([("127.0.0.1", port) for port in etcd.client_ports])
    store = "etcd://" + ",".join(f"127.0.0.1:{port}" for port in proxies.ports)
    cluster = HACluster(tmp_path / "ha", etcd, masters=3, agents=3, store_url=store,
                        resources="cpus:24;mem:24576;disk:4096;ports:[31000-32999]")
    cluster.proxies = proxies
    try:
        etcd.start()
        proxies.start()
        yield cluster.start()
    finally:
        if _test_failed(request):
            print(cluster.logs(lines=150))
        cluster.stop()
        proxies.stop()
        etcd.stop()


@pytest.fixture
def two_hosts(tmp_path, request):
    """This host and a network namespace joined by a veth pair (`TwoHosts`), torn down after the test."""
    with TwoHosts(tmp_path) as hosts:
        yield hosts
        if _test_failed(request):
            print(hosts.logs())


@pytest.fixture
def partition_ha_cluster(two_hosts, tmp_path, request, mesokube_bin):
    """Three etcd members and three masters on two_hosts.address_a (pinging agents every second, no
    Kubernetes); agents 0 and 2 on this host, agent 1 in the namespace. Agents are left to the test to
    start; `cluster.hosts` is two_hosts, whose veth cuts agent 1 off."""
    etcd = EtcdCluster(tmp_path / "etcd")
    hosts = two_hosts
    cluster = HACluster(
        tmp_path / "ha", etcd, masters=3, agents=3, resources="cpus:2;mem:2048;disk:2048;ports:[31000-31099]",
        ip=hosts.address_a, agent_ips=[hosts.address_a, hosts.address_b, hosts.address_a],
        agent_wrapper=lambda index, argv: hosts.in_host_b(f"agent-{index}", argv) if index == 1 else argv,
        master_args=["--agent-ping-timeout", "1secs", "--max-agent-ping-timeouts", "5", "--no-kube"])
    cluster.hosts = hosts
    try:
        etcd.start()
        for index in range(3):
            cluster.start_master(index)
        cluster.wait_leader()
        yield cluster
    finally:
        ip("link", "set", hosts.veth, "up", check=False)
        if _test_failed(request):
            print(cluster.logs(lines=150))
        cluster.stop()
        etcd.stop()


@pytest.fixture
def scheduler(tmp_path, request):
    started = []

    def start(cluster, **options) -> SchedulerProcess:
        options.setdefault("tag", str(cluster.work_dir))
        process = SchedulerProcess(cluster.master_address, tmp_path / "schedulers", **options)
        started.append(process)
        return process.start()

    yield start
    for process in started:
        if _test_failed(request):
            print(process.describe(last=80))
        process.close()


@pytest.fixture
def kube(dev_cluster, tmp_path):
    """The real kubectl against a one-agent `mesokube dev`, with its own HOME (discovery cache)."""
    cluster = dev_cluster(agents=1)
    kubeconfig = cluster.work_dir / "dev" / "kubeconfig"
    wait_until(kubeconfig.exists, 10, "kubeconfig written")
    return Kubectl(kubeconfig, tmp_path / "home")


@pytest.fixture(scope="module")
def example_registry(tmp_path_factory):
    """A loopback docker-registry holding the seed examples' images (`nginx`, `hello-world:latest`, ...)."""
    with Registry(tmp_path_factory.mktemp("registry")) as running:
        for image in example_images():
            running.push(image)
        yield running


@pytest.fixture
def pod_cluster(dev_cluster, example_registry, tmp_path):
    """`mesokube dev --agents 3` pulling unqualified image names from the example registry, once all three
    agents are Nodes; returns the DevCluster and kubectl for it."""
    started = dev_cluster(agents=3, extra_args=["--registry", example_registry.address,
                                                "--insecure-registry", example_registry.address])
    kubeconfig = started.work_dir / "dev" / "kubeconfig"
    wait_until(kubeconfig.exists, 10, "kubeconfig written")
    kube = Kubectl(kubeconfig, tmp_path / "home")
    wait_until(lambda: len(kube.json("get", "nodes")["items"]) == 3, 30, "three nodes")
    return started, kube


@pytest.fixture
def marathon_cluster(dev_cluster, example_registry):
    """`mesokube dev --agents 2` pulling from the example registry, once its Marathon API answers /ping;
    returns the DevCluster and the API's base URL (`http://127.0.0.1:<marathon port>`)."""
    started = dev_cluster(agents=2, extra_args=["--registry", example_registry.address,
                                                "--insecure-registry", example_registry.address])
    url = f"http://127.0.0.1:{started.marathon_port}"
    wait_until(lambda: requests.get(url + "/ping", timeout=2).status_code == 200, 30, "Marathon /ping")
    return started, url
