"""The music library API (``/api/music``): a real track is sniffed by ffprobe, stored under the
workspace's key, listed by mood, patched, played and deleted; a renamed file, a too short track, bad
fields and an oversized upload are refused clearly (422/413) and leave nothing behind; other workspaces
see nothing; a task picks a track by mood deterministically, or by id."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from media_pipeline.domain.models import TaskSettings
from media_pipeline.settings import Settings
from media_pipeline.storage import open_storage
from media_pipeline.store import Owner, PipelineState
from media_pipeline_tests.api.conftest import UPLOAD_LIMIT, LiveApi
from media_pipeline_tests.api.support import assert_error
from media_pipeline_tests.conftest import TEST_PLANS
from media_pipeline_tests.media.clips import make_track

MUSIC_LIMIT = 300_000


@pytest.fixture
def api_settings(tmp_path: Path) -> Settings:
    """The API's settings with a small music size limit."""
    return Settings(
        data_dir=tmp_path,
        plans=TEST_PLANS,
        upload_max_bytes=UPLOAD_LIMIT,
        music_max_bytes=MUSIC_LIMIT,
        jwt_secret="test-secret-0123456789abcdef0123456789",
    )


def _upload(client: httpx.Client, name: str, data: bytes, **fields: str) -> httpx.Response:
    form = {"title": "잔잔한 곡", "moods": "Calm, piano", "licence": "CC BY 4.0, artist X", **fields}
    return client.post("/api/music", files={"file": (name, data, "application/octet-stream")}, data=form)


def test_tracks_are_sniffed_stored_listed_patched_played_and_deleted(
    api: LiveApi, client: httpx.Client, tmp_path: Path
) -> None:
    data = make_track(tmp_path / "song.mp3", 6).read_bytes()
    response = _upload(client, "../../song.wav", data)  # the name lies about the type and the folder
    assert response.status_code == 201, response.text
    track = response.json()
    assert (track["mime"], track["moods"], track["licence"]) == (
        "audio/mpeg",
        ["calm", "piano"],
        "CC BY 4.0, artist X",
    )
    assert abs(track["durationS"] - 6) < 0.1 and "storageKey" not in track
    storage = open_storage(api.settings)
    assert storage.list_keys("music/ws-1") == [f"music/ws-1/{track['id']}.mp3"]

    assert [t["id"] for t in client.get("/api/music", params={"mood": "calm"}).json()["items"]] == [
        track["id"]
    ]
    assert client.get("/api/music", params={"mood": "epic"}).json()["items"] == []
    patched = client.patch(f"/api/music/{track['id']}", json={"moods": ["Epic"], "title": "큰 곡"})
    assert patched.status_code == 200 and patched.json()["moods"] == ["epic"]
    assert client.get(track["audioUrl"]).content == data

    with api.client(Owner(user_id="u9", workspace_id="ws-9")) as stranger:
        assert stranger.get("/api/music").json()["items"] == []
        assert_error(stranger.get(f"/api/music/{track['id']}"), 404, "NOT_FOUND")
        assert_error(stranger.delete(f"/api/music/{track['id']}"), 404, "NOT_FOUND")

    assert client.delete(f"/api/music/{track['id']}").status_code == 204
    assert storage.list_keys("music/ws-1") == []
    assert_error(client.get(f"/api/music/{track['id']}"), 404, "NOT_FOUND")


def test_bad_uploads_are_refused_clearly_and_leave_nothing(
    api: LiveApi, client: httpx.Client, tmp_path: Path
) -> None:
    renamed = _upload(client, "song.mp3", b"ID3" + b"plain text, not audio " * 50)
    assert "not" in assert_error(renamed, 422, "VALIDATION_ERROR")["message"]
    short = _upload(client, "short.wav", make_track(tmp_path / "short.wav", 2).read_bytes())
    assert "lasts 2.0 s" in assert_error(short, 422, "VALIDATION_ERROR")["message"]
    assert_error(_upload(client, "empty.mp3", b""), 422, "VALIDATION_ERROR")
    good = make_track(tmp_path / "ok.mp3", 6).read_bytes()
    assert_error(_upload(client, "ok.mp3", good, moods="no spaces allowed"), 422, "VALIDATION_ERROR")
    huge = make_track(tmp_path / "huge.wav", 10).read_bytes()
    assert len(huge) > MUSIC_LIMIT
    assert_error(_upload(client, "huge.wav", huge), 413, "PAYLOAD_TOO_LARGE")
    assert client.get("/api/music").json()["items"] == []
    assert open_storage(api.settings).list_keys("music") == []
    assert_error(client.patch("/api/music/mus000000000000", json={"title": "x"}), 404, "NOT_FOUND")


def test_a_task_picks_by_mood_deterministically_or_by_id(
    api: LiveApi, client: httpx.Client, pipeline: PipelineState, tmp_path: Path
) -> None:
    data = make_track(tmp_path / "song.mp3", 6).read_bytes()
    ids = [_upload(client, "song.mp3", data, moods="calm").json()["id"] for _ in range(3)]
    other = _upload(client, "song.mp3", data, moods="epic").json()["id"]
    queue = client.get("/api/queue").json()
    added = client.post(
        f"/api/queue/{queue['id']}/jobs",
        json={
            "assetIds": ["a", "b"],
            "version": queue["version"],
            "options": {"music": True, "musicMood": "calm"},
        },
    )
    assert added.status_code == 200, added.text
    tasks = [job["id"] for job in added.json()["jobs"]]
    calm = TaskSettings(music=True, musicMood="calm")
    picked = [pipeline.music_track_key(task, calm) for task in tasks]
    assert all(key is not None and Path(key).stem in ids for key in picked)
    assert picked == [pipeline.music_track_key(task, calm) for task in tasks]  # the same every time
    by_id = TaskSettings(music=True, musicTrackId=other)
    assert pipeline.music_track_key(tasks[0], by_id) == f"music/ws-1/{other}.mp3"
    assert pipeline.music_track_key(tasks[0], TaskSettings(music=True, musicMood="sad")) is None  # the pad
    with pytest.raises(ValueError, match="not both"):
        TaskSettings(musicMood="calm", musicTrackId=other)
    version = added.json()["version"]
    with api.client(Owner(user_id="u9", workspace_id="ws-9")) as stranger:
        foreign = _upload(stranger, "song.mp3", data).json()["id"]
    for track_id in ("../x", "mus000000000000", foreign):  # malformed, unknown, another workspace's
        bad = client.post(
            f"/api/queue/{queue['id']}/jobs",
            json={"assetIds": ["c"], "version": version, "options": {"musicTrackId": track_id}},
        )
        fields = [e["field"] for e in assert_error(bad, 422, "VALIDATION_ERROR")["details"]["errors"]]
        assert any(field.endswith("musicTrackId") for field in fields), fields
    assert len(client.get(f"/api/queue/{queue['id']}/jobs").json()["jobs"]) == 2  # nothing was added
