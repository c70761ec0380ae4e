"""A Marathon app, a kube Deployment and a pymesos framework share one cluster by DRF (issue 6).

Three front doors, three roles of weight 1 (`marathon`, `kubernetes`, `batch`), each asking for more than
the three 2-cpu agents hold: a Marathon app of 40 × 0.25 cpu, a Deployment of 40 × 250m pods, and the
pymesos framework launching one 0.25-cpu task per offer for ever. The master's DRF hands each freed piece
of an agent to the role furthest below its share, and every framework takes a bounded bite of an offer
and returns the rest: the kube scheduler half an offer, pymesos one task, Marathon
`--marathon-max-instances-per-offer` instances (Marathon's `--max_instances_per_offer`; 2 here). The
demand is in place before the agents join (`mesokube master` first, then three `mesokube agent`
processes), so no front door is handed whole agents while another is still creating its work. Once the
allocation stops changing each role holds a third of the cpus, up to the largest bite (1/6 of the
cluster); when the Marathon app is scaled to zero, the others take its cpus.
"""
import time

import requests
import yaml

from e2e_support.kube import Kubectl, sleeping_deployment
from e2e_support.waiting import wait_until

# In the offer model DRF is fair up to one bite: a framework that is offered a fresh agent takes what it
# takes before the others' next turn. The largest bite here is the kube scheduler's half offer, 1 cpu of
# six: each role ends within 1/6 of its third.
TOLERANCE = 1 / 6
FILLED = 0.8
ROLES = ("batch", "kubernetes", "marathon")


def test_marathon_kube_and_pymesos_converge_to_a_third_each(split_cluster, scheduler, tmp_path):
    cluster = split_cluster(agents=3, resources="cpus:2;mem:4096;disk:4096;ports:[31000-31099]",
                            master_args=["--marathon-max-instances-per-offer", "2"], start_agents=False)
    kubeconfig = cluster.work_dir / "master" / "kubeconfig"
    wait_until(kubeconfig.exists, 30, "kubeconfig written")
    kube = Kubectl(kubeconfig, tmp_path / "home")
    marathon = f"http://127.0.0.1:{cluster.marathon_port}"
    wait_until(lambda: requests.get(marathon + "/ping", timeout=2).ok, 30, "Marathon /ping")

    deployment = sleeping_deployment("hungry", replicas=40)
    kube.out("apply", "-f", "-", input=yaml.safe_dump(deployment))
    created = requests.post(f"{marathon}/v2/apps", json={"id": "/hungry", "cmd": "sleep 600", "cpus": 0.25,
                                                         "mem": 16, "instances": 40}, timeout=5)
    assert created.status_code == 201, created.text
    batch = scheduler(cluster, name="drf-batch", role="batch", refuse_seconds=0, max_tasks_per_offer=1)
    batch.registered_framework_id()
    batch.send({"cmd": "greedy", "template": {"id": "sleeper", "cmd": "sleep 600", "cpus": 0.25, "mem": 16}})
    # All the demand is in place before any agent offers a cpu.
    wait_until(lambda: len(kube.json("get", "pods")["items"]) == 40, 60, "40 pending pods")
    for index in range(3):
        cluster.start_agent(index)

    def settled():
        first = {role: cluster.master.allocated_cpus(role) for role in ROLES}
        if sum(first.values()) < FILLED * 6 or min(first.values()) == 0:
            return None
        time.sleep(3.0)
        second = {role: cluster.master.allocated_cpus(role) for role in ROLES}
        return second if second == first else None

    allocation = wait_until(settled, 180, "the three front doors to fill the cluster and settle")
    total = sum(allocation.values())
    shares = {role: cpus / total for role, cpus in allocation.items()}
    assert all(abs(share - 1 / 3) <= TOLERANCE for share in shares.values()), allocation

    # The Marathon app scaled to zero gives its cpus back; the other two front doors take them.
    response = requests.put(f"{marathon}/v2/apps/hungry", json={"instances": 0}, params={"force": "true"},
                            timeout=5)
    assert response.status_code == 200, response.text
    wait_until(lambda: cluster.master.allocated_cpus("marathon") == 0 or None, 60, "the Marathon tasks gone")
    wait_until(lambda: cluster.master.allocated_cpus("batch") + cluster.master.allocated_cpus("kubernetes")
               > allocation["batch"] + allocation["kubernetes"] + 1 or None, 60,
               "the other front doors taking the freed cpus")
