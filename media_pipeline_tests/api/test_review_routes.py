"""Reviews over HTTP (SQLite and PostgreSQL): the storyboard with each scene's line and image, a line edit,
a scene's media choice (still or clip) with its stock keywords, one paid regeneration against the loopback
DALL·E fake, an upload checked like every upload, approvals recorded once, the final review's reject, the
waiting list; errors as {code, message, details}."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from media_pipeline.domain import Script, TaskPaths
from media_pipeline.settings import Settings
from media_pipeline.storage import open_storage
from media_pipeline.store import Owner, PipelineState
from media_pipeline_tests.api.conftest import UPLOAD_LIMIT, LiveApi
from media_pipeline_tests.api.support import assert_error
from media_pipeline_tests.conftest import TEST_PLANS
from media_pipeline_tests.providers.fake_images import PaidImagesFake
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.providers.helpers import image_bytes
from media_pipeline_tests.review_support import (
    assert_ledger_balances,
    queue_review_task,
    run_stage,
    to_storyboard_review,
)
from media_pipeline_tests.store.support import snapshot


@pytest.fixture
def api_settings(tmp_path: Path, dalle_fake: tuple[FakeServer, PaidImagesFake]) -> Settings:
    return Settings(
        data_dir=tmp_path,
        plans=TEST_PLANS,
        upload_max_bytes=UPLOAD_LIMIT,
        jwt_secret="test-secret-0123456789abcdef0123456789",
        images_base_url=f"{dalle_fake[0].base_url}/v1",
        images_api_key=SecretStr("sk-test"),
        credit_prices={"dalle3": 1},
    )


@pytest.fixture
def in_review(db_url: str, owner: Owner, api_settings: Settings) -> str:
    task_id = queue_review_task(db_url, owner, api_settings, credits=10)
    to_storyboard_review(db_url, api_settings, task_id)
    return task_id


def _review(client: httpx.Client, task_id: str) -> dict:  # type: ignore[type-arg]
    response = client.get(f"/api/v1/videos/{task_id}/review")
    assert response.status_code == 200, response.text
    return response.json()


def test_storyboard_edit_regenerate_and_approve(
    client: httpx.Client,
    in_review: str,
    db_url: str,
    owner: Owner,
    dalle_fake: tuple[FakeServer, PaidImagesFake],
    api: LiveApi,
) -> None:
    board = _review(client, in_review)
    assert (board["status"], board["waiting"]) == ("review", "storyboard")
    assert [scene["narration"] for scene in board["scenes"]] == [
        "Narration 0.",
        "Narration 1.",
        "Narration 2.",
    ]
    image = client.get(board["scenes"][1]["imageUrl"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    job = client.get(f"/api/v2/videos/{in_review}/render-jobs/{in_review}-g1").json()
    assert (job["status"], job["step"], job["awaiting_approval"]) == ("RUNNING", "STORYBOARD_REVIEW", True)
    waiting = client.get("/api/v1/reviews").json()["items"]
    assert [(item["videoId"], item["kind"]) for item in waiting] == [(in_review, "storyboard")]
    assert waiting[0]["actions"] == client.get(f"/api/v1/videos/{in_review}").json()["actions"]
    assert {name for name, allowed in waiting[0]["actions"].items() if allowed} == {"stop", "review"}

    edited = client.put(f"/api/v1/videos/{in_review}/review/scenes/0/narration", json={"text": "New line."})
    assert edited.status_code == 200, edited.text
    assert edited.json()["scenes"][0]["narration"] == "New line."
    regenerated = client.post(f"/api/v1/videos/{in_review}/review/scenes/1/regenerate")
    assert regenerated.status_code == 200, regenerated.text
    assert regenerated.json()["edit"]["status"] == "done"
    assert dalle_fake[1].paid == [0, 1, 2, 1]
    new_url = regenerated.json()["storyboard"]["scenes"][1]["imageUrl"]
    assert new_url != board["scenes"][1]["imageUrl"]
    assert client.get("/api/v1/credits").json()["balance"] == 6

    approved = client.post(f"/api/v1/videos/{in_review}/review/storyboard/approve")
    assert approved.status_code == 200, approved.text
    assert [(r["kind"], r["status"], r["decidedBy"]) for r in approved.json()["reviews"]] == [
        ("storyboard", "approved", owner.user_id)
    ]
    before = snapshot(PipelineState(db_url).engine)
    again = client.post(f"/api/v1/videos/{in_review}/review/storyboard/approve")
    assert again.status_code == 200 and again.json()["reviews"] == approved.json()["reviews"]
    assert snapshot(PipelineState(db_url).engine) == before
    assert_error(client.post(f"/api/v1/videos/{in_review}/review/scenes/1/regenerate"), 409, "CONFLICT")
    assert dalle_fake[1].paid == [0, 1, 2, 1]
    assert assert_ledger_balances(db_url, owner.workspace_id) == {"grant": 10, "reserve": 4, "consume": 4}


def test_bad_review_requests(
    client: httpx.Client, in_review: str, api: LiveApi, db_url: str, owner: Owner
) -> None:
    stranger = Owner(user_id="u-9", workspace_id="ws-9")
    with api.client(stranger) as other:
        before = snapshot(PipelineState(db_url).engine)
        for response in (
            other.get(f"/api/v1/videos/{in_review}/review"),
            other.post(f"/api/v1/videos/{in_review}/review/scenes/0/regenerate"),
            other.post(f"/api/v1/videos/{in_review}/review/storyboard/approve"),
            other.put(f"/api/v1/videos/{in_review}/review/scenes/0/narration", json={"text": "x"}),
        ):
            assert_error(response, 404, "NOT_FOUND")
        assert snapshot(PipelineState(db_url).engine) == before
    assert_error(client.post(f"/api/v1/videos/{in_review}/review/final/approve"), 409, "CONFLICT")
    assert_error(client.post(f"/api/v1/videos/{in_review}/review/scenes/7/regenerate"), 404, "NOT_FOUND")
    assert_error(
        client.put(f"/api/v1/videos/{in_review}/review/scenes/0/narration", json={"text": ""}),
        422,
        "VALIDATION_ERROR",
    )
    upload = f"/api/v1/videos/{in_review}/review/scenes/0/image"
    assert_error(
        client.post(upload, files={"file": ("x.png", b"<svg/>", "image/png")}), 415, "UNSUPPORTED_MEDIA_TYPE"
    )
    big = image_bytes("PNG") + b"\0" * UPLOAD_LIMIT
    assert client.post(upload, files={"file": ("big.png", big, "image/png")}).status_code == 413
    replaced = client.post(upload, files={"file": ("mine.jpg", image_bytes("JPEG"), "image/jpeg")})
    assert replaced.status_code == 200, replaced.text
    assert [edit["kind"] for edit in replaced.json()["edits"]] == ["upload"]
    assert_ledger_balances(db_url, owner.workspace_id)


def test_final_review_reject_publishes_nothing(
    client: httpx.Client, in_review: str, db_url: str, api_settings: Settings
) -> None:
    assert client.post(f"/api/v1/videos/{in_review}/review/storyboard/approve").status_code == 200
    state = PipelineState(db_url)
    run_stage(state, in_review, "video")
    run_stage(state, in_review, "thumbnail")
    assert _review(client, in_review)["waiting"] == "final"
    rejected = client.post(f"/api/v1/videos/{in_review}/review/final/reject")
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["waiting"]) == ("canceled", None)
    job = client.get(f"/api/v2/videos/{in_review}/render-jobs/{in_review}-g1").json()
    assert (job["status"], job["error_code"], job["awaiting_approval"]) == ("CANCELED", "CANCELED", False)
    assert client.get("/api/v1/reviews").json()["items"] == []
    assert_error(client.post(f"/api/v1/videos/{in_review}/review/final/approve"), 409, "CONFLICT")


def test_a_scene_media_choice_is_stored_in_the_storyboard(
    client: httpx.Client, in_review: str, api: LiveApi, db_url: str
) -> None:
    board = _review(client, in_review)
    assert {(scene["media"], tuple(scene["keywords"])) for scene in board["scenes"]} == {("clip", ())}
    url = f"/api/v1/videos/{in_review}/review/scenes/1/media"

    chosen = client.put(url, json={"media": "still", "keywords": ["calm", " lake "]})

    assert chosen.status_code == 200, chosen.text
    scene = chosen.json()["scenes"][1]
    assert (scene["media"], scene["keywords"]) == ("still", ["calm", "lake"])
    assert scene["imageUrl"] == board["scenes"][1]["imageUrl"]  # the image did not change
    (edit,) = chosen.json()["edits"]
    assert (edit["kind"], edit["sceneIndex"]) == ("media", 1)
    assert edit["before"] == '{"media": "clip", "keywords": []}'
    assert edit["after"] == '{"media": "still", "keywords": ["calm", "lake"]}'
    story = open_storage(api.settings).read_bytes(TaskPaths.keys(in_review).story_json.as_posix())
    stored = Script.model_validate_json(story).scenes[1]
    assert (stored.media.value, stored.keywords) == ("still", ["calm", "lake"])

    before = snapshot(PipelineState(db_url).engine)
    for body in ({"media": "video"}, {"media": "clip", "keywords": ["x" * 41]}, {"keywords": ["a"]}):
        assert_error(client.put(url, json=body), 422, "VALIDATION_ERROR")
    assert_error(
        client.put(f"/api/v1/videos/{in_review}/review/scenes/9/media", json={"media": "clip"}),
        404,
        "NOT_FOUND",
    )
    assert snapshot(PipelineState(db_url).engine) == before
