"""The OAuth token of a channel setting's TikTok or Instagram account: one file per (channel setting,
target), always Fernet-encrypted (docs/ARCHITECTURE.md §10, tokens at rest), refreshed before it expires.
Token values never reach a log or an error message."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ValidationError

from media_pipeline.errors import PermanentError
from media_pipeline.fsutil import atomic_path
from media_pipeline.providers.token_cipher import TokenCipher, require_cipher
from media_pipeline.settings import Settings

REFRESH_MARGIN = timedelta(minutes=5)
"""An access token this close to its expiry is refreshed before use."""


class ReconnectRequired(PermanentError):
    """The platform refused the account's token (revoked, expired refresh token, scope removed): the
    connection must be made again from the console. Nothing is retried until then."""

    code = "RECONNECT_REQUIRED"


class SocialToken(BaseModel):
    """An account's tokens and who it is (``account_id``: TikTok ``open_id`` / Instagram user id)."""

    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None
    account_id: str
    account_name: str = ""
    scope: str = ""

    def expiring(self, now: datetime) -> bool:
        """True when the access token should be refreshed before use."""
        return self.expires_at is not None and self.expires_at - REFRESH_MARGIN <= now


class SocialTokenFile:
    """Reads and writes one encrypted token file (owner-readable only, written atomically)."""

    def __init__(self, path: Path, cipher: TokenCipher, target: str) -> None:
        self.path = path
        self.cipher = cipher
        self.target = target

    def load(self) -> SocialToken:
        """The saved token; ReconnectRequired if there is none or it cannot be read."""
        try:
            text = self.cipher.decrypt(self.path.read_text(encoding="utf-8").strip())
            return SocialToken.model_validate_json(text)
        except FileNotFoundError as exc:
            raise ReconnectRequired(f"the {self.target} account is not connected") from exc
        except (PermanentError, ValidationError) as exc:
            raise ReconnectRequired(f"the {self.target} token file cannot be read; connect again") from exc

    def save(self, token: SocialToken) -> None:
        """Encrypt and write ``token``."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.path) as tmp:
            tmp.write_text(self.cipher.encrypt(token.model_dump_json()), encoding="utf-8")
            os.chmod(tmp, 0o600)


def channel_token_file(settings: Settings, channel_setting_id: str, target: str) -> SocialTokenFile:
    """The encrypted token file of the channel setting's ``target`` account (the key must be set)."""
    path = settings.target_token_file(channel_setting_id, target)
    return SocialTokenFile(path, require_cipher(settings), target)
