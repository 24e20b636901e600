"""Reading the progress WebSockets in tests: messages as JSON, the opening pair, the first matching message,
the close code."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from media_pipeline.store import Owner
from media_pipeline_tests.api.conftest import LiveApi

TIMEOUT_S = 10.0
"""How long a test waits for a socket to open or a message to arrive."""
Message = dict[str, Any]


@contextmanager
def open_socket(
    api: LiveApi, owner: Owner | None, path: str, params: Iterable[str] = (), *, query_token: bool = False
) -> Iterator[ClientConnection]:
    """A socket at ``path`` authenticated as ``owner`` (bearer header, or the ``access_token`` query
    parameter), anonymous without one."""
    query = list(params)
    headers = {}
    if owner is not None and query_token:
        query.append(f"access_token={api.token(owner)}")
    elif owner is not None:
        headers["Authorization"] = f"Bearer {api.token(owner)}"
    url = f"{api.ws_url}{path}" + ("?" + "&".join(query) if query else "")
    with connect(url, additional_headers=headers, open_timeout=TIMEOUT_S) as websocket:
        yield websocket


def receive(websocket: ClientConnection) -> Message:
    """The next message, decoded."""
    return json.loads(websocket.recv(timeout=TIMEOUT_S))


def close_code(websocket: ClientConnection) -> tuple[int, list[Message]]:
    """Read until the server closes; the close code and the messages before it."""
    messages = []
    try:
        while True:
            messages.append(receive(websocket))
    except ConnectionClosed as closed:
        assert closed.rcvd is not None
        return closed.rcvd.code, messages


def opening(websocket: ClientConnection) -> tuple[Message, Message]:
    """The connected message and the snapshot."""
    connected, snapshot = receive(websocket), receive(websocket)
    assert connected["type"] == "connected" and snapshot["type"] == "snapshot"
    return connected, snapshot


def receive_until(websocket: ClientConnection, matches: Callable[[Message], bool]) -> list[Message]:
    """Messages up to and including the first that ``matches``."""
    seen = []
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        seen.append(receive(websocket))
        if matches(seen[-1]):
            return seen
    raise AssertionError(f"no matching message in {seen}")
