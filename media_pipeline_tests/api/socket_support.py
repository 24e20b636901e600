"""Reading the render-progress WebSocket in tests: messages as JSON, the opening pair, the close code."""

from __future__ import annotations

import json
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

TIMEOUT_S = 10.0
"""How long a test waits for a socket to open or a message to arrive."""
Message = dict[str, Any]


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
