"""The console's HLS player with a two-rendition ladder (720p + 480p, made by the project's own HLS
transcoder from a synthetic 720x1280 clip): the quality menu lists both, choosing one switches the decoded
rendition, and seeking plays from the middle by fetching segments, never the whole MP4."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from media_pipeline.domain import TaskPaths
from media_pipeline.media.hls import transcode_hls
from media_pipeline.media.probe import summarize
from media_pipeline.store import STAGES, ContentRecord, PipelineState
from media_pipeline_tests.console.conftest import Console, sign_in, wait_js
from media_pipeline_tests.media.clips import make_clip
from media_pipeline_tests.store.support import finish_stages

PLAYER = "document.querySelector('#player')"
PLAYER_STATE = (
    "(() => { const v = document.querySelector('#player'); const b = v.buffered;"
    " return { width: v.videoWidth, ready: v.readyState, network: v.networkState, time: v.currentTime,"
    " paused: v.paused, ended: v.ended, error: v.error && v.error.message,"
    " frames: v.getVideoPlaybackQuality().totalVideoFrames,"
    " buffered: Array.from({ length: b.length }, (_, i) => [b.start(i), b.end(i)]),"
    " note: document.querySelector('#media .error')?.textContent,"
    " quality: document.querySelector('#media [data-role=quality]').value }; })()"
)


def test_quality_menu_switches_rendition_and_seeking_fetches_segments(page: Page, console: Console) -> None:
    with console.client(console.alice) as api:
        queue = api.get("/api/queue").json()
        added = api.post(
            f"/api/queue/{queue['id']}/jobs", json={"assetIds": ["ladder"], "version": queue["version"]}
        )
        task_id = added.json()["jobs"][0]["id"]
        api.post(
            f"/api/queue/{queue['id']}/run", json={"version": added.json()["version"]}
        ).raise_for_status()
    paths = TaskPaths(console.settings.resolved_storage_root, task_id)
    paths.dir.mkdir(parents=True, exist_ok=True)
    source = make_clip(paths.output_mp4, width=720, height=1280, seconds=4, fps=10)
    assert [r.name for r in transcode_hls(source, summarize(source), paths.hls_dir)] == ["720p", "480p"]
    video = ContentRecord(kind="video", path=str(paths.output_mp4), metadata={"duration": 4.0})
    finish_stages(PipelineState(console.db_url), task_id, STAGES, contents={"video": [video]})

    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    sign_in(page, console, console.alice)
    page.goto(f"{console.base_url}/#/tasks/{task_id}")
    quality = page.locator("#media [data-role=quality]")
    expect(quality.locator("option")).to_have_text(["자동", "480p", "720p"])
    quality.select_option(label="480p")
    # Paused, the picture itself changes to the chosen rendition (the player redraws after the switch).
    wait_js(page, f"{PLAYER}.videoWidth === 480", describe=PLAYER_STATE)
    page.evaluate(f"() => {{ const v = {PLAYER}; v.muted = true; return v.play(); }}")
    wait_js(page, f"{PLAYER}.getVideoPlaybackQuality().totalVideoFrames > 0", describe=PLAYER_STATE)
    page.evaluate(f"{PLAYER}.currentTime = 2.5")
    wait_js(page, f"{PLAYER}.currentTime > 2.6")
    assert any("/480p/segment_" in url for url in requests), requests
    assert not [url for url in requests if ("/assets/" in url and "thumbnail" not in url) or ".mp4" in url]
