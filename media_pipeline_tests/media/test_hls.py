"""HLS ladder: renditions fit the orientation; every rendition plays to the end in ffprobe/ffmpeg."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from media_pipeline.domain.paths import HLS_MASTER
from media_pipeline.media.ffmpeg import FFPROBE
from media_pipeline.media.hls import SEGMENT_S, plan_ladder, transcode_hls
from media_pipeline.media.probe import summarize
from media_pipeline.media.process import run_process
from media_pipeline.processes import ProcessFailed
from media_pipeline_tests.media.clips import ffmpeg_cmd, make_clip


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((1080, 1920), [(1080, 1920), (720, 1280), (480, 854)]),
        ((1920, 1080), [(1920, 1080), (1280, 720), (854, 480)]),
        ((720, 1280), [(720, 1280), (480, 854)]),
        ((320, 568), [(320, 568)]),
    ],
)
def test_ladder_fits_the_orientation(size: tuple[int, int], expected: list[tuple[int, int]]) -> None:
    assert [(r.width, r.height) for r in plan_ladder(*size)] == expected


def _play_to_end(playlist: Path) -> float:
    """Decode every frame of ``playlist`` (fails on any error); returns the duration ffprobe reports."""
    run_process(ffmpeg_cmd("-v", "error", "-xerror", "-i", str(playlist), "-f", "null", "-"), timeout=120)
    lines: list[str] = []
    run_process(
        [FFPROBE, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(playlist)],
        on_line=lines.append,
        timeout=60,
    )
    info = json.loads("\n".join(lines))
    assert {s["codec_type"] for s in info["streams"]} == {"video", "audio"}
    return float(info["format"]["duration"])


def test_transcode_writes_a_playable_ladder(tmp_path: Path) -> None:
    source = make_clip(tmp_path / "src.mp4", width=720, height=1280, seconds=8)
    out = tmp_path / "hls"
    out.mkdir()
    (out / "stale.txt").write_text("old ladder")

    ladder = transcode_hls(source, summarize(source), out)

    assert [r.name for r in ladder] == ["720p", "480p"]
    # replaced, not merged
    assert sorted(p.name for p in out.iterdir()) == sorted([HLS_MASTER, "720p", "480p"])
    assert out.stat().st_mode & 0o777 == 0o755  # as readable as the other outputs
    master = (out / HLS_MASTER).read_text()
    for rendition in ladder:
        assert rendition.playlist in master
        assert f"RESOLUTION={rendition.width}x{rendition.height}" in master
        playlist = out / rendition.playlist
        text = playlist.read_text()
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in text and "#EXT-X-ENDLIST" in text
        assert text.count("#EXTINF") == 2  # 8 s in 6 s segments
        assert f"#EXT-X-TARGETDURATION:{SEGMENT_S}" in text
        assert _play_to_end(playlist) == pytest.approx(8.0, abs=0.3)
        info = summarize(out / rendition.name / "segment_000.ts")
        assert (info.width, info.height) == (rendition.width, rendition.height)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".hls.")]


def test_failed_transcode_leaves_no_partial_ladder(tmp_path: Path) -> None:
    source = make_clip(tmp_path / "src.mp4", width=320, height=568, seconds=2)
    summary = summarize(source)
    source.write_bytes(b"not a video any more")
    with pytest.raises(ProcessFailed):
        transcode_hls(source, summary, tmp_path / "hls")
    assert list(tmp_path.iterdir()) == [source]
