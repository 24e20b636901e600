"""Token files encrypted at rest: the publisher's TokenStore reads and refreshes an encrypted file and
writes it back encrypted; plain files of ``youtube-auth`` still load; a wrong or missing key is a clear
configuration error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from media_pipeline.errors import ProviderNotConfiguredError
from media_pipeline.providers.token_cipher import TokenCipher
from media_pipeline.providers.youtube_auth import SCOPES, TokenStore, read_token_file
from media_pipeline_tests.providers.fake_youtube import FakeYouTube
from media_pipeline_tests.providers.fakeserver import FakeServer


def _info(token_uri: str) -> dict[str, object]:
    return {
        "refresh_token": "refresh-1",
        "client_id": "client.apps.googleusercontent.com",
        "client_secret": "secret",
        "token_uri": token_uri,
        "scopes": list(SCOPES),
    }


def test_an_encrypted_token_file_is_refreshed_and_written_back_encrypted(tmp_path: Path) -> None:
    cipher = TokenCipher(Fernet.generate_key().decode())
    fake = FakeYouTube()
    with FakeServer(fake) as server:
        path = tmp_path / "token.json"
        path.write_text(cipher.encrypt(json.dumps(_info(f"{server.base_url}/token"))))
        token_uri = f"{server.base_url}/token"  # google-auth ignores the file's
        credentials = TokenStore(path, token_uri, cipher).load()  # no access token yet: refreshed

    assert credentials.token == "fresh-token-1"
    stored = path.read_text()
    assert "refresh-1" not in stored and "fresh-token-1" not in stored
    assert read_token_file(path, cipher)["token"] == "fresh-token-1"


def test_plain_files_still_load_and_bad_keys_are_named(tmp_path: Path) -> None:
    cipher = TokenCipher(Fernet.generate_key().decode())
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(_info("http://127.0.0.1:9/token")))
    assert read_token_file(plain, cipher)["refresh_token"] == "refresh-1"

    encrypted = tmp_path / "encrypted.json"
    encrypted.write_text(cipher.encrypt(plain.read_text()))
    with pytest.raises(ProviderNotConfiguredError, match="MEDIA_PIPELINE_TOKEN_ENCRYPTION_KEY"):
        read_token_file(encrypted, None)
    with pytest.raises(ProviderNotConfiguredError, match="another key, or altered"):
        read_token_file(encrypted, TokenCipher(Fernet.generate_key().decode()))
    with pytest.raises(ProviderNotConfiguredError, match="not a Fernet key"):
        TokenCipher("too-short")
