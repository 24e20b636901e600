"""Encryption at rest of OAuth tokens (docs/ARCHITECTURE.md §10): Fernet (AES-128-CBC + HMAC-SHA256) with the
key in ``MEDIA_PIPELINE_TOKEN_ENCRYPTION_KEY``. Make a key with
``python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"``."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

from media_pipeline.errors import ProviderNotConfiguredError
from media_pipeline.settings import Settings

KEY_SETTING = "MEDIA_PIPELINE_TOKEN_ENCRYPTION_KEY"


class TokenCipher:
    """Encrypts and decrypts token text with one Fernet key."""

    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode())
        except ValueError as exc:
            raise ProviderNotConfiguredError(
                f"{KEY_SETTING} is not a Fernet key (urlsafe base64 of 32 bytes)"
            ) from exc

    def encrypt(self, text: str) -> str:
        """The ciphertext (ASCII) of ``text``."""
        return self._fernet.encrypt(text.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The text encrypted in ``token``; ProviderNotConfiguredError if another key made it or it was
        altered."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ProviderNotConfiguredError(
                f"an encrypted token could not be decrypted with {KEY_SETTING} (another key, or altered)"
            ) from exc


def token_cipher(settings: Settings) -> TokenCipher | None:
    """The configured cipher, or None when no key is set (tokens are then stored as plain JSON)."""
    key = settings.token_encryption_key
    return TokenCipher(key.get_secret_value()) if key is not None else None


def require_cipher(settings: Settings) -> TokenCipher:
    """The configured cipher; ProviderNotConfiguredError naming the setting if no key is set."""
    cipher = token_cipher(settings)
    if cipher is None:
        raise ProviderNotConfiguredError(f"set {KEY_SETTING} to store OAuth tokens encrypted")
    return cipher
