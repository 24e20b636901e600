"""Publishing to YouTube: resumable chunked upload, metadata, thumbnail, and no duplicate uploads.

Order of a publish (every step persisted in ``youtube_upload.json`` before the next starts):

1. Save the upload record (marker ``media_pipeline:{task_id}:{generation}``) before contacting YouTube.
2. Video id recorded → skip the upload. Session URI recorded → ask the session for its state
   (``PUT`` with ``Content-Range: bytes */{size}``): 308 → resume from the ``Range`` header; 200/201 → the
   video exists, adopt its id. Otherwise look for the marker in the descriptions of the channel's recent
   uploads and adopt a match.
3. Otherwise ``videos.insert`` with a resumable ``MediaFileUpload`` and a ``next_chunk()`` loop; transient
   failures (5xx, connection errors) back off and resume the *same* session; the session URI is saved as
   soon as it is known and the video id as soon as the last chunk is acknowledged.
4. ``thumbnails.set`` unless already recorded as done.

Quota and rate limits raise DeferredError (see ``youtube_errors``); the record keeps everything known.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from PIL import Image

from media_pipeline.domain import Script, TaskPaths, TaskSpec
from media_pipeline.errors import PermanentError, ProviderNotConfiguredError, TransientError
from media_pipeline.liveness import Meter
from media_pipeline.media.thumbnail import MAX_BYTES as THUMBNAIL_MAX_BYTES
from media_pipeline.providers.base import PublishInput, PublishResult
from media_pipeline.providers.imaging import sniff_image_type
from media_pipeline.providers.retry import Backoff
from media_pipeline.providers.token_cipher import token_cipher
from media_pipeline.providers.youtube_auth import TokenStore
from media_pipeline.providers.youtube_client import YouTubeClient, build_youtube
from media_pipeline.providers.youtube_errors import raise_unless_retryable
from media_pipeline.providers.youtube_metadata import contains_marker, video_body
from media_pipeline.providers.youtube_record import UploadRecord, upload_marker
from media_pipeline.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

CHUNK_UNIT = 256 * 1024  # resumable chunks must be multiples of 256 KiB
CHANNEL_SEARCH_PAGES = 2  # 2 x 50 most recent uploads
WATCH_URL = "https://www.youtube.com/watch?v={}"


def normalise_chunk_size(chunk_size: int) -> int:
    """A valid resumable chunk size: -1 (one request) or a positive multiple of 256 KiB."""
    if chunk_size == -1:
        return -1
    return max(CHUNK_UNIT, chunk_size // CHUNK_UNIT * CHUNK_UNIT)


def thumbnail_media(path: Path) -> Any:
    """The thumbnail as a media body: the file itself, or a re-encoded JPEG if it exceeds YouTube's 2 MB."""
    from googleapiclient.http import MediaFileUpload, MediaIoBaseUpload

    with path.open("rb") as handle:
        sniffed = sniff_image_type(handle.read(16))
    if sniffed is None:
        raise PermanentError(f"thumbnail {path.name} is not a JPEG/PNG image")
    if path.stat().st_size <= THUMBNAIL_MAX_BYTES and sniffed[0] in ("image/jpeg", "image/png"):
        return MediaFileUpload(str(path), mimetype=sniffed[0])
    with Image.open(path) as img:
        rgb = img.convert("RGB")
    for quality in (85, 70, 55, 40):
        buffer = io.BytesIO()
        rgb.save(buffer, format="JPEG", quality=quality, optimize=True)
        if buffer.tell() <= THUMBNAIL_MAX_BYTES:
            buffer.seek(0)
            return MediaIoBaseUpload(buffer, mimetype="image/jpeg")
        rgb.thumbnail((rgb.width * 3 // 4, rgb.height * 3 // 4))
    raise PermanentError(f"thumbnail {path.name} cannot be brought under 2 MB")


class YouTubePublisher:
    """Uploads the finished video to the authorized channel (see the module docstring for the steps)."""

    name = "youtube"

    def __init__(
        self,
        settings: Settings,
        *,
        backoff: Backoff | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if settings.youtube_token_file is None:
            raise ProviderNotConfiguredError(
                "publisher 'youtube' needs MEDIA_PIPELINE_YOUTUBE_TOKEN_FILE; create it once with "
                "`media-pipeline youtube-auth`"
            )
        self.tokens = TokenStore(
            settings.youtube_token_file, settings.youtube_token_uri, token_cipher(settings)
        )
        self.api_base_url = settings.youtube_api_base_url
        self.chunk_size = normalise_chunk_size(settings.youtube_chunk_size)
        self.category_id = settings.youtube_category_id
        self.deadline_s = settings.youtube_request_deadline_s
        self.voice_provider = settings.tts_provider
        self.backoff = backoff or Backoff(attempts=settings.youtube_max_retries, base_s=2.0, max_s=120.0)
        self.clock = clock

    # -- public -------------------------------------------------------------------------------------------

    def publish(self, task: TaskSpec, script: Script, files: PublishInput, paths: TaskPaths) -> PublishResult:
        """Upload once per task generation; a retry after any crash resumes or adopts, never re-uploads."""
        if not files.video.is_file():
            raise PermanentError(f"video file {files.video} does not exist")
        marker = upload_marker(task)
        record = UploadRecord.load(paths, marker) or UploadRecord(
            marker=marker, video_size=files.video.stat().st_size
        )
        record.save(paths)
        credentials = self.tokens.load()
        token_before = credentials.token
        try:
            client = build_youtube(credentials, api_base_url=self.api_base_url, deadline_s=self.deadline_s)
            video_id, how = self._existing(client, record, paths, files.video)
            if video_id is None:
                body = video_body(
                    task,
                    script,
                    marker,
                    category_id=self.category_id,
                    now=self.clock(),
                    voice_provider=self.voice_provider,
                    credits=files.credits,
                )
                video_id, how = self._upload(client, body, files.video, record, paths), "uploaded"
            thumbnail_note = self._ensure_thumbnail(client, video_id, files.thumbnail, record, paths)
        finally:
            self.tokens.save_if_changed(credentials, token_before)
        return self._result(task, video_id, how, thumbnail_note)

    # -- steps --------------------------------------------------------------------------------------------

    def _retrying(self, fn: Callable[[], T], what: str) -> T:
        """Call ``fn``; back off and retry transient failures; quota/permanent failures raise at once."""
        failures = 0
        while True:
            try:
                return fn()
            except Exception as exc:
                raise_unless_retryable(exc, what=what, now=self.clock())
                failures += 1
                if failures >= self.backoff.attempts:
                    raise TransientError(f"{what} failed {failures} times in a row: {exc}") from exc
                log.warning("%s failed (%s); retry %d of %d", what, exc, failures, self.backoff.attempts - 1)
                self.backoff.pause(failures)

    def _existing(
        self, client: YouTubeClient, record: UploadRecord, paths: TaskPaths, video: Path
    ) -> tuple[str | None, str]:
        """The video an earlier attempt uploaded (finishing its session if needed), and how it was found."""
        if record.video_id:
            return record.video_id, "already uploaded by an earlier attempt"
        if record.session_uri:
            from_session = self._from_session(client, record, paths, video)
            if from_session is not None:
                return from_session
        found = self._find_on_channel(client, record.marker)
        if found is None:
            return None, ""
        return self._remember_video(
            record, paths, found
        ), "found on the channel by its marker (not re-uploaded)"

    def _from_session(
        self, client: YouTubeClient, record: UploadRecord, paths: TaskPaths, video: Path
    ) -> tuple[str, str] | None:
        """Adopt or resume the recorded upload session; None (and the session forgotten) if it is unusable."""
        state = self._retrying(lambda: self._session_state(client, record), "querying the upload session")
        if isinstance(state, str):
            return self._remember_video(record, paths, state), "upload finished by an earlier attempt"
        if state is not None and video.stat().st_size == record.video_size:
            log.info("resuming upload session at byte %d", state)
            request = self._insert_request(client, None, video)
            request.resumable_uri, request.resumable_progress = record.session_uri, state
            video_id = self._run_upload(request, record, paths)
            return video_id, f"resumed an interrupted upload at byte {state}"
        record.session_uri = None
        record.save(paths)
        return None

    def _session_state(self, client: YouTubeClient, record: UploadRecord) -> str | int | None:
        """Ask the resumable session: video id if finished, byte offset if not, None if it is gone."""
        import json

        from googleapiclient.errors import HttpError

        headers = {"Content-Range": f"bytes */{record.video_size}", "Content-Length": "0"}
        resp, content = client.http.request(record.session_uri, "PUT", headers=headers)
        if resp.status in (200, 201):
            video_id = json.loads(content.decode("utf-8")).get("id")
            if not video_id:
                raise PermanentError("the finished upload session returned no video id")
            return str(video_id)
        if resp.status == 308:
            byte_range = resp.get("range")
            return int(byte_range.rsplit("-", 1)[1]) + 1 if byte_range else 0
        if resp.status in (400, 404, 410):
            return None
        raise HttpError(resp, content, uri=record.session_uri)

    def _find_on_channel(self, client: YouTubeClient, marker: str) -> str | None:
        """The id of a recent upload on the channel whose description carries ``marker``."""
        service = client.service
        channels = self._retrying(
            lambda: service.channels().list(part="contentDetails", mine=True).execute(), "listing the channel"
        )
        items = channels.get("items") or []
        if not items:
            raise PermanentError("the authorized Google account has no YouTube channel")
        playlist = items[0]["contentDetails"]["relatedPlaylists"]["uploads"]
        page_token: str | None = None
        for _ in range(CHANNEL_SEARCH_PAGES):
            request = service.playlistItems().list(
                part="snippet", playlistId=playlist, maxResults=50, pageToken=page_token
            )
            page = self._retrying(request.execute, "listing recent uploads")
            for item in page.get("items", []):
                snippet = item.get("snippet", {})
                if contains_marker(snippet.get("description", ""), marker):
                    log.info("found earlier upload %s on the channel", snippet["resourceId"]["videoId"])
                    return str(snippet["resourceId"]["videoId"])
            page_token = page.get("nextPageToken")
            if not page_token:
                break
        return None

    def _insert_request(self, client: YouTubeClient, body: dict[str, Any] | None, video: Path) -> Any:
        from googleapiclient.http import MediaFileUpload

        media = MediaFileUpload(str(video), mimetype="video/mp4", chunksize=self.chunk_size, resumable=True)
        return client.service.videos().insert(part="snippet,status", body=body or {}, media_body=media)

    def _upload(
        self,
        client: YouTubeClient,
        body: dict[str, Any],
        video: Path,
        record: UploadRecord,
        paths: TaskPaths,
    ) -> str:
        """A new resumable upload session for ``video``."""
        record.video_size = video.stat().st_size
        record.save(paths)
        return self._run_upload(self._insert_request(client, body, video), record, paths)

    def _run_upload(self, request: Any, record: UploadRecord, paths: TaskPaths) -> str:
        """Drive ``next_chunk()`` to the end, retrying transient failures on the same session; each
        acknowledged chunk moves the worker's liveness mark."""
        meter = Meter("uploaded to YouTube", "bytes")

        def step() -> dict[str, Any] | None:
            try:
                status, response = request.next_chunk()
            finally:
                if request.resumable_uri and request.resumable_uri != record.session_uri:
                    record.session_uri = request.resumable_uri
                    record.save(paths)
            if status is not None:
                meter.update(status.resumable_progress)
                log.info("uploaded %d%%", int(status.progress() * 100))
            return response

        try:
            response = None
            while response is None:
                response = self._retrying(step, "uploading the video")
        finally:
            request.resumable.stream().close()
        video_id = response.get("id")
        if not video_id:
            raise PermanentError("YouTube finished the upload but returned no video id")
        return self._remember_video(record, paths, str(video_id))

    def _remember_video(self, record: UploadRecord, paths: TaskPaths, video_id: str) -> str:
        record.video_id = video_id
        record.save(paths)
        return video_id

    def _ensure_thumbnail(
        self, client: YouTubeClient, video_id: str, thumbnail: Path, record: UploadRecord, paths: TaskPaths
    ) -> str:
        """Set the custom thumbnail once; a permanent refusal (e.g. unverified channel) is only noted."""
        if record.thumbnail_set:
            return "thumbnail set"
        if not thumbnail.is_file():
            return f"thumbnail not set: {thumbnail} does not exist"

        def set_thumbnail() -> Any:
            media = thumbnail_media(thumbnail)
            return client.service.thumbnails().set(videoId=video_id, media_body=media).execute()

        try:
            self._retrying(set_thumbnail, "setting the thumbnail")
        except PermanentError as exc:  # quota (DeferredError) and exhausted retries still propagate
            log.warning("thumbnail of %s not set: %s", video_id, exc)
            return f"thumbnail not set: {exc}"
        record.thumbnail_set = True
        record.save(paths)
        return "thumbnail set"

    def _result(self, task: TaskSpec, video_id: str, how: str, thumbnail_note: str) -> PublishResult:
        settings = task.settings
        now = self.clock()
        if settings.publish_at is not None and settings.publish_at > now:
            visibility = f"private until its scheduled publish time {settings.publish_at.isoformat()}"
        else:
            visibility = settings.privacy.value
        return PublishResult(
            target=self.name,
            url=WATCH_URL.format(video_id),
            video_id=video_id,
            published_at=now,
            uploaded_to_youtube=True,
            detail=f"YouTube video {video_id}: {how}; {visibility}; {thumbnail_note}.",
        )
