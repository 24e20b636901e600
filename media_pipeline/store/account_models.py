"""ORM models of accounts and channel connections: the audit log and pending OAuth connections
(docs/ARCHITECTURE.md §10)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from media_pipeline.store.clock import utcnow
from media_pipeline.store.models import Base


class AuditEntry(Base):
    """One administrative action in a workspace: who (``actor_id``) did what (``action``) to which
    ``target`` (a user id, a channel setting id or the workspace) and when."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_workspace_id_id", "workspace_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OAuthState(Base):
    """A channel connection in progress: the SHA-256 of its ``state`` and of the browser nonce that started
    it, the (encrypted) PKCE code verifier and the expiry; deleted when the callback uses it."""

    __tablename__ = "oauth_states"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    workspace_id: Mapped[str] = mapped_column(String(64))
    browser_hash: Mapped[str] = mapped_column(String(64))
    code_verifier: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]
