"""Browser front ends on other origins: CORS preflights and headers for configured origins only, and the
progress WebSocket refusing foreign origins (browsers open it without a preflight)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from websockets.sync.client import connect

from media_pipeline.settings import Settings
from media_pipeline.store import Owner
from media_pipeline_tests.api.conftest import LiveApi
from media_pipeline_tests.api.socket_support import TIMEOUT_S, close_code, opening
from media_pipeline_tests.api.support import add_jobs

APP = "https://app.example.com"
EVIL = "https://evil.example.com"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization,if-match",
}


def _configured(make_api: Callable[..., LiveApi], api_settings: Settings) -> LiveApi:
    api_settings.cors_allowed_origins = [APP]
    return make_api()


def _socket_close(api: LiveApi, owner: Owner, video_id: str, origin: str) -> tuple[int, list[dict]]:
    url = f"{api.ws_url}/ws/videos/{video_id}/render-progress?access_token={api.token(owner)}"
    with connect(url, origin=origin, open_timeout=TIMEOUT_S) as websocket:  # type: ignore[arg-type]
        return close_code(websocket)


def test_configured_origins_get_preflights_and_headers(
    make_api: Callable[..., LiveApi], api_settings: Settings, owner: Owner
) -> None:
    api = _configured(make_api, api_settings)
    with api.client(owner) as client:
        queue = client.get("/api/queue").json()
        url = f"/api/queue/{queue['id']}/jobs"
        allowed = client.options(url, headers={"Origin": APP, **PREFLIGHT})
        assert allowed.status_code == 200, allowed.text
        assert allowed.headers["access-control-allow-origin"] == APP
        assert {"POST"} <= set(allowed.headers["access-control-allow-methods"].split(", "))
        assert {"authorization", "if-match"} <= set(
            allowed.headers["access-control-allow-headers"].lower().split(", ")
        )
        refused = client.options(url, headers={"Origin": EVIL, **PREFLIGHT})
        assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers
        added = client.post(
            url, json={"assetIds": ["a"], "version": queue["version"]}, headers={"Origin": APP}
        )
        assert added.status_code == 200
        assert added.headers["access-control-allow-origin"] == APP
        assert "etag" in added.headers["access-control-expose-headers"].lower()
        missing = client.get("/api/v1/videos/t-missing", headers={"Origin": APP})  # errors carry them too
        assert (missing.status_code, missing.headers["access-control-allow-origin"]) == (404, APP)
        video = added.json()["jobs"][0]["id"]
    with connect(
        f"{api.ws_url}/ws/videos/{video}/render-progress?access_token={api.token(owner)}",
        origin=APP,  # type: ignore[arg-type]
        open_timeout=TIMEOUT_S,
    ) as websocket:
        assert opening(websocket)[0]["video_id"] == video
    code, messages = _socket_close(api, owner, video, EVIL)
    assert (code, [message["code"] for message in messages]) == (4403, ["FORBIDDEN"])


def test_no_cross_origin_access_by_default(api: LiveApi, client: httpx.Client, owner: Owner) -> None:
    queue = client.get("/api/queue").json()
    preflight = client.options(f"/api/queue/{queue['id']}/jobs", headers={"Origin": APP, **PREFLIGHT})
    assert "access-control-allow-origin" not in preflight.headers
    listed = client.get("/api/queue", headers={"Origin": APP})
    assert listed.status_code == 200 and "access-control-allow-origin" not in listed.headers
    (video,) = add_jobs(client, ["a"])["jobs"]
    code, messages = _socket_close(api, owner, video["id"], APP)
    assert (code, messages[0]["details"]) == (4403, {"origin": APP})
    same_origin = api.base_url  # the page's own origin (and clients without Origin) may connect
    with connect(
        f"{api.ws_url}/ws/videos/{video['id']}/render-progress?access_token={api.token(owner)}",
        origin=same_origin,  # type: ignore[arg-type]
        open_timeout=TIMEOUT_S,
    ) as websocket:
        assert opening(websocket)[1]["status"] == "PENDING"


def test_cors_origins_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIA_PIPELINE_CORS_ALLOWED_ORIGINS", f'["{APP}"]')
    assert Settings().cors_allowed_origins == [APP]
