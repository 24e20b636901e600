"""Sign-in: console users (argon2 hashes) get the same JWT the API accepts; log time-range filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from media_pipeline.cli import main
from media_pipeline.store import ConflictError, ValidationFailed
from media_pipeline.store.models import User
from media_pipeline.store.users import UserService
from media_pipeline_tests.api.conftest import LiveApi
from media_pipeline_tests.conftest import EntryPointEnv

PASSWORD = "a long enough password"


@pytest.fixture
def users(api: LiveApi) -> UserService:
    return UserService(api.db_url)


def test_login_issues_a_token_the_api_accepts(api: LiveApi, users: UserService) -> None:
    owner = users.add("alice", PASSWORD, "studio")
    login = httpx.post(
        f"{api.base_url}/api/auth/login", json={"username": "alice", "password": PASSWORD}, timeout=30
    )
    assert login.status_code == 200
    body = login.json()
    assert body["user"] == {
        "id": owner.user_id,
        "username": "alice",
        "workspaceId": "studio",
        "isAdmin": False,
    }
    assert datetime.fromisoformat(body["expiresAt"]) > datetime.now(UTC) + timedelta(hours=23)
    headers = {"Authorization": f"Bearer {body['accessToken']}"}
    assert httpx.get(f"{api.base_url}/api/queue", headers=headers).status_code == 200


@pytest.mark.parametrize(("username", "password"), [("alice", "wrong password"), ("nobody", PASSWORD)])
def test_login_refuses_wrong_credentials_alike(
    api: LiveApi, users: UserService, username: str, password: str
) -> None:
    users.add("alice", PASSWORD)
    login = httpx.post(
        f"{api.base_url}/api/auth/login", json={"username": username, "password": password}, timeout=30
    )
    assert login.status_code == 401
    assert login.json() == {"code": "UNAUTHORIZED", "message": "wrong username or password", "details": {}}


def test_login_validates_the_body(api: LiveApi) -> None:
    login = httpx.post(
        f"{api.base_url}/api/auth/login", json={"username": "", "password": "x", "extra": 1}, timeout=30
    )
    assert login.status_code == 422
    fields = {error["field"] for error in login.json()["details"]["errors"]}
    assert fields == {"username", "extra"}


def test_passwords_are_stored_as_argon2_hashes_and_names_are_unique(users: UserService) -> None:
    users.add("alice", PASSWORD)
    with users.engine.connect() as connection:
        stored = connection.execute(select(User.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    with pytest.raises(ConflictError):
        users.add("alice", "another password")
    with pytest.raises(ValidationFailed):
        users.add("bad name!", PASSWORD)
    with pytest.raises(ValidationFailed):
        users.add("bob", "short")


def test_user_add_cli_reads_the_password_from_stdin(
    api: LiveApi,
    monkeypatch: pytest.MonkeyPatch,
    entry_point_env: EntryPointEnv,
    capsys: pytest.CaptureFixture[str],
) -> None:
    entry_point_env.set(app_db_url=api.db_url)  # the CLI reads it
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO(PASSWORD + "\n"))
    assert main(["user", "add", "carol", "--workspace", "team", "--password-stdin"]) == 0
    assert "user carol created" in capsys.readouterr().out
    found = UserService(api.db_url).authenticate("carol", PASSWORD)
    assert found is not None and found[0].workspace_id == "team"


def test_logs_filter_by_time_range(api: LiveApi, client: httpx.Client) -> None:
    queue = client.get("/api/queue").json()
    added = client.post(
        f"/api/queue/{queue['id']}/jobs", json={"assetIds": ["a"], "version": queue["version"]}
    )
    client.post(f"/api/queue/{queue['id']}/run", json={"version": added.json()["version"]}).raise_for_status()
    entries = client.get("/api/automation/logs").json()["items"]
    assert entries
    created = datetime.fromisoformat(entries[0]["createdAt"])
    before = (created - timedelta(minutes=1)).isoformat()
    after = (created + timedelta(minutes=1)).isoformat()
    assert (
        client.get("/api/automation/logs", params={"since": before, "until": after}).json()["items"]
        == entries
    )
    assert client.get("/api/automation/logs", params={"since": after}).json()["items"] == []
    assert client.get("/api/automation/logs", params={"until": before}).json()["items"] == []
    naive = client.get("/api/automation/logs", params={"since": "2030-01-01T00:00:00"})
    assert naive.status_code == 422
