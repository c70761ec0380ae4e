"""Free loopback ports for clusters started by the tests.

Ports are drawn below Linux's ephemeral range (32768+), so an outgoing connection of some other program
cannot grab a port between the check here and the moment the cluster binds it. Ports handed out in this
process are remembered, so two clusters of one test run never get the same port.
"""
import random
import socket
import threading

_LOW, _HIGH = 20000, 32000
_handed_out: set = set()
_lock = threading.Lock()
_rng = random.Random()


def _bindable(port: int) -> bool:
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):  # the DNS server binds UDP as well
        with socket.socket(socket.AF_INET, kind) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def free_port_block(count: int = 1) -> int:
    """Returns the first of `count` consecutive free ports (for `--agent-port Q` with `--agents N`)."""
    with _lock:
        for _ in range(2000):
            base = _rng.randrange(_LOW, _HIGH - count)
            block = range(base, base + count)
            if any(p in _handed_out for p in block):
                continue
            if all(_bindable(p) for p in block):
                _handed_out.update(block)
                return base
    raise RuntimeError(f"no block of {count} free ports in {_LOW}-{_HIGH}")


def free_port() -> int:
    """Returns one free port."""
    return free_port_block(1)
