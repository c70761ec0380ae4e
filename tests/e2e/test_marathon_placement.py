"""Marathon placement constraints (issue 6) across agents that look like separate machines: `mesokube master`
and three `mesokube agent` processes, each with its own `--hostname` and a `rack` attribute (node-0 and node-2
in rack r0, node-1 in rack r1). Instances that a constraint cannot place stay in the launch queue."""
import requests

from e2e_support.waiting import wait_until

RACKS = {"node-0": "r0", "node-1": "r1", "node-2": "r0"}


def placed_hosts(url: str, app_id: str) -> list:
    app = requests.get(f"{url}/v2/apps/{app_id}", timeout=5).json()["app"]
    return sorted(t["host"] for t in app["tasks"] if t["state"] == "TASK_RUNNING")


def queued(url: str, app_id: str) -> int:
    queue = requests.get(f"{url}/v2/queue", timeout=5).json()["queue"]
    return sum(item["count"] for item in queue if item["app"]["id"] == f"/{app_id}")


def create(url: str, app_id: str, instances: int, constraints: list) -> None:
    response = requests.post(f"{url}/v2/apps", json={"id": app_id, "cmd": "sleep 3600", "cpus": 0.05, "mem": 16,
                                                     "instances": instances, "constraints": constraints}, timeout=5)
    assert response.status_code == 201, response.text


def test_unique_max_per_cluster_and_like_constraints_place_over_distinct_agents(split_cluster):
    cluster = split_cluster(agents=3, per_agent_args=lambda i: ["--hostname", f"node-{i}",
                                                                "--attributes", f"rack:{RACKS[f'node-{i}']}"])
    url = f"http://127.0.0.1:{cluster.marathon_port}"
    wait_until(lambda: requests.get(url + "/ping", timeout=2).ok, 30, "Marathon /ping")

    # UNIQUE hostname: one instance per agent; a fourth has nowhere to go and waits in the queue.
    create(url, "spread", 4, [["hostname", "UNIQUE"]])
    # MAX_PER rack 1: one per rack, so two of three.
    create(url, "per-rack", 3, [["rack", "MAX_PER", "1"]])
    # CLUSTER rack r1: only node-1. LIKE / UNLIKE hostname by regular expression.
    create(url, "in-r1", 2, [["rack", "CLUSTER", "r1"]])
    create(url, "like", 2, [["hostname", "LIKE", "node-[02]"], ["hostname", "UNIQUE"]])
    create(url, "unlike", 2, [["hostname", "UNLIKE", "node-0"]])

    spread = wait_until(lambda: (lambda h: h if len(h) == 3 else None)(placed_hosts(url, "spread")), 90,
                        "three 'spread' instances running")
    assert spread == ["node-0", "node-1", "node-2"]
    per_rack = wait_until(lambda: (lambda h: h if len(h) == 2 else None)(placed_hosts(url, "per-rack")), 90,
                          "two 'per-rack' instances running")
    assert sorted(RACKS[h] for h in per_rack) == ["r0", "r1"]
    in_r1 = wait_until(lambda: (lambda h: h if len(h) == 2 else None)(placed_hosts(url, "in-r1")), 90,
                       "two 'in-r1' instances")
    assert in_r1 == ["node-1", "node-1"]
    like = wait_until(lambda: (lambda h: h if len(h) == 2 else None)(placed_hosts(url, "like")), 90,
                      "two 'like' instances")
    assert like == ["node-0", "node-2"]
    unlike = wait_until(lambda: (lambda h: h if len(h) == 2 else None)(placed_hosts(url, "unlike")), 90,
                        "two 'unlike' instances")
    assert "node-0" not in unlike

    # What cannot be placed stays queued (and its deployment open) without ever over-placing.
    assert wait_until(lambda: queued(url, "spread") == 1 and queued(url, "per-rack") == 1, 30,
                      "the unplaceable instances in the queue")
    assert len(placed_hosts(url, "spread")) == 3 and len(placed_hosts(url, "per-rack")) == 2
    # The queue tells why: offers turned down by the constraint.
    def constraint_rejections():
        queue = requests.get(f"{url}/v2/queue", timeout=5).json()["queue"]
        summary = next(i for i in queue if i["app"]["id"] == "/spread")["processedOffersSummary"]
        stage = next(s for s in summary["rejectSummaryLastOffers"] if s["reason"] == "UnfulfilledConstraint")
        return summary if stage["declined"] >= 1 else None
    summary = wait_until(constraint_rejections, 30, "an offer declined for the UNIQUE constraint")
    assert summary["unusedOffersCount"] >= 1 and summary["lastUnusedOfferAt"]
    app = requests.get(f"{url}/v2/apps/spread", timeout=5).json()["app"]
    assert app["deployments"], "the deployment waits for the fourth instance"

    # Scaling down to what fits lets the deployment finish.
    response = requests.put(f"{url}/v2/apps/spread", json={"instances": 3}, params={"force": "true"}, timeout=5)
    assert response.status_code == 200, response.text
    wait_until(lambda: requests.get(f"{url}/v2/apps/spread", timeout=5).json()["app"]["deployments"] == [], 60,
               "the 'spread' deployment finished at three instances")
    assert queued(url, "spread") == 0
