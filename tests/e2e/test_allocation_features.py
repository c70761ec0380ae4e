"""Reservations, quota, offer timeout, standby redirects and the operator event stream (issue items 2, 3, 5, 6)."""
import json
import socket
import threading
import time
from types import SimpleNamespace

import requests

from e2e_support.cluster import mesokube_binary, wait_for_startup
from e2e_support.http import MasterClient, RawSubscription, framework_info
from e2e_support.ports import free_port
from e2e_support.processes import ManagedProcess
from e2e_support.scheduler import sleep_task
from e2e_support.waiting import stays_true, wait_until

RESERVED = "cpus:1;cpus(analytics):2;mem:512;disk:256;ports:[31000-31009]"


def scalar_by_role(offer, name):
    """{role: amount} for one scalar resource of a raw offer (pre-refinement `role` field)."""
    totals = {}
    for resource in offer["resources"]:
        if resource["name"] == name:
            role = resource.get("role", "*")
            totals[role] = totals.get(role, 0.0) + resource["scalar"]["value"]
    return totals


def decline_all(cluster, subscription, event, refuse_seconds):
    framework_id = subscription.events[0]["subscribed"]["framework_id"]["value"]
    offer_ids = [offer["id"] for offer in event["offers"]["offers"]]
    response = cluster.master.scheduler_call(
        {"type": "DECLINE", "framework_id": {"value": framework_id},
         "decline": {"offer_ids": offer_ids, "filters": {"refuse_seconds": refuse_seconds}}},
        stream_id=subscription.stream_id)
    assert response.status_code == 202, response.text


def offer_holding(cluster, subscription, cpus, timeout: float = 60.0):
    """The first OFFERS event with an offer of exactly `cpus` by role. The dev cluster's own frameworks (kube
    scheduler, Marathon) can hold the unreserved cpus in an offer of theirs for a moment; partial offers are
    declined without a filter until the whole agent comes back in one offer."""
    deadline = time.monotonic() + timeout
    since = 0
    while True:
        event = subscription.wait_event("OFFERS", timeout=max(1.0, deadline - time.monotonic()), since=since)
        since = subscription.events.index(event) + 1
        if any(scalar_by_role(offer, "cpus") == cpus for offer in event["offers"]["offers"]):
            return event
        assert time.monotonic() < deadline, f"no offer of {cpus}; last: {event}"
        decline_all(cluster, subscription, event, refuse_seconds=0)


def test_static_reservation_is_offered_only_to_its_role(dev_cluster):
    cluster = dev_cluster(agents=1, resources=RESERVED)
    with RawSubscription(cluster.master_address, framework_info("analytics", role="analytics")).open() as analytics:
        event = offer_holding(cluster, analytics, {"*": 1.0, "analytics": 2.0})
        decline_all(cluster, analytics, event, refuse_seconds=3600)

        with RawSubscription(cluster.master_address, framework_info("plain")).open() as plain:
            offer = plain.wait_event("OFFERS")["offers"]["offers"][0]
            assert scalar_by_role(offer, "cpus") == {"*": 1.0}, offer
            assert all(r.get("role", "*") == "*" for r in offer["resources"]), offer

    slave = cluster.master.get_json("/master/slaves")["slaves"][0]
    assert slave["reserved_resources"]["analytics"]["cpus"] == 2.0, slave
    assert slave["unreserved_resources"]["cpus"] == 1.0, slave


def test_dynamic_reservation_survives_a_master_restart(split_cluster):
    cluster = split_cluster(agents=1)
    agent_id = cluster.agents[0].agent_id()
    reservation = [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.5},
                    "reservations": [{"type": "DYNAMIC", "role": "ops", "principal": "admin"}]}]
    response = cluster.master.operator_raw(
        {"type": "RESERVE_RESOURCES", "reserve_resources": {"agent_id": {"value": agent_id},
                                                             "resources": reservation}})
    assert response.status_code == 200, response.text

    def reserved():
        slaves = cluster.master.get_json("/master/slaves")["slaves"]
        return slaves and slaves[0]["reserved_resources"].get("ops", {}).get("cpus")
    assert wait_until(reserved, 15, "the ops reservation in /master/slaves") == 0.5

    # Reserving more than the agent has unreserved is refused and changes nothing.
    too_much = [dict(reservation[0], scalar={"value": 1000})]
    response = cluster.master.operator_raw(
        {"type": "RESERVE_RESOURCES", "reserve_resources": {"agent_id": {"value": agent_id},
                                                             "resources": too_much}})
    assert response.status_code == 409, response.text

    cluster.kill_master()
    cluster.restart_master()
    wait_until(lambda: cluster.master.active_agent_count() == 1, 60, "the agent re-registered")
    assert wait_until(reserved, 15, "the reservation after the restart") == 0.5

    response = cluster.master.operator_raw(
        {"type": "UNRESERVE_RESOURCES", "unreserve_resources": {"agent_id": {"value": agent_id},
                                                                 "resources": reservation}})
    assert response.status_code == 200, response.text
    assert wait_until(lambda: not reserved(), 15, "the reservation gone")


def test_quota_limits_a_greedy_role(dev_cluster, scheduler):
    cluster = dev_cluster(agents=2)
    response = cluster.master.operator_raw(
        {"type": "UPDATE_QUOTA", "update_quota": {"force": False, "quota_configs": [
            {"role": "capped", "limits": {"cpus": {"value": 0.5}}}]}})
    assert response.status_code == 200, response.text
    quota = cluster.master.operator("GET_QUOTA")["get_quota"]["status"]["configs"]
    assert quota == [{"role": "capped", "limits": {"cpus": {"value": 0.5}}}], quota

    greedy = scheduler(cluster, name="greedy", role="capped", refuse_seconds=0.2,
                       init=[{"cmd": "greedy", "template": sleep_task("g", cpus=0.1, mem=16)}])
    wait_until(lambda: len(greedy.select("update", state="TASK_RUNNING")) >= 5, 60, "five greedy tasks running")

    def allocated_cpus():
        roles = {r["name"]: r for r in cluster.master.get_json("/roles")["roles"]}
        return roles.get("capped", {}).get("resources", {}).get("cpus", 0.0)
    assert stays_true(lambda: allocated_cpus() <= 0.5 + 1e-9, duration=3.0), allocated_cpus()
    running = {e["task_id"] for e in greedy.select("update", state="TASK_RUNNING")}
    assert len(running) == 5, running

    # Bad quota input is a 400, and leaves the quota alone.
    bad = cluster.master.operator_raw(
        {"type": "UPDATE_QUOTA", "update_quota": {"quota_configs": [
            {"role": "a/b", "limits": {"cpus": {"value": 1}}}]}})
    assert bad.status_code == 400, bad.text


def test_offer_timeout_rescinds_hoarded_offers(dev_cluster):
    cluster = dev_cluster(agents=1, offer_timeout="1secs")
    with RawSubscription(cluster.master_address, framework_info("hoarder")).open() as hoarder:
        offers = hoarder.wait_event("OFFERS")
        offer_id = offers["offers"]["offers"][0]["id"]["value"]
        rescind = hoarder.wait_event("RESCIND", timeout=20)
        assert rescind["rescind"]["offer_id"]["value"] == offer_id, rescind
        # The resources come back in a new offer.
        again = hoarder.wait_event("OFFERS", since=hoarder.events.index(rescind) + 1, timeout=20)
        assert again["offers"]["offers"][0]["id"]["value"] != offer_id


def test_standby_master_redirects_pymesos_to_the_leader(split_cluster, scheduler, tmp_path):
    cluster = split_cluster(agents=1)
    standby_port = free_port()
    argv = [str(mesokube_binary()), "master", "--work-dir", str(tmp_path / "standby"), "--port", str(standby_port),
            "--ip", "127.0.0.1", "--leader", cluster.master_address, "--no-kube",
            "--no-marathon", "--dns-port", str(free_port())]
    standby = ManagedProcess("mesokube-standby", argv, tmp_path / "standby.log", cwd=tmp_path).start()
    try:
        standby_client = MasterClient(f"http://127.0.0.1:{standby_port}")
        wait_for_startup(lambda: standby.alive() and standby_client.healthy(), "standby /health")
        answer = requests.get(f"http://127.0.0.1:{standby_port}/master/state", allow_redirects=False, timeout=10)
        assert answer.status_code == 307, answer.status_code
        assert answer.headers["Location"] == f"//{cluster.master_address}/master/state"
        redirect = requests.get(f"http://127.0.0.1:{standby_port}/master/redirect", allow_redirects=False,
                                timeout=10)
        assert redirect.status_code == 307 and redirect.headers["Location"] == f"//{cluster.master_address}"

        # pymesos is pointed at the standby only; it must follow the 307 to reach the leader.
        via_standby = SimpleNamespace(master_address=f"127.0.0.1:{standby_port}", work_dir=cluster.work_dir)
        framework = scheduler(via_standby, name="via-standby",
                              init=[{"cmd": "launch", "tasks": [sleep_task("follow", seconds=1)]}])
        framework_id = framework.registered_framework_id()
        framework.wait_update("follow", "TASK_FINISHED")
        assert cluster.master.framework(framework_id)[1] == "frameworks"
    finally:
        standby.terminate()


def read_operator_events(address, events, stop):
    """Reads the operator SUBSCRIBE stream (chunked RecordIO) into `events` until `stop` is set."""
    host, port = address.split(":")
    body = json.dumps({"type": "SUBSCRIBE"}).encode()
    sock = socket.create_connection((host, int(port)), timeout=5)
    sock.sendall(b"POST /api/v1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Accept: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        buffer += sock.recv(65536)
    buffer = buffer.split(b"\r\n\r\n", 1)[1]
    records = b""
    sock.settimeout(0.5)
    while not stop.is_set():
        while b"\r\n" in buffer:
            size_line, rest = buffer.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            if len(rest) < size + 2:
                break
            records += rest[:size]
            buffer = rest[size + 2:]
        while b"\n" in records:
            length, rest = records.split(b"\n", 1)
            if len(rest) < int(length):
                break
            events.append(json.loads(rest[:int(length)]))
            records = rest[int(length):]
        try:
            data = sock.recv(65536)
            if not data:
                break
            buffer += data
        except socket.timeout:
            continue
    sock.close()


def test_operator_subscribe_streams_task_and_framework_events(dev_cluster, scheduler):
    cluster = dev_cluster(agents=1)
    events, stop = [], threading.Event()
    reader = threading.Thread(target=read_operator_events, args=(cluster.master_address, events, stop), daemon=True)
    reader.start()
    try:
        wait_until(lambda: any(e["type"] == "SUBSCRIBED" for e in events), 15, "SUBSCRIBED on the operator stream")
        snapshot = next(e for e in events if e["type"] == "SUBSCRIBED")
        assert len(snapshot["subscribed"]["get_state"]["get_agents"]["agents"]) == 1, snapshot

        framework = scheduler(cluster, name="observed",
                              init=[{"cmd": "launch", "tasks": [sleep_task("watched", seconds=1)]}])
        framework.wait_update("watched", "TASK_FINISHED")
        types = lambda: [e["type"] for e in events]
        wait_until(lambda: "FRAMEWORK_ADDED" in types() and "TASK_ADDED" in types(), 15, "added events")
        added = next(e for e in events if e["type"] == "TASK_ADDED")
        assert added["task_added"]["task"]["task_id"]["value"] == "watched", added

        def states():
            return [e["task_updated"]["state"] for e in events if e["type"] == "TASK_UPDATED"]
        wait_until(lambda: "TASK_FINISHED" in states(), 15, "TASK_UPDATED to TASK_FINISHED")
        assert states().index("TASK_RUNNING") < states().index("TASK_FINISHED"), states()

        framework.stop()
        wait_until(lambda: "FRAMEWORK_REMOVED" in types(), 15, "FRAMEWORK_REMOVED")
    finally:
        stop.set()
        reader.join(timeout=5)
