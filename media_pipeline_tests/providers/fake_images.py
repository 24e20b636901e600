"""A loopback fake of the OpenAI images API (``POST /v1/images/generations``) that bills like a provider:
an image is paid when it is delivered. Calls can be failed by prompt or held until the test releases them."""

from __future__ import annotations

import base64
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from media_pipeline_tests.providers.fakeserver import Recorded, Reply
from media_pipeline_tests.providers.helpers import image_bytes

PNG_B64 = base64.b64encode(image_bytes("PNG", (72, 128), "teal")).decode()
PATH = "/v1/images/generations"
HOLD_TIMEOUT_S = 60.0
_SCENE = re.compile(r"scene (\d+) ")


def scene_of(prompt: str) -> int:
    """The scene index the test scripts put in every prompt (``scene N ...``)."""
    match = _SCENE.search(prompt)
    assert match is not None, prompt
    return int(match.group(1))


def openai_error(status: int, message: str) -> Reply:
    """An error the way the OpenAI API sends it."""
    return Reply.json({"error": {"message": message, "type": "invalid_request_error"}}, status)


@dataclass
class PaidImagesFake:
    """The app of a FakeServer: ``paid`` lists what every delivered image was for (``identify(prompt)``,
    by default the scene index), in order.

    ``failures`` maps a scene to the reply that replaces its image (while present); ``hold_call`` holds the
    n-th call (1-based) until ``release()``: ``held`` is set when it arrives, ``release(deliver=False)``
    drops the connection (nothing delivered, nothing paid)."""

    failures: dict[object, Reply] = field(default_factory=dict)
    hold_call: int | None = None
    identify: Callable[[str], object] = scene_of
    paid: list[object] = field(default_factory=list)
    calls: int = 0
    held: threading.Event = field(default_factory=threading.Event)
    _released: threading.Event = field(default_factory=threading.Event)
    _deliver: bool = True
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def release(self, *, deliver: bool = True) -> None:
        """Let the held call finish (with its image, or by dropping the connection)."""
        self._deliver = deliver
        self._released.set()

    def __call__(self, request: Recorded) -> Reply:
        if request.method != "POST" or request.path != PATH:
            return openai_error(404, "unknown route")
        scene = self.identify(request.json()["prompt"])
        with self._lock:
            self.calls += 1
            number = self.calls
        if number == self.hold_call:
            self.held.set()
            assert self._released.wait(HOLD_TIMEOUT_S), "the test never released the held call"
            if not self._deliver:
                return Reply(drop=True)
        failure = self.failures.get(scene)
        if failure is not None:
            return failure
        with self._lock:
            self.paid.append(scene)
        return Reply.json({"created": 1, "data": [{"b64_json": PNG_B64}]})
