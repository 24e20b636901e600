"""Channel connections from the console (docs/ARCHITECTURE.md §10): start Google's OAuth web-server flow,
finish it on the callback (state checked against the user and browser that started it, single use; PKCE;
refresh token stored encrypted), choose the default channel, disconnect (token revoked, then deleted).
The CLI's ``media-pipeline youtube-auth --channel`` stays for headless servers."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from sqlalchemy import Engine

from media_pipeline.errors import MediaPipelineError, PermanentError, ProviderNotConfiguredError
from media_pipeline.providers.token_cipher import TokenCipher, require_cipher, token_cipher
from media_pipeline.providers.youtube_auth import read_token_file, write_token_file
from media_pipeline.providers.youtube_connect import (
    OAuthExchangeError,
    channel_identity,
    exchange_code,
    revoke,
    start_authorization,
)
from media_pipeline.settings import Settings
from media_pipeline.store.channels import ChannelService
from media_pipeline.store.clock import Clock
from media_pipeline.store.errors import StoreError, ValidationFailed
from media_pipeline.store.oauth_states import OAuthStates
from media_pipeline.store.owner import Owner
from media_pipeline.store.views import ChannelView

logger = logging.getLogger(__name__)

STATE_INVALID = "OAUTH_STATE_INVALID"
DENIED = "OAUTH_DENIED"
EXCHANGE_FAILED = "OAUTH_EXCHANGE_FAILED"
CHANNEL_FAILED = "OAUTH_CHANNEL_FAILED"


class ConnectRefused(StoreError):
    """The callback was refused; ``code`` says why (one of the ``OAUTH_*`` codes above)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class ChannelConnections:
    """Connects, chooses and disconnects the YouTube channels of workspaces."""

    def __init__(self, engine: Engine, settings: Settings, clock: Clock | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.states = OAuthStates(engine, clock=clock)

    def channels(self, owner: Owner) -> ChannelService:
        """The owner's workspace channel settings."""
        return ChannelService(
            self.engine, owner, clock=self.clock, token_file=self.settings.channel_token_file
        )

    def start(self, owner: Owner, redirect_uri: str) -> tuple[str, str]:
        """``(consent URL, browser nonce)``: the nonce goes into an HttpOnly cookie of the browser that
        must come back with the state. ValidationFailed if the OAuth client or the key is not configured."""
        try:
            cipher = require_cipher(self.settings)
            authorization = start_authorization(self.settings, redirect_uri)
        except ProviderNotConfiguredError as exc:
            raise ValidationFailed(
                str(exc),
                {"errors": [{"field": "youtube", "message": str(exc), "type": "provider_not_configured"}]},
            ) from exc
        nonce = secrets.token_urlsafe(32)
        self.states.put(owner, authorization.state, nonce, cipher.encrypt(authorization.code_verifier))
        return authorization.url, nonce

    def finish(
        self, state: str | None, code: str | None, error: str | None, nonce: str | None, redirect_uri: str
    ) -> ChannelView:
        """The connected channel; ConnectRefused for an unknown, used, expired or foreign state, a denied
        consent, a code the token endpoint refuses (e.g. used twice) or an account without a channel."""
        pending = self.states.take(state, nonce) if state else None
        if pending is None:
            raise ConnectRefused(STATE_INVALID, "the connection request is invalid, used or expired")
        if error or not code:
            raise ConnectRefused(DENIED, "the Google account did not allow the connection")
        cipher = require_cipher(self.settings)
        verifier = cipher.decrypt(pending.code_verifier)
        try:
            credentials = exchange_code(self.settings, redirect_uri, state or "", verifier, code)
        except OAuthExchangeError as exc:
            raise ConnectRefused(EXCHANGE_FAILED, str(exc)) from exc
        # Imported here, like the Google client itself: every API worker imports this module, few connect.
        from google.auth.exceptions import GoogleAuthError
        from googleapiclient.errors import HttpError
        from httplib2 import HttpLib2Error

        try:
            identity = channel_identity(self.settings, credentials)
        except (
            HttpError,
            GoogleAuthError,
            HttpLib2Error,
            MediaPipelineError,
            OSError,
            KeyError,
            ValueError,
        ) as exc:
            self._revoke(str(credentials.refresh_token))
            raise ConnectRefused(
                CHANNEL_FAILED, f"the channel could not be read: {type(exc).__name__}"
            ) from exc
        channels = self.channels(pending.owner)
        view = channels.connect(identity.title, identity.channel_id)
        token_file = self.settings.channel_token_file(view.id)
        token_file.parent.mkdir(parents=True, exist_ok=True)
        write_token_file(token_file, credentials, cipher)
        return channels.get(view.id)

    def set_default(self, owner: Owner, channel_setting_id: str) -> ChannelView:
        """Make the channel the workspace's default."""
        return self.channels(owner).set_default(channel_setting_id)

    def disconnect(self, owner: Owner, channel_setting_id: str) -> None:
        """Revoke the channel's token at Google (if it has one), then delete it and the channel setting."""
        channels = self.channels(owner)
        channels.get(channel_setting_id)  # NotFound before anything is revoked
        token_file = self.settings.channel_token_file(channel_setting_id)
        if token_file.is_file():
            self._revoke_file(token_file, token_cipher(self.settings))
        channels.delete(channel_setting_id)

    def _revoke_file(self, token_file: Path, cipher: TokenCipher | None) -> None:
        try:
            info = read_token_file(token_file, cipher)
        except (MediaPipelineError, OSError, ValueError) as exc:
            logger.warning("token of %s unreadable, deleted without revoking: %s", token_file.name, exc)
            return
        self._revoke(str(info.get("refresh_token") or info.get("token") or ""))

    def _revoke(self, token: str) -> None:
        """Best effort: a token Google cannot be told about is still deleted here (never logged)."""
        if not token:
            return
        try:
            revoke(self.settings, token)
        except (PermanentError, OSError) as exc:
            logger.warning("revoking a YouTube token failed: %s", type(exc).__name__)
