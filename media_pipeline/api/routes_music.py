"""The workspace's music library (``/api/music``; docs/ARCHITECTURE.md §12): upload a licensed track
(MP3, AAC, M4A, WAV; checked by ffprobe, size- and length-limited) with a title, mood tags and a licence
note; list (by mood), change, play and delete tracks. Tasks pick one by ``musicMood`` or ``musicTrackId``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Query, Response, UploadFile
from pydantic import Field

from media_pipeline.api.deps import Context, DownloadOwner, ReadOwner, WriteOwner
from media_pipeline.api.errors import responses
from media_pipeline.api.library import stored_response
from media_pipeline.api.schemas import _CAMEL, ApiModel, Items, UtcTimes
from media_pipeline.api.uploads import upload_errors
from media_pipeline.domain.music import MAX_MOODS, MOOD_PATTERN, MUSIC_TRACK_ID_PATTERN
from media_pipeline.store import MusicTrackView

router = APIRouter(prefix="/api/music", tags=["music"], responses=responses(400, 401, 403, 422))
TrackId = Annotated[str, Path(alias="trackId", pattern=MUSIC_TRACK_ID_PATTERN, max_length=64)]


class MusicTrackOut(UtcTimes, MusicTrackView):
    """A library track; ``audioUrl`` plays it (bearer token or ``access_token``)."""

    model_config = _CAMEL
    storage_key: str = Field(exclude=True)
    audio_url: str


class MusicTrackPatch(ApiModel):
    """Fields to change (validated like an upload's)."""

    title: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    moods: Annotated[list[str], Field(max_length=MAX_MOODS)] | None = None
    licence: Annotated[str, Field(max_length=500)] | None = None


def _out(view: MusicTrackView) -> MusicTrackOut:
    return MusicTrackOut.model_validate({**view.model_dump(), "audio_url": f"/api/music/{view.id}/audio"})


@router.post(
    "",
    status_code=201,
    responses=responses(413),
    form_limits={"max_files": 1, "max_fields": 4},
    summary="Upload a track (MP3, AAC, M4A or WAV audio; 422 names what is wrong with it, 413 over the size)",
)
def upload_track(
    file: Annotated[UploadFile, File(description="The audio file")],
    title: Annotated[str, Form(min_length=1, max_length=100)],
    context: Context,
    owner: WriteOwner,
    moods: Annotated[str, Form(max_length=400, description="Mood tags, comma-separated")] = "",
    licence: Annotated[str, Form(max_length=500, description="Licence note (source, terms)")] = "",
) -> MusicTrackOut:
    fields = {"title": title, "moods": [m for m in moods.split(",") if m.strip()], "licence": licence}
    with upload_errors():
        return _out(context.music(owner).upload(file, fields))


@router.get("", summary="The workspace's tracks, newest first")
def list_tracks(
    context: Context,
    owner: ReadOwner,
    mood: Annotated[str | None, Query(pattern=MOOD_PATTERN)] = None,
) -> Items[MusicTrackOut]:
    return Items[MusicTrackOut](items=[_out(view) for view in context.music(owner).library.list(mood)])


@router.get("/{trackId}", responses=responses(404), summary="One track")
def get_track(track_id: TrackId, context: Context, owner: ReadOwner) -> MusicTrackOut:
    return _out(context.music(owner).library.get(track_id))


@router.patch("/{trackId}", responses=responses(404), summary="Change a track's title, moods or licence note")
def patch_track(
    track_id: TrackId, body: MusicTrackPatch, context: Context, owner: WriteOwner
) -> MusicTrackOut:
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    return _out(context.music(owner).library.update(track_id, changes))


@router.delete(
    "/{trackId}", status_code=204, responses=responses(404), summary="Delete a track and its audio"
)
def delete_track(track_id: TrackId, context: Context, owner: WriteOwner) -> Response:
    context.music(owner).delete(track_id)
    return Response(status_code=204)


@router.get(
    "/{trackId}/audio", response_class=Response, responses=responses(404), summary="The track's audio"
)
def track_audio(track_id: TrackId, context: Context, owner: DownloadOwner) -> Response:
    view = context.music(owner).library.get(track_id)
    return stored_response(context.storage, context.settings, view.storage_key)
