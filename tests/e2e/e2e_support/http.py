"""Small HTTP clients for the master's and agents' endpoints, and a raw scheduler-API subscription.

The raw subscription speaks HTTP over a plain socket on purpose: the bad-input tests need to send what a
library would refuse to (a SUBSCRIBE with a stream id, a client that vanishes mid-stream).
"""
import base64
import json
import os
import socket
import struct
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

import requests

from .waiting import wait_until

JSON = "application/json"


class HttpEndpoint:
    """A base URL plus a requests session; every call has a timeout."""

    def __init__(self, base_url: str, timeout: float = 15.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    @property
    def address(self) -> str:
        """host:port, the form pymesos takes."""
        return self.base_url.split("://", 1)[1]

    def get(self, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return self.session.get(self.base_url + path, **kwargs)

    def get_json(self, path: str, **kwargs) -> Any:
        response = self.get(path, **kwargs)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text[:500]}"
        return response.json()

    def post(self, path: str, data: Any = None, headers: Optional[Dict[str, str]] = None,
             **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return self.session.post(self.base_url + path, data=data, headers=headers or {}, **kwargs)

    def post_json(self, path: str, body: Any, headers: Optional[Dict[str, str]] = None) -> requests.Response:
        merged = {"Content-Type": JSON, "Accept": JSON, **(headers or {})}
        return self.post(path, data=json.dumps(body), headers=merged)

    def healthy(self) -> bool:
        try:
            return self.get("/health", timeout=3).status_code == 200
        except requests.RequestException:
            return False


class MasterClient(HttpEndpoint):
    """The master's legacy JSON endpoints, operator API and scheduler API (raw calls)."""

    def state(self) -> Dict[str, Any]:
        return self.get_json("/master/state")

    def version(self) -> Dict[str, Any]:
        return self.get_json("/version")

    def allocated_cpus(self, role: str) -> float:
        """CPUs allocated to `role` (its tasks and executors), from /roles."""
        for entry in self.get_json("/roles")["roles"]:
            if entry["name"] == role:
                return entry["allocated"].get("cpus", 0.0)
        return 0.0

    def weights(self) -> List[Dict[str, Any]]:
        return self.get_json("/weights")

    def put_weights(self, weights: List[Dict[str, Any]]) -> requests.Response:
        return self.session.put(self.base_url + "/weights", data=json.dumps(weights),
                                headers={"Content-Type": JSON}, timeout=self.timeout)

    def operator_raw(self, body: Any) -> requests.Response:
        return self.post_json("/api/v1", body)

    def operator(self, call_type: str, **payload: Any) -> Dict[str, Any]:
        """Sends an operator call and returns its JSON answer (asserting 200)."""
        body = {"type": call_type, **payload}
        response = self.operator_raw(body)
        assert response.status_code == 200, f"{call_type}: {response.status_code} {response.text[:500]}"
        return response.json()

    def scheduler_call(self, body: Any, stream_id: Optional[str] = None,
                       content_type: str = JSON, raw: Optional[bytes] = None) -> requests.Response:
        """POSTs one non-subscribe call to /api/v1/scheduler (body as JSON unless `raw` is given)."""
        headers = {"Content-Type": content_type, "Accept": JSON}
        if stream_id is not None:
            headers["Mesos-Stream-Id"] = stream_id
        data = raw if raw is not None else json.dumps(body).encode()
        return self.post("/api/v1/scheduler", data=data, headers=headers)

    # --- lookups in /master/state -------------------------------------------------------------

    def framework(self, framework_id: str, state: Optional[Dict[str, Any]] = None
                  ) -> Tuple[Optional[Dict[str, Any]], str]:
        """(framework object, "frameworks" | "completed_frameworks" | "") from /master/state."""
        state = state or self.state()
        for key in ("frameworks", "completed_frameworks"):
            for framework in state.get(key, []):
                if framework.get("id") == framework_id:
                    return framework, key
        return None, ""

    def tasks_named(self, task_id: str, state: Optional[Dict[str, Any]] = None,
                    key: str = "tasks") -> List[Dict[str, Any]]:
        """Every task object with this id under frameworks[].<key> and completed_frameworks[].<key>."""
        state = state or self.state()
        found = []
        for framework in state.get("frameworks", []) + state.get("completed_frameworks", []):
            found += [t for t in framework.get(key, []) if t.get("id") == task_id]
        return found

    def used_within_totals(self) -> bool:
        """No agent has more allocated than it has: used_resources <= resources for cpus and mem."""
        for agent in self.get_json("/master/slaves")["slaves"]:
            for name in ("cpus", "mem"):
                if agent["used_resources"].get(name, 0) > agent["resources"].get(name, 0) + 1e-6:
                    return False
        return True

    def active_agent_count(self) -> int:
        return len([s for s in self.state().get("slaves", []) if s.get("active", True)])


class AgentClient(HttpEndpoint):
    """An agent's /state and files API."""

    def state(self) -> Dict[str, Any]:
        return self.get_json("/state")

    def agent_id(self) -> str:
        return self.state()["id"]

    def executor_directory(self, framework_id: str, executor_id: str) -> Optional[str]:
        """The sandbox directory of an executor, as the agent's /state reports it (running or completed)."""
        state = self.state()
        for framework in state.get("frameworks", []) + state.get("completed_frameworks", []):
            if framework.get("id") != framework_id:
                continue
            for executor in framework.get("executors", []) + framework.get("completed_executors", []):
                if executor.get("id") == executor_id and executor.get("directory"):
                    return executor["directory"]
        return None

    def read_file(self, path: str, offset: int = 0, length: int = 1 << 20) -> str:
        """The `data` of GET /files/read (asserting 200)."""
        answer = self.get_json("/files/read", params={"path": path, "offset": offset, "length": length})
        return answer["data"]

    def browse(self, path: str) -> List[Dict[str, Any]]:
        """GET /files/browse: the entries of a sandbox directory ({path, size, mode, ...})."""
        return self.get_json("/files/browse", params={"path": path})

    def wait_for_file_text(self, path: str, needle: str, timeout: float = 30.0) -> str:
        """Polls /files/read until the file holds `needle` (a task's stdout is written asynchronously)."""
        return wait_until(lambda: (lambda text: text if needle in text else None)(self.read_file(path)),
                          timeout, f"{needle!r} in {path} via /files/read")


def random_uuid_b64() -> str:
    """A base64 16-byte UUID as status updates carry."""
    return base64.b64encode(os.urandom(16)).decode()


class RawSubscription:
    """A SUBSCRIBE over a plain socket: status line, headers, then chunked RecordIO events, read by a thread."""

    def __init__(self, address: str, framework_info: Dict[str, Any], framework_id: Optional[str] = None,
                 extra_headers: Optional[Dict[str, str]] = None):
        host, port = address.split(":")
        self.host, self.port = host, int(port)
        self.framework_info = framework_info
        self.framework_id = framework_id
        self.extra_headers = extra_headers or {}
        self.sock: Optional[socket.socket] = None
        self.status: Optional[int] = None
        self.headers: Dict[str, str] = {}
        self.events: List[Dict[str, Any]] = []
        self.error_body = b""
        self._buffer = b""
        self._cond = threading.Condition()
        self._closed = False
        self._reader: Optional[threading.Thread] = None

    # --- request and response head -------------------------------------------------------------

    def open(self, timeout: float = 15.0) -> "RawSubscription":
        body: Dict[str, Any] = {"type": "SUBSCRIBE", "subscribe": {"framework_info": self.framework_info}}
        if self.framework_id:
            body["framework_id"] = {"value": self.framework_id}
        payload = json.dumps(body).encode()
        head = [f"POST /api/v1/scheduler HTTP/1.1", f"Host: {self.host}:{self.port}",
                f"Content-Type: {JSON}", f"Accept: {JSON}", f"Content-Length: {len(payload)}"]
        head += [f"{k}: {v}" for k, v in self.extra_headers.items()]
        self.sock = socket.create_connection((self.host, self.port), timeout=timeout)
        self.sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        self._read_head()
        if self.status == 200:
            self._reader = threading.Thread(target=self._read_events, daemon=True)
            self._reader.start()
        else:
            self._read_error_body()
        return self

    def _recv_more(self) -> bool:
        assert self.sock is not None
        data = self.sock.recv(65536)
        if not data:
            return False
        self._buffer += data
        return True

    def _read_head(self) -> None:
        while b"\r\n\r\n" not in self._buffer:
            if not self._recv_more():
                raise ConnectionError(f"connection closed before response head: {self._buffer!r}")
        head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()

    def _read_error_body(self) -> None:
        length = int(self.headers.get("content-length", "0") or 0)
        try:
            while len(self._buffer) < length and self._recv_more():
                pass
        except OSError:
            pass
        self.error_body = self._buffer[:length] if length else self._buffer

    @property
    def stream_id(self) -> Optional[str]:
        return self.headers.get("mesos-stream-id")

    @property
    def chunked(self) -> bool:
        return "chunked" in self.headers.get("transfer-encoding", "").lower()

    # --- chunked RecordIO events -------------------------------------------------------------

    def _fill(self, size: int) -> bool:
        while len(self._buffer) < size:
            if not self._recv_more():
                return False
        return True

    def _next_chunk(self) -> Optional[bytes]:
        """The next chunk's payload; None at the last chunk or when the server closed the connection."""
        while b"\r\n" not in self._buffer:
            if not self._recv_more():
                return None
        line_end = self._buffer.index(b"\r\n")
        size = int(self._buffer[:line_end].split(b";")[0], 16)
        start = line_end + 2
        if not self._fill(start + size + 2):
            return None
        chunk = self._buffer[start:start + size]
        self._buffer = self._buffer[start + size + 2:]
        return chunk if size else None

    def _read_events(self) -> None:
        records = b""
        try:
            while True:
                chunk = self._next_chunk()
                if chunk is None:
                    break
                records += chunk
                records = self._parse_records(records)
        except OSError:
            pass
        finally:
            with self._cond:
                self._closed = True
                self._cond.notify_all()

    def _parse_records(self, records: bytes) -> bytes:
        while b"\n" in records:
            size_text, rest = records.split(b"\n", 1)
            size = int(size_text)
            if len(rest) < size:
                break
            event = json.loads(rest[:size])
            records = rest[size:]
            with self._cond:
                self.events.append(event)
                self._cond.notify_all()
        return records

    def wait_event(self, event_type: str, timeout: float = 15.0, since: int = 0) -> Dict[str, Any]:
        """The first event of `event_type` at index >= since (asserting it arrives in time)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self.events[since:]:
                    if event.get("type") == event_type:
                        return event
                remaining = deadline - time.monotonic()
                if self._closed or remaining <= 0:
                    raise AssertionError(
                        f"no {event_type} event (closed={self._closed}); events so far: {self.events}")
                self._cond.wait(remaining)

    def subscribed_framework_id(self, timeout: float = 15.0) -> str:
        return self.wait_event("SUBSCRIBED", timeout)["subscribed"]["framework_id"]["value"]

    @property
    def closed_by_server(self) -> bool:
        with self._cond:
            return self._closed

    def close(self, reset: bool = False) -> None:
        """Closes the socket; `reset=True` sends an RST (SO_LINGER 0) like a crashed client."""
        if self.sock is None:
            return
        try:
            if reset:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.sock.close()
        finally:
            self.sock = None

    def __enter__(self) -> "RawSubscription":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def framework_info(name: str, **fields: Any) -> Dict[str, Any]:
    """A minimal FrameworkInfo for raw subscriptions."""
    info = {"user": "root", "name": name, "hostname": "localhost", "failover_timeout": 0}
    info.update(fields)
    return info
