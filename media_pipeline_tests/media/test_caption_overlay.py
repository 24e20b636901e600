"""Captions drawn once per state by libass and overlaid: the same pixels as libass drawing every frame,
on exactly the same frames, and animated captions left to the ``subtitles`` filter."""

from __future__ import annotations

import logging
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import ffmpeg
import pytest
from ffmpeg.nodes import Stream

from media_pipeline.media.caption_overlay import caption_states, captioned, frame_ms, overlay_captions
from media_pipeline.media.ffgraph import run_graph
from media_pipeline.media.fonts import font_family
from media_pipeline.media.libass import AssRenderer
from media_pipeline.media.subtitles import write_ass
from media_pipeline.media.tts import Cue

SIZE = (320, 180)
FPS = 10
LOSSLESS = {"c:v": "ffv1", "pix_fmt": "yuv420p"}


def _background(frames: int) -> Stream:
    """A moving test pattern, so a caption shown on a wrong frame or place cannot match by chance."""
    source = ffmpeg.input(f"testsrc2=s={SIZE[0]}x{SIZE[1]}:r={FPS}", f="lavfi", t=frames / FPS)
    return source.filter("format", "yuv420p")


def _render(video: Stream, frames: int, out: Path) -> Path:
    run_graph(video.output(str(out), **{"frames:v": frames}, **LOSSLESS), timeout=120)
    return out


def _psnr_per_frame(a: Path, b: Path, tmp_path: Path) -> list[float]:
    stats = tmp_path / "psnr.log"
    cmd = ["ffmpeg", "-hide_banner", "-nostdin", "-i", str(a), "-i", str(b)]
    cmd += ["-lavfi", f"psnr=stats_file={stats}", "-f", "null", "-"]
    subprocess.run(cmd, capture_output=True, check=True)
    values = re.findall(r"psnr_y:(\S+)", stats.read_text())
    return [float("inf") if value == "inf" else float(value) for value in values]


def _ass(tmp_path: Path, font: Path, cues: list[Cue]) -> Path:
    return write_ass(
        cues, tmp_path / "captions.ass", width=SIZE[0], height=SIZE[1], font_name=font_family(font)
    )


def test_each_state_is_drawn_once_and_shown_on_exactly_its_frames(font: Path, tmp_path: Path) -> None:
    """A segment starting at video frame 7: cue boundaries fall between frames and on one (1.50 s = frame
    15); every frame matches libass drawing it (ffmpeg's ``ass`` filter at the frame's time)."""
    cues = [
        Cue(0.40, 1.23, "첫 번째 자막"),
        Cue(1.23, 1.50, "두 번째"),
        Cue(1.95, 2.61, "세 번째 자막입니다"),
    ]
    ass = _ass(tmp_path, font, cues)
    start, frames = 7, 20
    images = tmp_path / "states"
    images.mkdir()

    with AssRenderer(SIZE, font.parent) as renderer:
        states = caption_states(ass, FPS, start, frames, renderer, images)

    assert states is not None
    # Video frames 7..26 at 100 ms: cue 1 until frame 12 (1.20 s), cue 2 on 13..14, none on 15..19, cue 3
    # from frame 20 (2.00 s) to 26.
    assert [(s.first, s.last) for s in states] == [(0, 5), (6, 7), (13, 19)]
    assert sorted(p.name for p in images.iterdir()) == [s.image.name for s in states]
    assert all(s.x % 2 == 0 and s.y % 2 == 0 for s in states), "4:2:0 overlays sit at even offsets"
    overlaid = _render(overlay_captions(_background(frames + start).trim(start_frame=start), states), frames,
                       tmp_path / "overlaid.mkv")  # fmt: skip
    drawn = (
        _background(frames + start)
        .filter("ass", filename=str(ass), fontsdir=str(font.parent))
        .trim(start_frame=start)
    )
    reference = _render(drawn, frames, tmp_path / "reference.mkv")
    psnr = _psnr_per_frame(overlaid, reference, tmp_path)
    assert len(psnr) == frames
    assert min(psnr) >= 40, psnr


def test_the_state_images_are_the_captions_alone_with_alpha(font: Path, tmp_path: Path) -> None:
    ass = _ass(tmp_path, font, [Cue(0.0, 1.0, "가나다")])
    with AssRenderer(SIZE, font.parent) as renderer, renderer.track(ass) as track:
        shown, hidden = track.draw(frame_ms(3, FPS)), track.draw(1500)
    assert shown.image is not None and hidden.image is None
    alpha = shown.image.getchannel("A")
    assert alpha.getextrema() == (0, 255), "transparent around the glyphs, opaque in them"
    width, height = shown.image.size
    assert 0 < width < SIZE[0] and 0 < height < SIZE[1] / 2
    assert shown.y + height <= SIZE[1] and shown.y > SIZE[1] / 2, "bottom-centre captions"


def test_animated_captions_are_left_to_the_subtitles_filter(font: Path, tmp_path: Path) -> None:
    """A fading cue: no states; the segment of video frames 3..12 is burned in by the ``subtitles`` filter
    at its place in the video (the same pixels as the whole video burned in, then cut)."""
    ass = _ass(tmp_path, font, [Cue(0.0, 2.0, "움직이는 자막")])
    animated = ass.read_text(encoding="utf-8").replace(",,움직이는", r",,{\fad(500,500)}움직이는")
    ass.write_text(animated, encoding="utf-8")
    start, frames = 3, 10
    piece = _background(start + frames).trim(start_frame=start).filter("setpts", expr="PTS-STARTPTS")
    with AssRenderer(SIZE, font.parent) as renderer:
        assert caption_states(ass, FPS, 0, 20, renderer, tmp_path) is None
        burned = captioned(piece, ass, FPS, (start, frames), renderer, tmp_path)
    assert "subtitles" in " ".join(burned.output("-", f="null").get_args())
    segment = _render(burned, frames, tmp_path / "segment.mkv")
    options = {"filename": str(ass), "fontsdir": str(font.parent)}
    whole = (
        _background(start + frames)
        .filter("subtitles", **options)
        .trim(start_frame=start)
        .filter("setpts", expr="PTS-STARTPTS")
    )
    reference = _render(whole, frames, tmp_path / "whole.mkv")
    psnr = _psnr_per_frame(segment, reference, tmp_path)
    assert len(psnr) == frames
    assert min(psnr) == float("inf"), psnr
    plain = _render(piece, frames, tmp_path / "plain.mkv")
    assert min(_psnr_per_frame(segment, plain, tmp_path)) < 30, "the cue is drawn"


def test_libass_warnings_reach_the_log(font: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A glyph no font has: libass's warning is logged (its font-loading chatter is not)."""
    ass = _ass(tmp_path, font, [Cue(0.0, 1.0, "\ue000")])
    logger = "media_pipeline.media.libass"
    with (
        caplog.at_level(logging.INFO, logger=logger),
        AssRenderer(SIZE, font.parent) as renderer,
        renderer.track(ass) as track,
    ):
        track.draw(500)
    messages = [record.getMessage() for record in caplog.records]
    assert any(m.startswith("libass: ") and "glyph 0xE000" in m for m in messages), messages
    assert not any("Loading font file" in message for message in messages), messages


def _drawn_bytes(renderer: AssRenderer, ass: Path) -> list[tuple[bytes, int, int]]:
    """Every frame of the first 3 s of ``ass`` drawn by ``renderer``: its image's RGBA bytes and place."""
    with renderer.track(ass) as track:
        drawings = [track.draw(frame_ms(frame, FPS)) for frame in range(30)]
    return [(d.image.tobytes() if d.image else b"", d.x, d.y) for d in drawings]


def test_one_renderer_draws_many_files_from_many_threads_as_fresh_ones_do(font: Path, tmp_path: Path) -> None:
    """A render's segments share one renderer: each file, drawn by it after the others and from several
    threads at once, gives the bytes a renderer of its own gives."""
    files = []
    for index, text in enumerate(["첫 번째 자막", "두 번째 자막입니다", "세 번째"]):
        folder = tmp_path / str(index)
        folder.mkdir()
        files.append(_ass(folder, font, [Cue(0.2, 1.4, text), Cue(1.4, 2.8, text[::-1])]))
    fresh = []
    for ass in files:
        with AssRenderer(SIZE, font.parent) as renderer:
            fresh.append(_drawn_bytes(renderer, ass))
    assert all(any(image for image, _, _ in drawn) for drawn in fresh)

    with AssRenderer(SIZE, font.parent) as shared, ThreadPoolExecutor(max_workers=3) as pool:
        drawn = list(pool.map(lambda ass: _drawn_bytes(shared, ass), files * 3))

    assert drawn == fresh * 3
