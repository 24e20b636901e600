"""YouTube channel settings of a workspace (seed 001 §2.2 ``channel_setting_id``): several channels per
workspace, each authorized once with ``media-pipeline youtube-auth --channel <id>`` or connected from the
console (its own token file); one may be the workspace default, used by tasks that name no channel.
Connecting, disconnecting and choosing the default are audited (docs/ARCHITECTURE.md §10)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from media_pipeline.domain.brand import BrandKit
from media_pipeline.store.audit import record
from media_pipeline.store.base import OwnedService
from media_pipeline.store.clock import Clock
from media_pipeline.store.errors import NotFoundError, ValidationFailed
from media_pipeline.store.ids import new_id
from media_pipeline.store.models import ChannelSetting
from media_pipeline.store.owner import Owner
from media_pipeline.store.views import ChannelView

CHANNEL_FIELD = "channelSettingId"
"""The task setting (and API field) naming a channel setting."""


def channel_in_workspace(session: Session, workspace_id: str, channel_setting_id: str) -> bool:
    """The channel setting exists in the workspace."""
    return (
        session.scalar(
            select(ChannelSetting.id).where(
                ChannelSetting.id == channel_setting_id, ChannelSetting.workspace_id == workspace_id
            )
        )
        is not None
    )


def default_channel(session: Session, workspace_id: str) -> str | None:
    """The id of the workspace's default channel setting, if it has one."""
    return session.scalar(
        select(ChannelSetting.id).where(
            ChannelSetting.workspace_id == workspace_id, ChannelSetting.is_default.is_(True)
        )
    )


def check_channel(
    session: Session, workspace_id: str, channel_setting_id: str | None, field: str = CHANNEL_FIELD
) -> None:
    """ValidationFailed (on ``field``) unless the channel setting is None or in the workspace."""
    if channel_setting_id is not None and not channel_in_workspace(session, workspace_id, channel_setting_id):
        message = f"channel setting {channel_setting_id!r} not found in this workspace"
        raise ValidationFailed(
            message, {"errors": [{"field": field, "message": message, "type": "not_found"}]}
        )


def channel_brand_kit(session: Session, channel_setting_id: str) -> BrandKit | None:
    """The channel's brand kit, or None when it has none (or the channel does not exist)."""
    stored = session.scalar(select(ChannelSetting.brand_kit).where(ChannelSetting.id == channel_setting_id))
    return None if stored is None else BrandKit.model_validate(stored)


class ChannelService(OwnedService):
    """The workspace's channel settings (shared by its users); ``token_file`` names a channel's OAuth token
    file (``Settings.channel_token_file``)."""

    def __init__(
        self,
        engine_or_url: Engine | str,
        owner: Owner,
        *,
        token_file: Callable[[str], Path],
        clock: Clock | None = None,
    ) -> None:
        super().__init__(engine_or_url, owner, clock=clock)
        self._token_file = token_file

    def list(self) -> list[ChannelView]:
        """Every channel setting of the workspace, by name."""
        with self._read() as session:
            rows = session.scalars(
                select(ChannelSetting)
                .where(ChannelSetting.workspace_id == self.owner.workspace_id)
                .order_by(ChannelSetting.name, ChannelSetting.id)
            ).all()
            return [self._view(row) for row in rows]

    def get(self, channel_setting_id: str) -> ChannelView:
        """One channel setting; NotFoundError if it is not the workspace's."""
        with self._read() as session:
            return self._view(self._channel(session, channel_setting_id))

    def create(self, name: str, youtube_channel_id: str | None = None) -> ChannelView:
        """A new channel setting (not yet authorized)."""
        with self._write() as session:
            row = self._add(session, name, youtube_channel_id)
            session.flush()
            return self._view(row)

    def connect(self, title: str, youtube_channel_id: str) -> ChannelView:
        """The channel setting of a channel just authorized in the browser (the existing one of the same
        YouTube channel, renamed to its current title); the workspace's first channel becomes its default."""
        now = self.now()
        with self._write() as session:
            row = session.scalars(
                select(ChannelSetting).where(
                    ChannelSetting.workspace_id == self.owner.workspace_id,
                    ChannelSetting.youtube_channel_id == youtube_channel_id,
                )
            ).first()
            row = row or self._add(session, title, youtube_channel_id)
            row.name = title
            row.updated_at = now
            row.is_default = row.is_default or default_channel(session, self.owner.workspace_id) is None
            session.flush()
            record(
                session,
                self.owner,
                "channel.connect",
                row.id,
                now,
                name=title,
                youtubeChannelId=youtube_channel_id,
            )
            return self._view(row)

    def set_default(self, channel_setting_id: str) -> ChannelView:
        """Make the channel setting the workspace's default (the previous default stops being one)."""
        now = self.now()
        with self._write() as session:
            row = self._channel(session, channel_setting_id)
            session.execute(
                update(ChannelSetting)
                .where(ChannelSetting.workspace_id == self.owner.workspace_id, ChannelSetting.id != row.id)
                .values(is_default=False)
            )
            row.is_default = True
            row.updated_at = now
            record(session, self.owner, "channel.default", row.id, now, name=row.name)
            session.flush()
            return self._view(row)

    def update_defaults(self, channel_setting_id: str, changes: dict[str, object]) -> ChannelView:
        """Set the channel's task defaults (``made_for_kids``, ``voice``; None clears one), audited."""
        now = self.now()
        with self._write() as session:
            row = self._channel(session, channel_setting_id)
            for key in ("made_for_kids", "voice"):
                if key in changes:
                    setattr(row, key, changes[key])
            row.updated_at = now
            record(session, self.owner, "channel.defaults", row.id, now, **changes)
            session.flush()
            return self._view(row)

    def delete(self, channel_setting_id: str) -> None:
        """Delete the setting and its token file; tasks still naming it fail at publish with a clear error."""
        with self._write() as session:
            row = self._channel(session, channel_setting_id)
            record(session, self.owner, "channel.disconnect", row.id, self.now(), name=row.name)
            session.delete(row)
        self._token_file(channel_setting_id).unlink(missing_ok=True)

    def brand_kit(self, channel_setting_id: str) -> BrandKit:
        """The channel's brand kit (the defaults when none was saved); NotFoundError for another
        workspace's channel."""
        with self._read() as session:
            row = self._channel(session, channel_setting_id)
            return BrandKit.model_validate(row.brand_kit or {})

    def put_brand_kit(self, channel_setting_id: str, kit: BrandKit) -> BrandKit:
        """Store the channel's brand kit (audited without its file keys)."""
        now = self.now()
        with self._write() as session:
            row = self._channel(session, channel_setting_id)
            row.brand_kit = kit.model_dump(mode="json", by_alias=True)
            row.updated_at = now
            record(session, self.owner, "channel.brand_kit", row.id, now, files=sorted(kit.files))
            return kit

    def _add(self, session: Session, name: str, youtube_channel_id: str | None) -> ChannelSetting:
        now = self.now()
        row = ChannelSetting(
            id=new_id("c"),
            user_id=self.owner.user_id,
            workspace_id=self.owner.workspace_id,
            name=name,
            youtube_channel_id=youtube_channel_id,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        return row

    def _channel(self, session: Session, channel_setting_id: str) -> ChannelSetting:
        row = session.scalars(
            select(ChannelSetting).where(
                ChannelSetting.id == channel_setting_id,
                ChannelSetting.workspace_id == self.owner.workspace_id,
            )
        ).first()
        if row is None:
            raise NotFoundError(
                f"channel setting {channel_setting_id!r} not found", {"channelSettingId": channel_setting_id}
            )
        return row

    def _view(self, row: ChannelSetting) -> ChannelView:
        authorized = self._token_file(row.id).is_file()
        return ChannelView.model_validate({**_columns(row), "authorized": authorized})


def _columns(row: ChannelSetting) -> dict[str, object]:
    return {column.key: getattr(row, column.key) for column in ChannelSetting.__table__.columns}
