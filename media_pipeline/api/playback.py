"""HLS playback of a video's ladder from a private store: signed playlist URLs, presigned segments.

``GET /api/v1/videos/{id}/playback`` (bearer token) answers a master playlist URL signed with an HMAC
(path, generation, expiry). The API serves that playlist and the rendition playlists with every URI
inside rewritten: rendition playlists to signed API URLs, segments to presigned object URLs on object
storage (never an unsigned object URL) or, on the local-folder backend, to signed API URLs that stream
the segment file. Video players cannot send bearer headers, hence signatures in the URLs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from media_pipeline.domain import TaskPaths
from media_pipeline.domain.paths import HLS_MASTER
from media_pipeline.storage import Storage
from media_pipeline.store import NotFoundError

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_TYPE = "video/mp2t"
_FILE = re.compile(r"^(?:master\.m3u8|[0-9]{2,4}p/(?:index\.m3u8|segment_[0-9]{3,6}\.ts))$")
_URI_ATTR = re.compile(r'URI="([^"]+)"')


class PlaybackForbidden(Exception):
    """A playlist or segment URL whose signature is wrong or expired."""


@dataclass(frozen=True)
class PlaybackLink:
    """The signed master playlist URL of a video's ladder."""

    master_url: str
    expires_at: int
    generation: int


def _signature(secret: bytes, video_id: str, generation: int, name: str, expires: int) -> str:
    message = f"{video_id}\n{generation}\n{name}\n{expires}".encode()
    return base64.urlsafe_b64encode(hmac.new(secret, message, hashlib.sha256).digest()).decode().rstrip("=")


class Playback:
    """Signs, verifies and serves the HLS files of one store."""

    def __init__(self, storage: Storage, secret: str, expiry_s: int) -> None:
        self.storage = storage
        self._secret = secret.encode()
        self.expiry_s = expiry_s

    def _folder(self, video_id: str, generation: int) -> str | None:
        """Key folder of generation ``generation``'s ladder (current task folder or its history)."""
        keys = TaskPaths.keys(video_id)
        for folder in (keys.history_dir(generation) / "hls", keys.hls_dir):
            if self.storage.exists(f"{folder.as_posix()}/{HLS_MASTER}"):
                return folder.as_posix()
        return None

    def link(self, video_id: str, generation: int, base_url: str) -> PlaybackLink:
        """The signed master playlist URL of ``generation``; NotFoundError while there is no ladder."""
        if self._folder(video_id, generation) is None:
            raise NotFoundError(
                "the video has no playback ladder yet", {"videoId": video_id, "generation": generation}
            )
        expires = int(time.time()) + self.expiry_s
        return PlaybackLink(
            self._url(base_url, video_id, generation, HLS_MASTER, expires), expires, generation
        )

    def _url(self, base_url: str, video_id: str, generation: int, name: str, expires: int) -> str:
        signature = _signature(self._secret, video_id, generation, name, expires)
        query = urlencode({"g": generation, "exp": expires, "sig": signature})
        return f"{base_url.rstrip('/')}/api/v1/videos/{video_id}/playback/{name}?{query}"

    def verify(self, video_id: str, generation: int, name: str, expires: int, signature: str) -> None:
        """Raise PlaybackForbidden unless the URL was signed by this API and has not expired."""
        expected = _signature(self._secret, video_id, generation, name, expires)
        if not _FILE.match(name) or not hmac.compare_digest(expected, signature):
            raise PlaybackForbidden("invalid playback signature")
        if expires < time.time():
            raise PlaybackForbidden("the playback URL has expired; ask GET …/playback for a new one")

    def playlist(self, video_id: str, generation: int, name: str, expires: int, base_url: str) -> str:
        """The playlist ``name`` with every URI replaced by a signed (or presigned) URL valid until
        ``expires``."""
        folder = self._folder(video_id, generation)
        if folder is None or not name.endswith(".m3u8"):
            raise NotFoundError("playlist not found", {"videoId": video_id, "name": name})
        text = self.storage.read_bytes(f"{folder}/{name}").decode()
        directory = str(Path(name).parent) if "/" in name else ""

        def sign(uri: str) -> str:
            relative = f"{directory}/{uri}" if directory else uri
            if not _FILE.match(relative):
                raise NotFoundError("playlist names a file outside the ladder", {"uri": uri})
            if relative.endswith(".m3u8"):
                return self._url(base_url, video_id, generation, relative, expires)
            remaining = max(1, expires - int(time.time()))
            presigned = self.storage.presigned_url(f"{folder}/{relative}", remaining)
            return presigned or self._url(base_url, video_id, generation, relative, expires)

        lines = []
        for line in text.splitlines():
            if line and not line.startswith("#"):
                line = sign(line.strip())
            elif line.startswith("#"):
                line = _URI_ATTR.sub(lambda m: f'URI="{sign(m.group(1))}"', line)
            lines.append(line)
        return "\n".join(lines) + "\n"

    def segment_file(self, video_id: str, generation: int, name: str) -> Path:
        """The local segment file (local-folder backend only; object storage hands out presigned URLs)."""
        folder = self._folder(video_id, generation)
        path = None if folder is None else self.storage.local_path(f"{folder}/{name}")
        if path is None or not name.endswith(".ts") or not path.is_file():
            raise NotFoundError("segment not found", {"videoId": video_id, "name": name})
        return path
