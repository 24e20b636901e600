"""Loopback fakes of the Pexels and Pixabay video search APIs, with the request and response shapes of
their documentation (https://www.pexels.com/api/documentation/#videos-search,
https://pixabay.com/api/docs/#api_search_videos), and a file host serving the clips they link to.

Both check what the real service checks: Pexels the ``Authorization`` header (the bare key) and ``query``,
Pixabay the ``key`` parameter, ``q`` (at most 100 characters) and ``per_page`` (3-200). Each answers with
``X-Ratelimit-*`` headers; ``rate_limited`` replies make it answer 429 (limit exhausted, reset in
seconds) and ``server_errors`` 503, before it answers normally again."""

from __future__ import annotations

from dataclasses import dataclass, field

from media_pipeline_tests.providers.fakeserver import Recorded, Reply

FILES = "/files/"
LIMIT = 200


@dataclass(frozen=True)
class StockVideo:
    """One video of the fake library: its renditions as (width, height, file name) and its author."""

    video_id: int
    renditions: list[tuple[int, int, str]]
    author: str = "Jane Doe"
    duration: int = 6


@dataclass
class _Limits:
    rate_limited: int = 0
    server_errors: int = 0
    remaining: int = LIMIT

    def refusal(self, *, pixabay: bool) -> Reply | None:
        """A 429 (limit used up) or 503 reply while some are still to be given, else None."""
        if self.rate_limited:
            self.rate_limited -= 1
            body = "[ERROR 429] Too many requests." if pixabay else '{"error": "Rate limit exceeded"}'
            return Reply(429, body.encode(), self.headers(exhausted=True))
        if self.server_errors:
            self.server_errors -= 1
            return Reply(503, b"Service Unavailable", {"Content-Type": "text/plain"})
        self.remaining -= 1
        return None

    def headers(self, *, exhausted: bool = False) -> dict[str, str]:
        remaining = 0 if exhausted else self.remaining
        return {
            "X-Ratelimit-Limit": str(LIMIT),
            "X-Ratelimit-Remaining": str(remaining),
            "X-Ratelimit-Reset": "60",
        }


def _host(request: Recorded) -> str:
    return f"http://{request.headers['host']}"


def _file(request: Recorded, files: dict[str, bytes]) -> Reply:
    data = files.get(request.path.removeprefix(FILES))
    if data is None:
        return Reply(404, b"not found")
    return Reply(200, data, {"Content-Type": "video/mp4"})


@dataclass
class PexelsFake:
    """``GET /videos/search`` and the clip files (``/files/<name>``)."""

    key: str
    videos: list[StockVideo]
    files: dict[str, bytes]
    limits: _Limits = field(default_factory=_Limits)
    searches: list[dict[str, str]] = field(default_factory=list)

    def __call__(self, request: Recorded) -> Reply:
        if request.path.startswith(FILES):
            return _file(request, self.files)
        if request.method != "GET" or request.path != "/videos/search":
            return Reply.json({"error": "Not found"}, 404)
        if request.headers.get("authorization") != self.key:
            return Reply.json({"error": "Authorization field missing or invalid"}, 401)
        if not request.query.get("query"):
            return Reply.json({"error": "query is required"}, 400)
        if request.query.get("orientation", "landscape") not in ("landscape", "portrait", "square"):
            return Reply.json({"error": "orientation is invalid"}, 400)
        refused = self.limits.refusal(pixabay=False)
        if refused is not None:
            return refused
        self.searches.append(request.query)
        base = _host(request)
        payload = {
            "page": 1,
            "per_page": int(request.query.get("per_page", "15")),
            "total_results": len(self.videos),
            "url": f"https://www.pexels.com/search/videos/{request.query['query']}/",
            "videos": [self._video(video, base) for video in self.videos],
        }
        return Reply.json(payload, headers=self.limits.headers())

    @staticmethod
    def _video(video: StockVideo, base: str) -> dict[str, object]:
        width, height, _name = video.renditions[0]
        return {
            "id": video.video_id,
            "width": width,
            "height": height,
            "url": f"https://www.pexels.com/video/clip-{video.video_id}/",
            "image": f"https://images.pexels.com/videos/{video.video_id}/preview.jpeg",
            "duration": video.duration,
            "user": {"id": 7, "name": video.author, "url": "https://www.pexels.com/@jane"},
            "video_files": [
                {
                    "id": index,
                    "quality": "hd" if min(w, h) >= 720 else "sd",
                    "file_type": "video/mp4",
                    "width": w,
                    "height": h,
                    "fps": 25.0,
                    "link": f"{base}{FILES}{name}",
                }
                for index, (w, h, name) in enumerate(video.renditions)
            ],
            "video_pictures": [],
        }


@dataclass
class PixabayFake:
    """``GET /api/videos/`` and the clip files (``/files/<name>``)."""

    key: str
    videos: list[StockVideo]
    files: dict[str, bytes]
    limits: _Limits = field(default_factory=_Limits)
    searches: list[dict[str, str]] = field(default_factory=list)

    def __call__(self, request: Recorded) -> Reply:
        if request.path.startswith(FILES):
            return _file(request, self.files)
        if request.method != "GET" or request.path != "/api/videos/":
            return Reply(404, b"[ERROR 404] Not found.")
        if request.query.get("key") != self.key:
            return Reply(400, b"[ERROR 400] Invalid or missing API key.")
        if len(request.query.get("q", "")) > 100:
            return Reply(400, b'[ERROR 400] "q" exceeds the allowed length of 100 characters.')
        if not 3 <= int(request.query.get("per_page", "20")) <= 200:
            return Reply(400, b'[ERROR 400] "per_page" is out of the valid range 3-200.')
        refused = self.limits.refusal(pixabay=True)
        if refused is not None:
            return refused
        self.searches.append(request.query)
        base = _host(request)
        hits = [self._hit(video, base) for video in self.videos]
        return Reply.json(
            {"total": len(hits), "totalHits": len(hits), "hits": hits}, headers=self.limits.headers()
        )

    @staticmethod
    def _hit(video: StockVideo, base: str) -> dict[str, object]:
        sizes = ("large", "medium", "small", "tiny")
        renditions = {
            size: {"url": f"{base}{FILES}{name}", "width": w, "height": h, "size": 1000, "thumbnail": ""}
            for size, (w, h, name) in zip(sizes, video.renditions, strict=False)
        }
        return {
            "id": video.video_id,
            "pageURL": f"https://pixabay.com/videos/clip-{video.video_id}/",
            "type": "film",
            "tags": "lake, calm",
            "duration": video.duration,
            "videos": renditions,
            "views": 1,
            "downloads": 1,
            "likes": 1,
            "comments": 0,
            "user_id": 42,
            "user": video.author,
            "userImageURL": "",
        }
