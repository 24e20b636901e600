"""The publish targets of a channel setting and its TikTok / Instagram accounts (table
``publish_connections``, column ``channel_settings.publish_targets``; docs/ARCHITECTURE.md §10,
publications). A refused token marks its connection ``reconnect``; the other targets are not affected."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from media_pipeline.domain.publication import PublishTarget
from media_pipeline.domain.statuses import ConnectionStatus
from media_pipeline.store.base import StoreBase
from media_pipeline.store.errors import NotFoundError
from media_pipeline.store.models import ChannelSetting
from media_pipeline.store.publication_models import PublishConnection
from media_pipeline.store.publication_resume import resume_awaiting
from media_pipeline.store.views import ConnectionView

DEFAULT_TARGETS = (PublishTarget.YOUTUBE,)
"""A channel setting that lists no targets publishes to YouTube only (as before publications)."""


class PublishConnections(StoreBase):
    """Targets and social accounts of channel settings (callers check the channel's workspace first)."""

    def targets(self, channel_setting_id: str) -> list[PublishTarget]:
        """The targets the channel setting publishes to, in its order."""
        with self._read() as session:
            listed = self._channel(session, channel_setting_id).publish_targets
            return [PublishTarget(name) for name in listed] if listed else list(DEFAULT_TARGETS)

    def set_targets(self, channel_setting_id: str, targets: list[PublishTarget]) -> list[PublishTarget]:
        """Replace the channel setting's targets (duplicates dropped, order kept)."""
        unique = list(dict.fromkeys(targets))
        with self._write() as session:
            row = self._channel(session, channel_setting_id)
            row.publish_targets = [target.value for target in unique]
            row.updated_at = self.now()
        return unique

    def list(self, channel_setting_id: str) -> list[ConnectionView]:
        """The channel setting's connected accounts, by target."""
        with self._read() as session:
            rows = session.scalars(
                select(PublishConnection)
                .where(PublishConnection.channel_setting_id == channel_setting_id)
                .order_by(PublishConnection.target)
            ).all()
            return [
                ConnectionView(
                    target=row.target,
                    account_id=row.account_id,
                    account_name=row.account_name,
                    status=row.status,
                    error=row.error,
                    updated_at=row.updated_at,
                )
                for row in rows
            ]

    def connect(
        self, channel_setting_id: str, target: PublishTarget, account_id: str, account_name: str
    ) -> Sequence[str]:
        """Record the account just authorized (a reconnect clears the ``reconnect`` state) and, in the same
        transaction, resume the publications its refused token failed; returns their tasks' ids."""
        now = self.now()
        with self._write() as session:
            self._channel(session, channel_setting_id)
            row = session.get(PublishConnection, (channel_setting_id, target))
            if row is None:
                row = PublishConnection(channel_setting_id=channel_setting_id, target=target, created_at=now)
                session.add(row)
            row.account_id, row.account_name = account_id, account_name
            row.status, row.error, row.updated_at = ConnectionStatus.CONNECTED, None, now
            return resume_awaiting(session, channel_setting_id, target, now)

    def mark_reconnect(self, channel_setting_id: str, target: PublishTarget, reason: str) -> None:
        """The platform refused the connection's token: it shows ``reconnect`` until connected again."""
        with self._write() as session:
            row = session.get(PublishConnection, (channel_setting_id, target))
            if row is not None:
                row.status, row.error, row.updated_at = ConnectionStatus.RECONNECT, reason, self.now()

    @staticmethod
    def _channel(session: Session, channel_setting_id: str) -> ChannelSetting:
        row = session.scalar(select(ChannelSetting).where(ChannelSetting.id == channel_setting_id))
        if row is None:
            raise NotFoundError(f"channel setting {channel_setting_id!r} not found")
        return row
