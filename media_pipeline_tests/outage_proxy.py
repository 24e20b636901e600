"""A loopback TCP forwarder that can take an endpoint down: the outage tests put it in front of a real
server (moto's S3) so the server keeps its state while clients find the endpoint unreachable."""

from __future__ import annotations

import contextlib
import socket
import threading

from media_pipeline_tests.net import free_port


class OutageProxy:
    """Forwards ``127.0.0.1:<port>`` to ``target``. ``cut_on(marker, seconds)`` arms it: the first request
    bytes containing ``marker`` close every connection and refuse new ones for ``seconds``; ``down`` and
    ``up`` are set when the outage begins and ends."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self.down, self.up = threading.Event(), threading.Event()
        self._marker: bytes | None = None
        self._outage_s = 0.0
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def cut_on(self, marker: bytes, seconds: float) -> None:
        """Go down for ``seconds`` when a client first sends ``marker``."""
        self._marker, self._outage_s = marker, seconds

    def __enter__(self) -> OutageProxy:
        self._listen()
        return self

    def __exit__(self, *exc: object) -> None:
        self._close_all()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # closed: the outage began or the proxy ended
                return
            server = socket.create_connection(self.target)
            with self._lock:
                self._sockets |= {client, server}
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if from_client and self._marker is not None and self._marker in data:
                    self._marker = None
                    self._outage()
                    return
                sink.sendall(data)
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _outage(self) -> None:
        self._close_all()
        self.down.set()
        timer = threading.Timer(self._outage_s, self._end_outage)
        timer.daemon = True
        timer.start()

    def _end_outage(self) -> None:
        self._listen()
        self.up.set()

    def _close_all(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, set()
            listener, self._listener = self._listener, None
        for sock in [*sockets, *([listener] if listener else [])]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
