"""Waiting on other processes: poll their state until a condition holds, e.g. until a server started by a
test serves. Used only for state owned by another process (a server, the daemon, run workers), where no
event can be awaited."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from typing import TypeVar

import httpx

T = TypeVar("T")


def wait_for(
    condition: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
    process: subprocess.Popen[bytes] | subprocess.Popen[str] | None = None,
    interval: float = 0.1,
) -> T:
    """Poll ``condition`` until it returns a truthy value (returned); fail after ``timeout`` seconds, or at
    once if ``process`` (the one expected to bring the condition about) has exited."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what}: the process exited with status {process.returncode}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def serves(url: str) -> bool:
    """True if a GET of ``url`` answers 200 (False while nothing listens or the server errs)."""
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def listens(port: int, host: str = "127.0.0.1") -> bool:
    """True if a TCP connection to ``host:port`` is accepted."""
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) == 0
