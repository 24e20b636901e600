"""A channel's brand kit over HTTP: settings saved and validated, files checked from their bytes (a font
without Hangul, bytes that are no font, a logo that is no image: 422 with a clear message, nothing
stored), stored under keys the server derives, another workspace's channel hidden, and the 3-second
preview is a real MP4 showing the logo."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from media_pipeline.storage import open_storage
from media_pipeline.store import Owner
from media_pipeline_tests.api.conftest import LiveApi
from media_pipeline_tests.api.support import assert_error
from media_pipeline_tests.brand_support import audio_only_mp4, hangul_font, latin_font, make_clip, png_logo


def _channel(client: httpx.Client) -> str:
    response = client.post("/api/channels", json={"name": "Brand"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _upload(client: httpx.Client, channel: str, kind: str, name: str, data: bytes) -> httpx.Response:
    return client.post(f"/api/channels/{channel}/brand-kit/files/{kind}", files={"file": (name, data)})


def test_bad_files_are_refused_with_a_clear_message(
    api: LiveApi, client: httpx.Client, tmp_path: Path
) -> None:
    channel = _channel(client)
    error = assert_error(_upload(client, channel, "font", "latin.ttf", latin_font()), 422, "VALIDATION_ERROR")
    assert "lacks Hangul" in error["message"] and "2350 of the 2350 KS X 1001" in error["message"]
    assert error["details"]["errors"][0]["field"] == "font"
    error = assert_error(
        _upload(client, channel, "font", "font.ttf", b"\x00\x01" * 500), 422, "VALIDATION_ERROR"
    )
    assert "not a TrueType/OpenType font" in error["message"]
    error = assert_error(_upload(client, channel, "logo", "logo.png", latin_font()), 422, "VALIDATION_ERROR")
    assert "not a PNG or JPEG" in error["message"]
    error = assert_error(_upload(client, channel, "intro", "intro.mp4", png_logo()), 422, "VALIDATION_ERROR")
    assert "not an MP4, MOV or WebM" in error["message"]
    silent_picture = audio_only_mp4(tmp_path / "a.mp4").read_bytes()
    error = assert_error(_upload(client, channel, "intro", "a.mp4", silent_picture), 422, "VALIDATION_ERROR")
    assert "no video stream" in error["message"]
    long_clip = make_clip(tmp_path / "long.mp4", 16, size="64x36", tone=False).read_bytes()
    error = assert_error(_upload(client, channel, "outro", "long.mp4", long_clip), 422, "VALIDATION_ERROR")
    assert "at most 15 s" in error["message"]
    assert_error(_upload(client, channel, "subtitles", "x.ttf", hangul_font()), 422, "VALIDATION_ERROR")
    assert client.get(f"/api/channels/{channel}/brand-kit").json()["files"] == {}
    assert open_storage(api.settings).list_keys(f"channels/{channel}") == []


def test_settings_are_validated_and_files_cannot_be_named_by_the_client(client: httpx.Client) -> None:
    channel = _channel(client)
    path = f"/api/channels/{channel}/brand-kit"
    assert_error(client.put(path, json={"textColour": "red"}), 422, "VALIDATION_ERROR")
    assert_error(client.put(path, json={"logoPlacement": {"opacity": 2}}), 422, "VALIDATION_ERROR")
    forged = {"font": {"key": "../../etc/passwd", "size": 1}}
    saved = client.put(path, json={"textColour": "#112233", "captionPreset": "shorts", "files": forged})
    assert saved.status_code == 200, saved.text
    assert (saved.json()["textColour"], saved.json()["files"]) == ("#112233", {})
    assert client.get(path).json()["captionPreset"] == "shorts"


def test_uploads_are_stored_under_channel_keys_and_preview_shows_the_logo(
    api: LiveApi, client: httpx.Client, tmp_path: Path
) -> None:
    channel = _channel(client)
    font = _upload(client, channel, "font", "../../evil name.ttf", hangul_font("KitBoxes"))
    assert font.status_code == 200, font.text
    assert font.json()["files"]["font"] == {
        "key": f"channels/{channel}/brand/font.ttf",
        "size": len(hangul_font("KitBoxes")),
        "family": "KitBoxes",
        "imageFormat": None,
        "durationS": None,
    }
    logo = _upload(client, channel, "logo", "logo.png", png_logo((255, 0, 0)))
    intro = _upload(client, channel, "intro", "intro.mp4", make_clip(tmp_path / "i.mp4", 1.0).read_bytes())
    assert (logo.status_code, intro.status_code) == (200, 200), (logo.text, intro.text)
    assert abs(intro.json()["files"]["intro"]["durationS"] - 1.0) < 0.1
    keys = open_storage(api.settings).list_keys(f"channels/{channel}/brand")
    assert keys == [f"channels/{channel}/brand/{name}" for name in ("font.ttf", "intro.mp4", "logo.png")]

    placement = {"corner": "top-left", "widthPct": 20, "opacity": 1.0}
    body = {"textColour": "#00FF00", "captionPreset": "classic", "logoPlacement": placement}
    preview = client.post(f"/api/channels/{channel}/brand-kit/preview", json=body)
    assert preview.status_code == 200, preview.text
    assert preview.headers["content-type"] == "video/mp4"
    video = tmp_path / "preview.mp4"
    video.write_bytes(preview.content)
    duration = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(video)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert abs(float(duration) - 3.0) < 0.1
    frame = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-ss",
            "1.5",
            "-i",
            str(video),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    width = 540
    inside_logo = frame[
        (40 * width + 40) * 3 : (40 * width + 40) * 3 + 3
    ]  # 4 % margin = 22 px; logo 108 px wide
    red, green, blue = inside_logo
    assert red > 200 and green < 60 and blue < 60, inside_logo


def test_removing_a_file_and_deleting_the_channel_remove_the_stored_files(
    api: LiveApi, client: httpx.Client
) -> None:
    channel = _channel(client)
    storage = open_storage(api.settings)
    assert _upload(client, channel, "logo", "l.png", png_logo()).status_code == 200
    assert _upload(client, channel, "font", "f.ttf", hangul_font()).status_code == 200
    removed = client.delete(f"/api/channels/{channel}/brand-kit/files/logo")
    assert (removed.status_code, sorted(removed.json()["files"])) == (200, ["font"])
    assert storage.list_keys(f"channels/{channel}") == [f"channels/{channel}/brand/font.ttf"]
    assert client.delete(f"/api/channels/{channel}").status_code == 204
    assert storage.list_keys(f"channels/{channel}") == []


def test_another_workspace_cannot_see_or_change_a_kit(api: LiveApi, client: httpx.Client) -> None:
    channel = _channel(client)
    assert _upload(client, channel, "logo", "l.png", png_logo()).status_code == 200
    with api.client(Owner("user-9", "another-workspace")) as stranger:
        assert_error(stranger.get(f"/api/channels/{channel}/brand-kit"), 404, "NOT_FOUND")
        assert_error(stranger.put(f"/api/channels/{channel}/brand-kit", json={}), 404, "NOT_FOUND")
        assert_error(_upload(stranger, channel, "logo", "l.png", png_logo()), 404, "NOT_FOUND")
        assert_error(stranger.post(f"/api/channels/{channel}/brand-kit/preview"), 404, "NOT_FOUND")
        assert_error(stranger.delete(f"/api/channels/{channel}/brand-kit/files/logo"), 404, "NOT_FOUND")
        assert_error(stranger.delete(f"/api/channels/{channel}"), 404, "NOT_FOUND")
    assert client.get(f"/api/channels/{channel}/brand-kit").json()["files"]["logo"]["imageFormat"] == "png"
