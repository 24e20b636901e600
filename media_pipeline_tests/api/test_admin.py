"""Workspace administration over HTTP: an admin's sign-in carries the ``admin`` scope; users are created,
get a new password, are disabled (no sign-in, their tokens refused) and enabled again; credits are granted;
every action is in the audit log. Non-admins get 403, other workspaces' users 404."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from media_pipeline.store.users import UserService
from media_pipeline_tests.api.conftest import LiveApi

PASSWORD = "a long enough password"


def _login(api: LiveApi, username: str, password: str = PASSWORD) -> httpx.Response:
    return httpx.post(
        f"{api.base_url}/api/auth/login", json={"username": username, "password": password}, timeout=30
    )


def _signed_in(api: LiveApi, username: str, password: str = PASSWORD) -> httpx.Client:
    login = _login(api, username, password)
    login.raise_for_status()
    headers = {"Authorization": f"Bearer {login.json()['accessToken']}"}
    return httpx.Client(base_url=api.base_url, headers=headers, timeout=30)


@pytest.fixture
def users(api: LiveApi) -> UserService:
    return UserService(api.db_url)


@pytest.fixture
def admin(api: LiveApi, users: UserService) -> Iterator[httpx.Client]:
    """Signed in as ``boss``, admin of workspace ``studio``."""
    users.add("boss", PASSWORD, "studio", is_admin=True)
    with _signed_in(api, "boss") as http:
        yield http


def test_admin_manages_users_and_every_action_is_audited(
    api: LiveApi, users: UserService, admin: httpx.Client
) -> None:
    assert _login(api, "boss").json()["user"]["isAdmin"] is True
    created = admin.post("/api/v1/admin/users", json={"username": "carol", "password": PASSWORD})
    assert created.status_code == 201, created.text
    carol = created.json()
    assert carol["username"] == "carol" and carol["isAdmin"] is False and carol["disabledAt"] is None
    assert "passwordHash" not in carol
    assert [u["username"] for u in admin.get("/api/v1/admin/users").json()["items"]] == ["boss", "carol"]

    with _signed_in(api, "carol") as carol_http:
        assert carol_http.get("/api/queue").status_code == 200
        reset = admin.post(
            f"/api/v1/admin/users/{carol['id']}/password", json={"password": "new password 123"}
        )
        assert reset.status_code == 200
        assert _login(api, "carol").status_code == 401
        assert _login(api, "carol", "new password 123").status_code == 200

        disabled = admin.patch(f"/api/v1/admin/users/{carol['id']}", json={"disabled": True})
        assert disabled.status_code == 200 and disabled.json()["disabledAt"] is not None
        refused = carol_http.get("/api/queue")
        assert refused.status_code == 401
        assert refused.json()["message"] == "this user is disabled"
        assert _login(api, "carol", "new password 123").status_code == 401
        again = admin.patch(f"/api/v1/admin/users/{carol['id']}", json={"disabled": True})
        assert again.status_code == 200  # idempotent, audited once
        admin.patch(f"/api/v1/admin/users/{carol['id']}", json={"disabled": False}).raise_for_status()
        assert carol_http.get("/api/queue").status_code == 200

    granted = admin.post("/api/v1/admin/credits/grants", json={"workspaceId": "studio", "amount": 12})
    assert granted.status_code == 201 and granted.json()["balance"] == 12
    assert admin.get("/api/v1/credits").json()["balance"] == 12

    audit = admin.get("/api/v1/admin/audit").json()
    actions = [(entry["action"], entry["target"]) for entry in reversed(audit["items"])]
    assert actions == [
        ("user.create", carol["id"]),
        ("user.reset_password", carol["id"]),
        ("user.disable", carol["id"]),
        ("user.enable", carol["id"]),
        ("credits.grant", "studio"),
    ]
    boss_id = admin.get("/api/v1/admin/users").json()["items"][0]["id"]
    assert {entry["actorId"] for entry in audit["items"]} == {boss_id}
    assert audit["total"] == 5
    assert "new password" not in str(audit) and PASSWORD not in str(audit)


def test_non_admins_get_403_on_every_admin_endpoint(api: LiveApi, users: UserService) -> None:
    users.add("member", PASSWORD, "studio")
    target = users.add("other", PASSWORD, "studio")
    calls = [
        ("GET", "/api/v1/admin/users", None),
        ("POST", "/api/v1/admin/users", {"username": "x1", "password": PASSWORD}),
        ("POST", f"/api/v1/admin/users/{target.user_id}/password", {"password": PASSWORD}),
        ("PATCH", f"/api/v1/admin/users/{target.user_id}", {"disabled": True}),
        ("GET", "/api/v1/admin/audit", None),
        ("POST", "/api/v1/admin/credits/grants", {"workspaceId": "studio", "amount": 5}),
    ]
    with _signed_in(api, "member") as member:
        for method, path, body in calls:
            response = member.request(method, path, json=body)
            assert response.status_code == 403, (method, path)
            assert response.json()["code"] == "FORBIDDEN"
    assert _login(api, "other").status_code == 200


def test_other_workspaces_users_are_not_found_and_bad_input_is_refused(
    api: LiveApi, users: UserService, admin: httpx.Client
) -> None:
    outsider = users.add("outsider", PASSWORD, "elsewhere")
    for method, path, body in [
        ("POST", f"/api/v1/admin/users/{outsider.user_id}/password", {"password": "hijacked password"}),
        ("PATCH", f"/api/v1/admin/users/{outsider.user_id}", {"disabled": True}),
    ]:
        response = admin.request(method, path, json=body)
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "NOT_FOUND"
    assert _login(api, "outsider").status_code == 200
    grant = admin.post("/api/v1/admin/credits/grants", json={"workspaceId": "elsewhere", "amount": 5})
    assert grant.status_code == 404
    assert "outsider" not in str(admin.get("/api/v1/admin/users").json())

    boss_id = admin.get("/api/v1/admin/users").json()["items"][0]["id"]
    assert admin.patch(f"/api/v1/admin/users/{boss_id}", json={"disabled": True}).status_code == 409
    taken = admin.post("/api/v1/admin/users", json={"username": "outsider", "password": PASSWORD})
    assert taken.status_code == 409
    short = admin.post("/api/v1/admin/users", json={"username": "dave", "password": "short"})
    assert short.status_code == 422 and short.json()["details"]["errors"][0]["field"] == "password"
    bad_name = admin.post("/api/v1/admin/users", json={"username": "bad name!", "password": PASSWORD})
    assert bad_name.status_code == 422
    assert admin.patch("/api/v1/admin/users/not-an-id", json={"disabled": True}).status_code == 422
    assert admin.get("/api/v1/admin/audit").json()["total"] == 0
