"""Bounded polling: every wait in the suite has a deadline and says what it waited for."""
import time
from typing import Any, Callable


class StopWaiting(AssertionError):
    """Raised by a probe when waiting longer cannot help (the process under test has exited)."""


def wait_until(probe: Callable[[], Any], timeout: float, what: str, interval: float = 0.2) -> Any:
    """Calls `probe` until it returns a truthy value, and returns that value.

    Exceptions raised by `probe` count as "not yet" (a server that is still starting refuses connections),
    except StopWaiting, which ends the wait at once; the last value or exception is quoted at the deadline.
    """
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            value = probe()
            if value:
                return value
            last = value
        except StopWaiting:
            raise
        except Exception as error:  # noqa: BLE001 - quoted in the failure below
            last = error
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; last result: {last!r}")
        time.sleep(interval)


def stays_true(probe: Callable[[], bool], duration: float, interval: float = 0.2) -> bool:
    """True when `probe` holds at every check during `duration` seconds (used for "no offers while suppressed")."""
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        if not probe():
            return False
        time.sleep(interval)
    return probe()
