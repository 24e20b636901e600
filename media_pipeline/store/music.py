"""The workspace's music library (docs/ARCHITECTURE.md §12): track rows (title, mood tags, licence note,
where the audio is stored, its measured length) and which track a task's settings pick. The audio itself
lives in the task storage; ``usecases_music.py`` stores and deletes it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from media_pipeline.domain.models import TaskSettings
from media_pipeline.domain.music import MAX_MOODS, normalize_mood, pick_track
from media_pipeline.errors import PermanentError
from media_pipeline.store.base import OwnedService
from media_pipeline.store.errors import NotFoundError, ValidationFailed
from media_pipeline.store.ids import new_id
from media_pipeline.store.models import MusicTrack
from media_pipeline.store.options import field_errors
from media_pipeline.store.views import MusicTrackView

MUSIC_PREFIX = "music"
TRACK_FIELD = "musicTrackId"
"""The task setting (and API field) naming a library track."""


def music_key(workspace_id: str, track_id: str, ext: str) -> str:
    """The storage key of a track's audio (``music/<workspace>/<id><ext>``)."""
    return f"{MUSIC_PREFIX}/{workspace_id}/{track_id}{ext}"


class MusicFields(BaseModel):
    """The editable fields of a track, validated: title 1-100, up to 10 mood tags, licence note."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str
    moods: list[str] = []
    licence: str = ""

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        if not 1 <= len(value) <= 100:
            raise ValueError("title must be 1-100 characters")
        return value

    @field_validator("moods")
    @classmethod
    def _moods(cls, value: list[str]) -> list[str]:
        moods = list(dict.fromkeys(normalize_mood(mood) for mood in value))
        if len(moods) > MAX_MOODS:
            raise ValueError(f"at most {MAX_MOODS} moods")
        return moods

    @field_validator("licence")
    @classmethod
    def _licence(cls, value: str) -> str:
        if len(value) > 500:
            raise ValueError("licence note must be at most 500 characters")
        return value


def validated_fields(data: Mapping[str, Any]) -> MusicFields:
    """``data`` as :class:`MusicFields`; ValidationFailed (422, per field) when invalid."""
    try:
        return MusicFields.model_validate(dict(data))
    except ValidationError as exc:
        raise ValidationFailed("invalid music track", {"errors": field_errors(exc)}) from exc


def check_track(session: Session, workspace_id: str, track_id: object) -> None:
    """ValidationFailed on ``musicTrackId`` unless ``track_id`` is None or a track of the workspace (drafts
    naming a track are checked when added or edited, like their channel)."""
    if track_id is None:
        return
    track = session.get(MusicTrack, str(track_id))
    if track is None or track.workspace_id != workspace_id:
        message = f"music track {track_id!r} not found in this workspace"
        error = {"field": TRACK_FIELD, "message": message, "type": "not_found"}
        raise ValidationFailed(message, {"errors": [error]})


def task_track(
    session: Session, workspace_id: str, task_id: str, settings: TaskSettings
) -> MusicTrack | None:
    """The library track a task plays: ``musicTrackId`` (PermanentError if it is not in the workspace), or
    one of the tracks tagged ``musicMood`` picked per task (None when none has it: the generated pad)."""
    if settings.music_track_id is not None:
        track = session.get(MusicTrack, settings.music_track_id)
        if track is None or track.workspace_id != workspace_id:
            raise PermanentError(f"music track {settings.music_track_id!r} not found in the task's workspace")
        return track
    if settings.music_mood is None:
        return None
    rows = session.scalars(select(MusicTrack).where(MusicTrack.workspace_id == workspace_id)).all()
    by_id = {row.id: row for row in rows if settings.music_mood in row.moods}
    chosen = pick_track(task_id, settings.music_mood, list(by_id))
    return None if chosen is None else by_id[chosen]


class MusicLibrary(OwnedService):
    """The workspace's tracks (shared by its users): add, list, get, update, delete."""

    def add(
        self, track_id: str, fields: MusicFields, *, key: str, mime: str, size: int, duration_s: float
    ) -> MusicTrackView:
        """Record an already stored track."""
        now = self.now()
        row = MusicTrack(
            id=track_id,
            user_id=self.owner.user_id,
            workspace_id=self.owner.workspace_id,
            title=fields.title,
            moods=fields.moods,
            licence=fields.licence,
            storage_key=key,
            mime=mime,
            size=size,
            duration_s=duration_s,
            created_at=now,
            updated_at=now,
        )
        with self._write() as session:
            session.add(row)
            session.flush()
            return MusicTrackView.model_validate(row)

    @staticmethod
    def new_id() -> str:
        """A new track id (``mus`` + 12 hex)."""
        return new_id("mus")

    def list(self, mood: str | None = None) -> Sequence[MusicTrackView]:
        """The workspace's tracks, newest first; only those tagged ``mood`` when given."""
        with self._read() as session:
            rows = session.scalars(
                select(MusicTrack)
                .where(MusicTrack.workspace_id == self.owner.workspace_id)
                .order_by(MusicTrack.created_at.desc(), MusicTrack.id)
            ).all()
            return [MusicTrackView.model_validate(row) for row in rows if mood is None or mood in row.moods]

    def get(self, track_id: str) -> MusicTrackView:
        """One track (NotFoundError for an unknown id or another workspace's)."""
        with self._read() as session:
            return MusicTrackView.model_validate(self._row(session, track_id))

    def update(self, track_id: str, changes: Mapping[str, Any]) -> MusicTrackView:
        """Merge ``changes`` (title, moods, licence) into the track, validated as a whole."""
        with self._write() as session:
            row = self._row(session, track_id)
            current = {"title": row.title, "moods": row.moods, "licence": row.licence}
            fields = validated_fields({**current, **changes})
            row.title, row.moods, row.licence = fields.title, fields.moods, fields.licence
            row.updated_at = self.now()
            session.flush()
            return MusicTrackView.model_validate(row)

    def delete(self, track_id: str) -> MusicTrackView:
        """Delete the track's row; returns what it was (its ``storage_key`` for the caller to delete)."""
        with self._write() as session:
            row = self._row(session, track_id)
            view = MusicTrackView.model_validate(row)
            session.delete(row)
            return view

    def _row(self, session: Session, track_id: str) -> MusicTrack:
        row = session.get(MusicTrack, track_id)
        if row is None or row.workspace_id != self.owner.workspace_id:
            raise NotFoundError(f"music track {track_id!r} not found", {"trackId": track_id})
        return row
