"""Bad input to the scheduler API: raw HTTP answers, and invalid launches as pymesos sees them (item 6)."""
import json
import select
import socket
import time

import pytest

from e2e_support.http import RawSubscription, framework_info, random_uuid_b64
from e2e_support.scheduler import shell_task, sleep_task
from e2e_support.waiting import wait_until


@pytest.fixture
def cluster(dev_cluster):
    return dev_cluster(agents=1)


def subscribe(cluster, name: str, **fields) -> RawSubscription:
    subscription = RawSubscription(cluster.master_address, framework_info(name, **fields)).open()
    assert subscription.status == 200, (subscription.status, subscription.error_body)
    return subscription


def revive(framework_id: str) -> dict:
    return {"type": "REVIVE", "framework_id": {"value": framework_id}}


def test_subscribe_stream_shape(cluster):
    with subscribe(cluster, "shape") as subscription:
        assert subscription.chunked, subscription.headers
        assert subscription.headers.get("content-type", "").startswith("application/json"), subscription.headers
        assert subscription.stream_id, subscription.headers
        first = subscription.wait_event("SUBSCRIBED")
        assert subscription.events[0] is first, "SUBSCRIBED must be the first event"
        assert first["subscribed"]["heartbeat_interval_seconds"] > 0
        subscription.wait_event("HEARTBEAT", timeout=20)


def test_malformed_json_and_unknown_call_type_are_400(cluster):
    assert cluster.master.scheduler_call(None, raw=b'{"type": "SUBSCRIBE", ').status_code == 400
    assert cluster.master.scheduler_call(None, raw=b"[1, 2").status_code == 400
    unknown = cluster.master.scheduler_call({"type": "FROBNICATE", "framework_id": {"value": "x"}})
    assert unknown.status_code == 400, unknown.text


def test_stream_id_is_required_and_checked(cluster):
    with subscribe(cluster, "stream-ids") as subscription:
        framework_id = subscription.subscribed_framework_id()
        missing = cluster.master.scheduler_call(revive(framework_id))
        assert missing.status_code == 400, missing.text
        wrong = cluster.master.scheduler_call(revive(framework_id), stream_id="not-the-stream-id")
        assert wrong.status_code == 400, wrong.text
        right = cluster.master.scheduler_call(revive(framework_id), stream_id=subscription.stream_id)
        assert right.status_code == 202, right.text


def test_subscribe_carrying_a_stream_id_is_400(cluster):
    subscription = RawSubscription(cluster.master_address, framework_info("with-stream-id"),
                                   extra_headers={"Mesos-Stream-Id": "5ea5cf4b-9f5e-4d4e-8a5e-0c7a7e2f1a11"}).open()
    try:
        assert subscription.status == 400, (subscription.status, subscription.error_body)
    finally:
        subscription.close()


def test_calls_for_unknown_or_unsubscribed_frameworks(cluster):
    unknown = cluster.master.scheduler_call(revive("no-such-framework"), stream_id="whatever")
    assert unknown.status_code == 400, unknown.text

    subscription = subscribe(cluster, "gone-away", failover_timeout=60)
    framework_id = subscription.subscribed_framework_id()
    stream_id = subscription.stream_id
    subscription.close()
    # The framework is kept for its failover timeout but is no longer subscribed: 403.
    wait_until(lambda: cluster.master.scheduler_call(revive(framework_id), stream_id=stream_id).status_code == 403,
               30, "403 for a framework whose subscription closed")


@pytest.mark.parametrize("content_type", ["application/x-protobuf", "text/plain"])
def test_unsupported_content_type_is_415(cluster, content_type):
    body = json.dumps({"type": "SUBSCRIBE", "subscribe": {"framework_info": framework_info("ct")}}).encode()
    response = cluster.master.scheduler_call(None, raw=body, content_type=content_type)
    assert response.status_code == 415, response.text


def send_oversized_request(address: str, declared: int = 256 << 20, piece: int = 256 << 10) -> bytes:
    """POSTs a body declared as `declared` bytes and returns whatever the server answers.

    The body is sent only while the server has not answered, so a server that refuses on the Content-Length
    header alone is read before it could reset the connection, and one that reads up to a limit first
    still gets bytes to count.
    """
    host, port = address.split(":")
    answer, sent = b"", 0
    filler = b" " * piece
    deadline = time.monotonic() + 60
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall((f"POST /api/v1/scheduler HTTP/1.1\r\nHost: {address}\r\n"
                      f"Content-Type: application/json\r\nContent-Length: {declared}\r\n\r\n").encode())
        sock.setblocking(False)
        while time.monotonic() < deadline:
            want_write = [sock] if sent < declared else []
            readable, writable, _ = select.select([sock], want_write, [], 1.0)
            if readable:
                break
            if writable:
                try:
                    sent += sock.send(filler[:declared - sent])
                except BlockingIOError:
                    pass
                except OSError:
                    break
        sock.setblocking(True)
        sock.settimeout(10)
        try:
            while b"\r\n\r\n" not in answer:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        except OSError:
            pass
    return answer


def test_oversized_body_is_413(cluster):
    answer = send_oversized_request(cluster.master_address)
    assert answer.split(b"\r\n", 1)[0].split(b" ")[1:2] == [b"413"], answer[:300]
    assert cluster.master.healthy()


def test_acknowledgements_with_unknown_or_malformed_uuids(cluster):
    with subscribe(cluster, "acks") as subscription:
        framework_id = subscription.subscribed_framework_id()
        ack = {"type": "ACKNOWLEDGE", "framework_id": {"value": framework_id},
               "acknowledge": {"agent_id": {"value": "no-such-agent"}, "task_id": {"value": "no-such-task"},
                               "uuid": random_uuid_b64()}}
        unknown = cluster.master.scheduler_call(ack, stream_id=subscription.stream_id)
        assert unknown.status_code in (202, 400), unknown.text  # Mesos forwards (202) or refuses; never 5xx
        ack["acknowledge"]["uuid"] = "bm90LTE2LWJ5dGVz"  # base64 of 12 bytes: not a UUID
        malformed = cluster.master.scheduler_call(ack, stream_id=subscription.stream_id)
        assert malformed.status_code == 400, malformed.text
        assert not subscription.closed_by_server, "the stream must survive bad acknowledgements"
    assert cluster.master.healthy()


def test_clients_vanishing_mid_stream_do_not_hurt_the_master(cluster):
    subscription = subscribe(cluster, "vanishing", failover_timeout=0)
    framework_id = subscription.subscribed_framework_id()
    subscription.close(reset=True)
    # And one that sends half a request and leaves.
    with socket.create_connection(("127.0.0.1", cluster.master_port), timeout=10) as sock:
        sock.sendall(b"POST /api/v1/scheduler HTTP/1.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 500\r\n\r\n{")

    def removed():
        _, where = cluster.master.framework(framework_id)
        return where == "completed_frameworks"
    wait_until(removed, 30, "the framework (failover_timeout 0) to be removed after its stream broke")
    assert cluster.master.healthy()
    state = cluster.master.state()
    assert not any(f["id"] == framework_id for f in state["frameworks"])
    with subscribe(cluster, "after-vanishing") as again:
        assert again.subscribed_framework_id() != framework_id


def test_invalid_launches_are_reported_to_pymesos(cluster, scheduler):
    framework = scheduler(cluster, name="invalid-launches",
                          init=[{"cmd": "launch", "tasks": [sleep_task("dup")]}])
    framework.wait_update("dup", "TASK_RUNNING")

    def launch_and_expect(task: dict, state: str, reason=None) -> dict:
        mark = framework.mark()
        framework.launch(task)
        update = framework.wait_update(task["id"], state, since=mark)
        if reason:
            assert update["reason"] == reason, update
        assert not update["has_uuid"], f"master-generated updates carry no uuid: {update}"
        return update

    launch_and_expect(shell_task("ghost", "true", force=True, bogus_offer=True),
                      "TASK_LOST", "REASON_INVALID_OFFERS")
    launch_and_expect(shell_task("too-big", "true", cpus=1000, force=True), "TASK_ERROR", "REASON_TASK_INVALID")
    launch_and_expect(shell_task("bad/id", "true", force=True), "TASK_ERROR", "REASON_TASK_INVALID")
    launch_and_expect(sleep_task("dup", force=True), "TASK_ERROR")

    # The first "dup" is untouched by its rejected namesake.
    copies = cluster.master.tasks_named("dup")
    assert [t["state"] for t in copies] == ["TASK_RUNNING"], copies
    mark = framework.mark()
    framework.send({"cmd": "reconcile", "task_ids": ["dup"]})
    framework.wait_update("dup", "TASK_RUNNING", since=mark)
    # None of the rejected tasks reached the master's task lists.
    for task_id in ("ghost", "too-big", "bad/id"):
        assert not cluster.master.tasks_named(task_id), task_id
