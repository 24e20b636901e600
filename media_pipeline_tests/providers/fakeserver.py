"""A loopback HTTP server for provider tests: a plain function maps each recorded request to a reply."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    """One request as the server saw it (header names lower-cased)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    """What to answer; ``send_length=False`` streams the body without Content-Length then closes;
        ``drop=True`` closes the connection without any response; ``stall=True`` reads the request and never
    answers (the connection stays open until the server stops); ``trickle_s`` sends the body one byte at a
        time with that pause after each (a stalled provider that never hits a socket timeout)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    send_length: bool = True
    drop: bool = False
    stall: bool = False
    trickle_s: float = 0.0

    @classmethod
    def json(cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
        return cls(
            status, json.dumps(payload).encode(), {"Content-Type": "application/json", **(headers or {})}
        )


App = Callable[[Recorded], Reply]


def _handler_class(server: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            recorded = Recorded(
                method=self.command,
                path=parts.path,
                query={key: values[-1] for key, values in parse_qs(parts.query).items()},
                headers={key.lower(): value for key, value in self.headers.items()},
                body=body,
            )
            with server.lock:
                server.requests.append(recorded)
            reply = server.app(recorded)
            if reply.stall:
                server.stopped.wait()
            if reply.drop or reply.stall:
                self.close_connection = True
                return
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            if reply.send_length:
                self.send_header("Content-Length", str(len(reply.body)))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command == "HEAD":
                return
            if not reply.trickle_s:
                self.wfile.write(reply.body)
                return
            for index in range(len(reply.body)):
                self.wfile.write(reply.body[index : index + 1])
                self.wfile.flush()
                time.sleep(reply.trickle_s)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle

    return Handler


class FakeServer:
    """``with FakeServer(app) as server:`` serves ``app`` on ``server.base_url`` (127.0.0.1, free port)."""

    def __init__(self, app: App, host: str = "127.0.0.1") -> None:
        self.app = app
        self.requests: list[Recorded] = []
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        """Set when the server stops (ends the stalled requests)."""
        self._httpd = ThreadingHTTPServer((host, 0), _handler_class(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopped.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def matching(self, method: str, path_prefix: str = "/") -> list[Recorded]:
        """Recorded requests with ``method`` whose path starts with ``path_prefix``."""
        with self.lock:
            return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]


def scripted(*replies: Reply) -> App:
    """An app answering with ``replies`` in order (the last one repeats)."""
    queue = list(replies)

    def app(_request: Recorded) -> Reply:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return app


def routes(table: dict[str, Reply | App]) -> App:
    """An app answering by exact path; a value may be a Reply or an App; unknown paths get 404."""

    def app(request: Recorded) -> Reply:
        entry = table.get(request.path)
        if entry is None:
            return Reply(404, b"not found")
        return entry if isinstance(entry, Reply) else entry(request)

    return app
