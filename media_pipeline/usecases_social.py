"""Publish targets and TikTok / Instagram connections of a channel setting, from the console
(docs/ARCHITECTURE.md §10, publications): choose the targets, start a platform's OAuth web flow (state
bound to the user and browser, single use, PKCE where the platform takes it) and finish it on the callback
(token stored encrypted, connection ``connected`` again)."""

from __future__ import annotations

import json
import secrets

from pydantic import BaseModel
from sqlalchemy import Engine

from media_pipeline.domain.publication import SOCIAL_TARGETS, PublishTarget
from media_pipeline.errors import PermanentError, ProviderNotConfiguredError, TransientError
from media_pipeline.providers.social_connect import authorization_url, exchange_code
from media_pipeline.providers.social_tokens import SocialTokenFile
from media_pipeline.providers.token_cipher import require_cipher, token_cipher
from media_pipeline.settings import Settings
from media_pipeline.store.channels import ChannelService
from media_pipeline.store.clock import Clock, utcnow
from media_pipeline.store.errors import ValidationFailed
from media_pipeline.store.oauth_states import OAuthStates
from media_pipeline.store.owner import Owner
from media_pipeline.store.publish_connections import PublishConnections
from media_pipeline.store.views import ConnectionView
from media_pipeline.usecases_channels import DENIED, EXCHANGE_FAILED, STATE_INVALID, ConnectRefused

CHANNEL_TARGETS = (PublishTarget.YOUTUBE, *SOCIAL_TARGETS)
"""What a channel setting may list (the local folder is the server's fallback, not a channel's target)."""


class PublishSetup(BaseModel):
    """A channel setting's targets and connected accounts."""

    targets: list[PublishTarget]
    connections: list[ConnectionView]


def _invalid(field: str, message: str, kind: str) -> ValidationFailed:
    return ValidationFailed(message, {"errors": [{"field": field, "message": message, "type": kind}]})


class SocialConnections:
    """The commands behind ``/api/channels/{id}/targets`` and ``/connections``."""

    def __init__(self, engine: Engine, settings: Settings, clock: Clock | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock or utcnow
        self.states = OAuthStates(engine, clock=clock)
        self.connections = PublishConnections(engine, clock=clock)

    def setup(self, owner: Owner, channel_setting_id: str) -> PublishSetup:
        """Targets and connections of the owner's channel setting (NotFoundError otherwise)."""
        self._check_channel(owner, channel_setting_id)
        return PublishSetup(
            targets=self.connections.targets(channel_setting_id),
            connections=self.connections.list(channel_setting_id),
        )

    def set_targets(self, owner: Owner, channel_setting_id: str, targets: list[str]) -> PublishSetup:
        """Replace the targets; ValidationFailed (field ``targets``) for an empty list or an unknown one."""
        self._check_channel(owner, channel_setting_id)
        allowed = [target.value for target in CHANNEL_TARGETS]
        unknown = [name for name in targets if name not in allowed]
        if unknown or not targets:
            message = f"targets must be a non-empty list of {', '.join(allowed)}" + (
                f"; unknown: {', '.join(map(repr, unknown))}" if unknown else ""
            )
            raise _invalid("targets", message, "invalid_target")
        self.connections.set_targets(channel_setting_id, [PublishTarget(name) for name in targets])
        return self.setup(owner, channel_setting_id)

    def start(self, owner: Owner, channel_setting_id: str, target: str, redirect_uri: str) -> tuple[str, str]:
        """``(consent URL, browser nonce)`` for connecting ``target``; the nonce goes into an HttpOnly cookie.
        ValidationFailed for a target that is not TikTok or Instagram, or when the app is not configured."""
        self._check_channel(owner, channel_setting_id)
        platform = self._social(target)
        try:
            cipher = require_cipher(self.settings)
            state, verifier, nonce = (secrets.token_urlsafe(32) for _ in range(3))
            url = authorization_url(self.settings, platform, redirect_uri, state, verifier)
        except ProviderNotConfiguredError as exc:
            raise _invalid(target, str(exc), "provider_not_configured") from exc
        payload = json.dumps({"verifier": verifier, "channel": channel_setting_id, "target": platform.value})
        self.states.put(owner, state, nonce, cipher.encrypt(payload))
        return url, nonce

    def finish(
        self,
        target: str,
        state: str | None,
        code: str | None,
        error: str | None,
        nonce: str | None,
        redirect_uri: str,
    ) -> str:
        """The channel setting now connected to ``target``; ConnectRefused for an unknown, used, expired,
        foreign or other platform's state, a denied consent or a code the platform refuses."""
        pending = self.states.take(state, nonce) if state else None
        cipher = token_cipher(self.settings)
        try:
            payload = json.loads(cipher.decrypt(pending.code_verifier)) if pending and cipher else None
        except (PermanentError, ValueError):
            payload = None
        if cipher is None or not isinstance(payload, dict) or payload.get("target") != target:
            raise ConnectRefused(STATE_INVALID, "the connection request is invalid, used or expired")
        if error or not code:
            raise ConnectRefused(DENIED, f"the {target} account did not allow the connection")
        platform, channel = PublishTarget(target), str(payload["channel"])
        try:
            token = exchange_code(
                self.settings, platform, code, redirect_uri, payload["verifier"], self.clock()
            )
        except (PermanentError, TransientError, KeyError, ValueError) as exc:
            raise ConnectRefused(EXCHANGE_FAILED, f"{target} refused the code: {type(exc).__name__}") from exc
        path = self.settings.target_token_file(channel, platform.value)
        SocialTokenFile(path, cipher, platform.value).save(token)
        self.connections.connect(channel, platform, token.account_id, token.account_name)
        return channel

    def _check_channel(self, owner: Owner, channel_setting_id: str) -> None:
        ChannelService(self.engine, owner, clock=self.clock, token_file=self.settings.channel_token_file).get(
            channel_setting_id
        )

    @staticmethod
    def _social(target: str) -> PublishTarget:
        if target not in [t.value for t in SOCIAL_TARGETS]:
            raise _invalid(
                "target", f"only tiktok and instagram are connected here, not {target!r}", "invalid_target"
            )
        return PublishTarget(target)
