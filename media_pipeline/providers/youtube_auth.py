"""YouTube OAuth: the one-time authorization that writes a token file, and loading it (with refresh).

One-time setup (the CLI exposes it as ``media-pipeline youtube-auth``):

1. In Google Cloud Console create an OAuth client of type "Desktop app" for a project with the
   YouTube Data API v3 enabled, and download its ``client_secret.json``.
2. Run :func:`authorize` (``media-pipeline youtube-auth --client-secrets client_secret.json
   --token-file youtube_token.json``). It prints a Google consent URL (and opens a browser if there is
   one) and waits on ``http://127.0.0.1:<port>/`` for the redirect. On a headless server pick a fixed
   port and forward it: ``ssh -L 8765:127.0.0.1:8765 server``, then run with ``port=8765,
   open_browser=False`` and open the printed URL in your local browser.
3. Set ``MEDIA_PIPELINE_YOUTUBE_TOKEN_FILE`` to the token file. It holds a refresh token: keep it secret
   (it is written with mode 0600, and Fernet-encrypted when ``MEDIA_PIPELINE_TOKEN_ENCRYPTION_KEY`` is set).
   Access tokens are refreshed automatically and written back atomically.

Channels connected from the console (providers/youtube_connect.py) write the same token files, always
encrypted; a file is read as plain JSON if it starts with ``{`` and decrypted otherwise.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from media_pipeline.errors import ProviderNotConfiguredError, TransientError
from media_pipeline.fsutil import atomic_path
from media_pipeline.providers.token_cipher import TokenCipher

if TYPE_CHECKING:
    from google.oauth2.credentials import Credentials

SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube.readonly",
)
REAUTHORIZE_HINT = "run `media-pipeline youtube-auth` to authorize again"


def write_token_file(path: Path, credentials: Credentials, cipher: TokenCipher | None = None) -> Path:
    """Write ``credentials`` as authorized-user JSON to ``path`` atomically, owner-readable only, encrypted
    with ``cipher`` if given."""
    text = credentials.to_json()
    with atomic_path(path) as tmp:
        tmp.write_text(cipher.encrypt(text) if cipher else text, encoding="utf-8")
        os.chmod(tmp, 0o600)
    return path


def read_token_file(path: Path, cipher: TokenCipher | None) -> dict[str, object]:
    """The authorized-user info of a token file (plain JSON, or decrypted with ``cipher``)."""
    text = path.read_text(encoding="utf-8").strip()
    if not text.startswith("{"):
        if cipher is None:
            raise ProviderNotConfiguredError(
                f"YouTube token file {path} is encrypted; set MEDIA_PIPELINE_TOKEN_ENCRYPTION_KEY"
            )
        text = cipher.decrypt(text)
    info = json.loads(text)
    if not isinstance(info, dict):
        raise ValueError("not a JSON object")
    return info


class TokenStore:
    """An authorized-user token file: loads credentials, refreshes expired ones and saves them back
    (encrypted with ``cipher`` when one is configured)."""

    def __init__(self, path: Path, token_uri: str | None = None, cipher: TokenCipher | None = None) -> None:
        self.path = path
        self.token_uri = token_uri
        self.cipher = cipher

    def load(self) -> Credentials:
        """Valid credentials from the token file (refreshed and written back if the access token expired)."""
        from google.oauth2.credentials import Credentials

        if not self.path.is_file():
            raise ProviderNotConfiguredError(
                f"YouTube token file {self.path} does not exist; {REAUTHORIZE_HINT}"
            )
        try:
            credentials = Credentials.from_authorized_user_info(read_token_file(self.path, self.cipher))
        except ValueError as exc:
            raise ProviderNotConfiguredError(
                f"YouTube token file {self.path} is invalid ({exc}); {REAUTHORIZE_HINT}"
            ) from exc
        if self.token_uri:
            credentials = credentials.with_token_uri(self.token_uri)
        missing = [scope for scope in SCOPES if credentials.scopes and scope not in credentials.scopes]
        if missing:
            raise ProviderNotConfiguredError(
                f"YouTube token file {self.path} lacks scopes {', '.join(missing)}; {REAUTHORIZE_HINT}"
            )
        if not credentials.valid:
            self.refresh(credentials)
        return credentials

    def refresh(self, credentials: Credentials) -> None:
        """Refresh the access token with the refresh token and save the token file."""
        import google.auth.exceptions
        from google.auth.transport.requests import Request

        if not credentials.refresh_token:
            raise ProviderNotConfiguredError(
                f"YouTube token file {self.path} has no refresh token; {REAUTHORIZE_HINT}"
            )
        try:
            credentials.refresh(Request())
        except google.auth.exceptions.RefreshError as exc:
            if getattr(exc, "retryable", False):
                raise TransientError(f"refreshing the YouTube access token failed: {exc}") from exc
            raise ProviderNotConfiguredError(
                f"the YouTube refresh token was rejected ({exc}); {REAUTHORIZE_HINT}"
            ) from exc
        except google.auth.exceptions.TransportError as exc:
            raise TransientError(f"refreshing the YouTube access token failed: {exc}") from exc
        write_token_file(self.path, credentials, self.cipher)

    def save_if_changed(self, credentials: Credentials, previous_token: str | None) -> None:
        """Write the token file again if the access token was refreshed while in use."""
        if credentials.token and credentials.token != previous_token:
            write_token_file(self.path, credentials, self.cipher)


def authorize(
    client_secrets_file: Path,
    token_file: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    open_browser: bool = True,
    timeout_s: int | None = 600,
    cipher: TokenCipher | None = None,
) -> Path:
    """One-time interactive consent (installed-app flow on a loopback redirect); writes ``token_file``.

    ``port=0`` picks a free port; use a fixed port with ``open_browser=False`` when the browser runs on
    another machine (forward the port over SSH). Returns the token file path (encrypted with ``cipher``).
    """
    from google_auth_oauthlib.flow import InstalledAppFlow

    if not client_secrets_file.is_file():
        raise ProviderNotConfiguredError(f"OAuth client secrets file {client_secrets_file} does not exist")
    flow = InstalledAppFlow.from_client_secrets_file(str(client_secrets_file), scopes=list(SCOPES))
    credentials = flow.run_local_server(
        host=host,
        port=port,
        open_browser=open_browser,
        timeout_seconds=timeout_s,
        authorization_prompt_message="Open this URL in a browser to authorize YouTube uploads:\n{url}",
        success_message="Authorized. You can close this window and return to media-pipeline.",
        access_type="offline",
        prompt="consent",
    )
    return write_token_file(token_file, credentials, cipher)
