"""Cloned voices of a workspace with the speaker's recorded consent (docs/ARCHITECTURE.md §12): who gave
it, the statement they agreed to and when it was recorded; each clone is also written to the audit log."""

from __future__ import annotations

from sqlalchemy import select

from media_pipeline.store.audit import record
from media_pipeline.store.base import OwnedService
from media_pipeline.store.errors import ValidationFailed
from media_pipeline.store.ids import new_id
from media_pipeline.store.models import ClonedVoice
from media_pipeline.store.views import ClonedVoiceView

MIN_STATEMENT_CHARS = 20


def check_consent(name: str, consent_by: str, statement: str, given: bool) -> None:
    """ValidationFailed naming each missing part of a clone request: a voice name, the speaker's name, a
    consent statement of at least ``MIN_STATEMENT_CHARS`` characters, and the consent itself."""
    problems = []
    if not name.strip():
        problems.append(("name", "a voice name is required"))
    if not consent_by.strip():
        problems.append(("consentBy", "the name of the speaker who consents is required"))
    if len(statement.strip()) < MIN_STATEMENT_CHARS:
        problems.append(
            ("consentStatement", f"the consent statement must have at least {MIN_STATEMENT_CHARS} characters")
        )
    if not given:
        problems.append(("consent", "a voice is cloned only with the speaker's consent (consent=true)"))
    if problems:
        errors = [{"field": field, "message": message, "type": "consent"} for field, message in problems]
        raise ValidationFailed(
            "voice cloning refused: " + "; ".join(m for _, m in problems), {"errors": errors}
        )


class ClonedVoices(OwnedService):
    """The workspace's cloned voices (shared by its users)."""

    def add(self, name: str, provider_voice_id: str, consent_by: str, statement: str) -> ClonedVoiceView:
        """Record a clone made by the provider with its consent (recorded now, by the caller), audited."""
        now = self.now()
        row = ClonedVoice(
            id=new_id("vc"),
            user_id=self.owner.user_id,
            workspace_id=self.owner.workspace_id,
            name=name.strip(),
            provider_voice_id=provider_voice_id,
            consent_by=consent_by.strip(),
            consent_statement=statement.strip(),
            consent_at=now,
            created_at=now,
            updated_at=now,
        )
        with self._write() as session:
            session.add(row)
            record(session, self.owner, "voice.clone", row.id, now, name=row.name, consentBy=row.consent_by)
            session.flush()
            return ClonedVoiceView.model_validate(row)

    def list(self) -> list[ClonedVoiceView]:
        """The workspace's cloned voices, newest first."""
        with self._read() as session:
            rows = session.scalars(
                select(ClonedVoice)
                .where(ClonedVoice.workspace_id == self.owner.workspace_id)
                .order_by(ClonedVoice.created_at.desc(), ClonedVoice.id)
            ).all()
            return [ClonedVoiceView.model_validate(row) for row in rows]
