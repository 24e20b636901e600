"""Stock video search (mediaMode ``stock``): Pexels and Pixabay, searched by a scene's keywords, the
rendition that fits the frame picked (docs/ARCHITECTURE.md §8, "Clips as scene media").

- Pexels: ``GET {base}/videos/search?query=&orientation=portrait|landscape&per_page=`` with the key in the
  ``Authorization`` header; ``videos[].video_files[]`` carry ``width``, ``height``, ``file_type``, ``link``;
  ``videos[].user`` the author. Pexels' guidelines ask to credit the author with a link.
- Pixabay: ``GET {base}/api/videos/?key=&q=&per_page=`` (``q`` at most 100 characters);
  ``hits[].videos`` holds the ``large``/``medium``/``small``/``tiny`` renditions (``url``, ``width``,
  ``height``); the Pixabay Content License asks for no credit, it is recorded all the same.

Both answer 429 with ``X-Ratelimit-*`` headers past their rate limit; :class:`HttpApi` retries that and
5xx, then raises a TransientError (or DeferredError), so the stage is retried later.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from media_pipeline.errors import PermanentError
from media_pipeline.providers.http_api import HttpApi
from media_pipeline.providers.retry import Backoff

PER_PAGE = 10
PIXABAY_QUERY_MAX = 100
MP4 = "video/mp4"
_KEY_PARAM = re.compile(r"([?&]key=)[^&\s]+")


class RedactKeyParam(logging.Filter):
    """Replaces the value of a ``key=`` query parameter in log records (httpx logs every request URL at
    INFO; Pixabay takes its API key in the query), so the key is never logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record's message arguments; always keep the record."""
        if isinstance(record.args, tuple):
            record.args = tuple(
                _KEY_PARAM.sub(r"\1***", str(a)) if "key=" in str(a) else a for a in record.args
            )
        return True


_REDACT = RedactKeyParam()


@dataclass(frozen=True)
class Rendition:
    """One downloadable file of a stock video."""

    url: str
    width: int
    height: int


@dataclass(frozen=True)
class StockClip:
    """A stock video found for a scene: the rendition to download and its credit."""

    provider: str
    rendition: Rendition
    author: str
    author_url: str
    page_url: str
    licence: str
    attribution_asked: bool


def pick_rendition(renditions: Iterable[Rendition], frame: tuple[int, int]) -> Rendition | None:
    """The smallest rendition of the frame's orientation that covers ``frame`` (else its largest); None if
    no rendition has that orientation."""
    vertical = frame[1] > frame[0]
    shaped = [
        r for r in renditions if r.url and r.width > 0 and r.height > 0 and (r.height > r.width) == vertical
    ]
    if not shaped:
        return None
    covering = [r for r in shaped if r.width >= frame[0] and r.height >= frame[1]]
    if covering:
        return min(covering, key=lambda r: r.width * r.height)
    return max(shaped, key=lambda r: r.width * r.height)


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _list(payload: Mapping[str, Any], key: str, name: str) -> list[Any]:
    items = payload.get(key)
    if not isinstance(items, list):
        raise PermanentError(f"{name} answered without a {key!r} list")
    return items


class PexelsClips:
    """Pexels video search."""

    name = "Pexels"

    def __init__(self, base_url: str, api_key: str, *, timeout_s: float, backoff: Backoff) -> None:
        self._api_args: dict[str, Any] = {
            "base_url": base_url,
            "name": "Pexels video search",
            "headers": {"Authorization": api_key},
            "timeout_s": timeout_s,
            "backoff": backoff,
        }

    def search(self, query: str, frame: tuple[int, int]) -> list[StockClip]:
        """Videos for ``query`` in the frame's orientation, each with its best-fitting MP4 file."""
        params = {"query": query, "orientation": "portrait" if frame[1] > frame[0] else "landscape"}
        with HttpApi(**self._api_args) as api:
            payload = api.json("GET", "videos/search", params={**params, "per_page": PER_PAGE})
        found = []
        for video in _list(payload, "videos", self.name):
            files = [
                Rendition(_str(f.get("link")), _int(f.get("width")), _int(f.get("height")))
                for f in video.get("video_files") or []
                if isinstance(f, dict) and f.get("file_type") == MP4
            ]
            rendition = pick_rendition(files, frame)
            if rendition is None:
                continue
            user = video.get("user") if isinstance(video.get("user"), dict) else {}
            found.append(
                StockClip(
                    provider=self.name,
                    rendition=rendition,
                    author=_str(user.get("name")),
                    author_url=_str(user.get("url")),
                    page_url=_str(video.get("url")),
                    licence="Pexels License (https://www.pexels.com/license/)",
                    attribution_asked=True,
                )
            )
        return found


class PixabayClips:
    """Pixabay video search."""

    name = "Pixabay"

    def __init__(self, base_url: str, api_key: str, *, timeout_s: float, backoff: Backoff) -> None:
        self._key = api_key
        logging.getLogger("httpx").addFilter(_REDACT)  # a filter added twice is kept once
        self._api_args: dict[str, Any] = {
            "base_url": base_url,
            "name": "Pixabay video search",
            "timeout_s": timeout_s,
            "backoff": backoff,
        }

    def search(self, query: str, frame: tuple[int, int]) -> list[StockClip]:
        """Videos for ``query`` with a rendition in the frame's orientation (Pixabay filters videos by
        size only, so the orientation is chosen here)."""
        params = {
            "key": self._key,
            "q": query[:PIXABAY_QUERY_MAX],
            "per_page": PER_PAGE,
            "safesearch": "true",
        }
        with HttpApi(**self._api_args) as api:
            payload = api.json("GET", "api/videos/", params=params)
        found = []
        for hit in _list(payload, "hits", self.name):
            videos = hit.get("videos") if isinstance(hit.get("videos"), dict) else {}
            renditions = [
                Rendition(_str(v.get("url")), _int(v.get("width")), _int(v.get("height")))
                for v in videos.values()
                if isinstance(v, dict)
            ]
            rendition = pick_rendition(renditions, frame)
            if rendition is None:
                continue
            user, user_id = _str(hit.get("user")), _int(hit.get("user_id"))
            found.append(
                StockClip(
                    provider=self.name,
                    rendition=rendition,
                    author=user,
                    author_url=f"https://pixabay.com/users/{user}-{user_id}/" if user else "",
                    page_url=_str(hit.get("pageURL")),
                    licence="Pixabay Content License (https://pixabay.com/service/license-summary/)",
                    attribution_asked=False,
                )
            )
        return found
