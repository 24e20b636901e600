"""Rendering real (tiny) videos: validity, progress, segment cache, path escaping, interruption."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import wave
from dataclasses import dataclass
from pathlib import Path

import ffmpeg
import pytest
from ffmpeg.nodes import Stream
from PIL import Image, ImageChops

from media_pipeline.errors import PermanentError
from media_pipeline.media.ffgraph import run_graph
from media_pipeline.media.fonts import font_family
from media_pipeline.media.kenburns import ZOOM, Motion, kenburns
from media_pipeline.media.music import generate_music
from media_pipeline.media.probe import check_video, summarize
from media_pipeline.media.process import run_process
from media_pipeline.media.render import RenderResult, render_video, split_scenes
from media_pipeline.media.scenes import render_scene_image
from media_pipeline.media.subtitles import write_ass
from media_pipeline.media.tts import Cue

from .clips import ffmpeg_cmd
from .conftest import TinyTask
from .proctools import children, ended, live_group_members

CHILD = Path(__file__).with_name("render_child.py")


@dataclass(frozen=True)
class Rendered:
    result: RenderResult
    progress: list[float]
    work_dir: Path


@pytest.fixture(scope="module")
def rendered(tiny_task: TinyTask, font: Path) -> Rendered:
    """The tiny task rendered once, with generated music and the font folder."""
    music = generate_music(tiny_task.narration.duration, tiny_task.paths.dir / "music.wav")
    progress: list[float] = []
    spec = tiny_task.render_spec(music_wav=music, fonts_dir=font.parent)
    work_dir = tiny_task.paths.segments_dir
    result = render_video(spec, tiny_task.paths.output_mp4, work_dir, on_progress=progress.append)
    return Rendered(result, progress, work_dir)


def test_render_passes_all_checks(rendered: Rendered, tiny_task: TinyTask) -> None:
    result = rendered.result
    assert result.path == tiny_task.paths.output_mp4
    assert (result.segments_rendered, result.segments_cached) == (3, 0)
    summary = summarize(result.path)
    assert check_video(summary, width=180, height=320, fps=10) == []
    assert abs(summary.video_duration - tiny_task.narration.duration) <= 1 / tiny_task.fps
    assert abs(result.duration - tiny_task.narration.duration) <= 0.1
    assert sorted(p.name for p in result.path.parent.glob("*.mp4")) == ["output.mp4"]


def test_progress_is_monotonic_and_reaches_100(rendered: Rendered) -> None:
    progress = rendered.progress
    assert len(progress) >= 3
    assert all(0 < value <= 100 for value in progress)
    assert all(a < b for a, b in itertools.pairwise(progress))
    assert progress[-1] == 100.0


def test_segments_are_cached_and_only_changed_ones_rerendered(
    rendered: Rendered, tiny_task: TinyTask, font: Path, tmp_path: Path
) -> None:
    # Same video inputs; no music this time (music is mixed in the final pass, not in segments).
    again = render_video(
        tiny_task.render_spec(fonts_dir=font.parent), tmp_path / "again.mp4", rendered.work_dir
    )
    assert (again.segments_rendered, again.segments_cached) == (0, 3)
    assert check_video(summarize(again.path), width=180, height=320, fps=10) == []

    changed = tmp_path / "changed.png"
    scene = tiny_task.script.scenes[1].model_copy(update={"caption": "바뀐 장면"})
    render_scene_image(scene, tiny_task.script.title, (180, 320), changed, font)
    images = [tiny_task.images[0], changed, tiny_task.images[2]]
    spec = tiny_task.render_spec(scene_images=images, fonts_dir=font.parent)
    work_dir = Path(shutil.copytree(rendered.work_dir, tmp_path / "work"))
    partial = render_video(spec, tmp_path / "partial.mp4", work_dir)
    assert (partial.segments_rendered, partial.segments_cached) == (1, 2)
    # The replaced scene's old segment is pruned; the others are kept for the next render.
    assert len(list(work_dir.glob("seg-*.mp4"))) == 3


def test_paths_with_filter_special_characters(tiny_task: TinyTask, tmp_path: Path) -> None:
    odd = tmp_path / "it's [odd],dir;x:y"
    odd.mkdir()
    subtitles = shutil.copy(tiny_task.paths.subtitles_ass, odd / "sub's.ass")
    result = render_video(
        tiny_task.render_spec(subtitles_ass=Path(subtitles), fonts_dir=odd),
        odd / "out put.mp4",
        odd / "work dir",
    )
    assert check_video(summarize(result.path), width=180, height=320, fps=10) == []


def test_invalid_specs_fail_permanently(tiny_task: TinyTask, tmp_path: Path) -> None:
    with pytest.raises(PermanentError, match="scene durations"):
        render_video(tiny_task.render_spec(scene_durations=[1.0]), tmp_path / "x.mp4", tmp_path)
    with pytest.raises(PermanentError, match="missing"):
        render_video(tiny_task.render_spec(narration_wav=tmp_path / "none.wav"), tmp_path / "x.mp4", tmp_path)
    with pytest.raises(PermanentError, match="even"):
        render_video(tiny_task.render_spec(width=181), tmp_path / "x.mp4", tmp_path)
    assert not (tmp_path / "x.mp4").exists()


def _burn(ass: Path, font: Path, out: Path) -> Image.Image:
    graph = f"color=c=black:s=320x180:d=1,subtitles=filename={ass}:fontsdir={font.parent}"
    run_process(ffmpeg_cmd("-f", "lavfi", "-i", graph, "-frames:v", "1", str(out)))
    return Image.open(out).convert("L")


def test_libass_draws_hangul_with_the_found_font(font: Path, tmp_path: Path) -> None:
    frames = {}
    for name, text in {"ga": "가나다라", "other": "마바사아", "pua": "\ue000\ue001\ue002\ue003"}.items():
        ass = write_ass(
            [Cue(0, 5, text)], tmp_path / f"{name}.ass", width=320, height=180, font_name=font_family(font)
        )
        frames[name] = _burn(ass, font, tmp_path / f"{name}.png")
    assert frames["ga"].getbbox() is not None, "no subtitle drawn"
    assert ImageChops.difference(frames["ga"], frames["pua"]).getbbox() is not None
    assert ImageChops.difference(frames["ga"], frames["other"]).getbbox() is not None


# --- interruption -------------------------------------------------------------------------------------


def _interrupt(job: dict, *, when: float) -> tuple[subprocess.CompletedProcess, list[tuple[int, str]]]:
    """Run the render child, SIGINT it at its first progress > ``when``; returns its ffmpeg children then."""
    child = subprocess.Popen(
        [sys.executable, str(CHILD), json.dumps(job)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    ffmpegs: list[tuple[int, str]] = []
    pid_fds: list[int] = []
    try:
        for line in child.stdout:
            assert line != "done\n", "render finished before it could be interrupted"
            if line.startswith("progress ") and float(line.split()[1]) > when:
                ffmpegs = children(child.pid, "ffmpeg")
                pid_fds = [os.pidfd_open(pid) for pid, _ in ffmpegs]
                child.send_signal(signal.SIGINT)
                break
        _, stderr = child.communicate(input="", timeout=60)
        assert all(ended(fd) for fd in pid_fds), "an ffmpeg of the interrupted render is still running"
    finally:
        for fd in pid_fds:
            os.close(fd)
        if child.poll() is None:
            child.kill()
            child.wait()
    return subprocess.CompletedProcess(child.args, child.returncode, "", stderr), ffmpegs


def _silence(path: Path, seconds: float) -> Path:
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(22050)
        writer.writeframes(b"\0\0" * int(seconds * 22050))
    return path


def _assert_no_output(out: Path) -> None:
    assert not out.exists()
    assert [p.name for p in out.parent.iterdir() if p.suffix == ".mp4"] == []


def test_interrupt_during_segments_leaves_nothing(tiny_task: TinyTask, font: Path, tmp_path: Path) -> None:
    """Bigger segments (720x1280, 3 x 8 s) so ffmpeg is still busy when the first progress arrives."""
    images = []
    for scene in tiny_task.script.scenes:
        images.append(render_scene_image(scene, "t", (720, 1280), tmp_path / f"s{scene.index}.png", font))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    job = {
        "width": 720, "height": 1280, "fps": 30,
        "images": [str(p) for p in images], "durations": [8.0, 8.0, 8.0],
        "narration": str(_silence(tmp_path / "n.wav", 24.0)),
        "subtitles": str(tiny_task.paths.subtitles_ass),
        "out": str(out_dir / "output.mp4"), "work_dir": str(tmp_path / "work"), "block_in_final": False,
    }  # fmt: skip
    result, ffmpegs = _interrupt(job, when=0.0)
    assert result.returncode != 0 and "KeyboardInterrupt" in result.stderr
    assert [state for _, state in ffmpegs if state != "Z"], "no live ffmpeg to interrupt"
    assert not any(live_group_members(pid) for pid, _ in ffmpegs)  # ffmpeg leads its own group
    _assert_no_output(out_dir / "output.mp4")
    assert [p.name for p in (tmp_path / "work").iterdir() if p.suffix == ".mp4"] == []


def test_interrupt_during_final_pass_leaves_no_output(
    rendered: Rendered, tiny_task: TinyTask, tmp_path: Path
) -> None:
    work_dir = tmp_path / "work"
    shutil.copytree(rendered.work_dir, work_dir)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    spec = tiny_task.render_spec()
    job = {
        "width": spec.width, "height": spec.height, "fps": spec.fps,
        "images": [str(p) for p in spec.scene_images], "durations": spec.scene_durations,
        "narration": str(spec.narration_wav), "subtitles": str(spec.subtitles_ass),
        "out": str(out_dir / "output.mp4"), "work_dir": str(work_dir), "block_in_final": True,
    }  # fmt: skip
    result, ffmpegs = _interrupt(job, when=90.05)
    assert result.returncode != 0 and "KeyboardInterrupt" in result.stderr
    assert len(ffmpegs) == 1  # the final pass, interrupted while its output was still a temp file
    assert live_group_members(ffmpegs[0][0]) == []
    _assert_no_output(out_dir / "output.mp4")


def _frame_at(video: Path, seconds: float, out: Path) -> Image.Image:
    run_process(ffmpeg_cmd("-i", str(video), "-ss", f"{seconds:.3f}", "-frames:v", "1", str(out)))
    return Image.open(out).convert("L")


def test_every_cue_is_burned_in_its_own_scene(
    rendered: Rendered, tiny_task: TinyTask, font: Path, tmp_path: Path
) -> None:
    """Each cue (not only the first scene's) shows up: compare against the same render without subtitles."""
    bare_ass = write_ass(
        [], tmp_path / "empty.ass", width=tiny_task.width, height=tiny_task.height, font_name="x"
    )
    bare = render_video(
        tiny_task.render_spec(subtitles_ass=bare_ass, fonts_dir=font.parent),
        tmp_path / "bare.mp4",
        tmp_path / "seg",
    )
    band = (0, tiny_task.height * 2 // 3, tiny_task.width, tiny_task.height)
    cues = tiny_task.narration.cues
    assert len(cues) >= 3
    for number, cue in enumerate(cues):
        middle = (cue.start + cue.end) / 2
        with_subs = _frame_at(rendered.result.path, middle, tmp_path / f"s{number}.png").crop(band)
        without = _frame_at(bare.path, middle, tmp_path / f"b{number}.png").crop(band)
        diff = ImageChops.difference(with_subs, without).point(lambda v: 255 if v > 60 else 0)
        assert diff.getbbox() is not None, f"cue {number} ({cue.text!r}) at {middle:.2f}s is not burned in"


def test_a_render_removes_temp_files_a_killed_render_left(
    rendered: Rendered, tiny_task: TinyTask, tmp_path: Path
) -> None:
    """kill -9 skips atomic_path's cleanup: the next render of the task removes the hidden temp files."""
    work_dir = Path(shutil.copytree(rendered.work_dir, tmp_path / "work"))
    out = tmp_path / "out" / "output.mp4"
    out.parent.mkdir()
    leftovers = [
        work_dir / ".seg-00-0123456789abcdef01234567.k9x2_a.tmp.mp4",
        work_dir / ".master.x81q.tmp.wav",
        out.parent / ".output.zq81lm.tmp.mp4",
    ]
    for leftover in leftovers:
        leftover.write_bytes(b"partial")
    captions = work_dir / ".captions-k9x2_a"
    captions.mkdir()
    (captions / "caption-000.png").write_bytes(b"partial")
    leftovers.append(captions)
    unrelated = out.parent / ".other.abc.tmp.mp4"
    unrelated.write_bytes(b"not ours")
    render_video(tiny_task.render_spec(), out, work_dir)
    assert [path for path in leftovers if path.exists()] == []
    assert unrelated.exists()
    assert sorted(p.name for p in out.parent.iterdir()) == [".other.abc.tmp.mp4", "output.mp4"]


def test_split_scenes_cuts_only_long_scenes_into_near_equal_pieces() -> None:
    # 10 fps: pieces are at most max(total / 6, 4 s) = 40 frames; 63 frames -> 31 + 32, 95 -> 31 + 32 + 32.
    pieces = split_scenes([10, 63, 40, 95], 10)
    assert [(p.scene, p.first, p.count) for p in pieces] == [
        (0, 0, 10), (1, 0, 31), (1, 31, 32), (2, 0, 40), (3, 0, 31), (3, 31, 32), (3, 63, 32),
    ]  # fmt: skip
    assert {p.scene: p.scene_frames for p in pieces} == {0: 10, 1: 63, 2: 40, 3: 95}
    with pytest.raises(ValueError, match="not within"):
        kenburns(ffmpeg.input("image.png"), Motion.PAN_LEFT, 10, 180, 320, 10, first=5, count=6)


def _encode(video: Stream, frames: int, out: Path) -> Path:
    codec = {"c:v": "libx264", "preset": "veryfast", "crf": 23, "pix_fmt": "yuv420p"}
    run_graph(video.output(str(out), **{"frames:v": frames}, **codec), timeout=120)
    return out


def _motion(image: Path, motion: Motion, frames: int, *, first: int = 0, count: int = 0) -> Stream:
    return kenburns(ffmpeg.input(str(image)), motion, frames, 180, 320, 10, first=first, count=count)


def _zoom_as_before(image: Path, frames: int, out: Path) -> Path:
    """A zoom-in rendered the way segments were before issue 15: zoompan over a 2x Lanczos cover of the
    image in rgb24, converted per frame, default veryfast x264."""
    graph = (
        "scale=360:640:force_original_aspect_ratio=increase:flags=lanczos,crop=360:640,setsar=1,"
        f"zoompan=z='1+{ZOOM}*on/{frames - 1}':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d={frames}"
        ":s=180x320:fps=10,format=yuv420p"
    )
    codec = ("-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p")
    run_process(ffmpeg_cmd("-i", str(image), "-vf", graph, "-frames:v", str(frames), *codec, str(out)))
    return out


def _ssim(video: Path, start_frame: int, reference: Path) -> float:
    """Mean SSIM of ``reference`` against ``video``'s frames from ``start_frame`` on (as many as it has)."""
    graph = f"[0:v]trim=start_frame={start_frame},setpts=PTS-STARTPTS[part];[part][1:v]ssim=shortest=1"
    cmd = ["ffmpeg", "-hide_banner", "-nostdin", "-i", str(video), "-i", str(reference), "-lavfi", graph]
    done = subprocess.run([*cmd, "-f", "null", "-"], capture_output=True, text=True, check=True)
    return float(done.stderr.rsplit("All:", 1)[1].split()[0])


def _frame_count(video: Path) -> int:
    cmd = ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0"]
    cmd += ["-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", str(video)]
    return int(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def test_a_long_scene_is_split_into_segments_that_join_into_the_same_motion(
    tiny_task: TinyTask, tmp_path: Path
) -> None:
    """A 1 s zoom, then a ~6.3 s pan split into two segments: one continuous video of exactly the
    narration's frames; the pan matches the same move rendered unsplit and the zoom matches the way
    segments were rendered before (SSIM >= 0.98)."""
    narration_frames = round(tiny_task.narration.duration * tiny_task.fps)
    pan_frames = narration_frames - 10
    bare_ass = write_ass([], tmp_path / "empty.ass", width=180, height=320, font_name="x")
    images = tiny_task.images[:2]
    spec = tiny_task.render_spec(
        scene_images=images, scene_durations=[1.0, pan_frames / 10], subtitles_ass=bare_ass
    )
    result = render_video(spec, tmp_path / "split.mp4", tmp_path / "work")

    assert (result.segments_rendered, result.segments_cached) == (3, 0)
    assert check_video(summarize(result.path), width=180, height=320, fps=10) == []
    assert _frame_count(result.path) == narration_frames
    zoom = _zoom_as_before(images[0], 10, tmp_path / "zoom.mp4")
    pan = _encode(_motion(images[1], Motion.PAN_RIGHT, pan_frames), pan_frames, tmp_path / "pan.mp4")
    similarity = (_ssim(result.path, 0, zoom), _ssim(result.path, 10, pan))
    assert min(similarity) >= 0.98, similarity


def test_a_zoom_split_in_pieces_continues_the_move(tiny_task: TinyTask, tmp_path: Path) -> None:
    """Two pieces of a 41-frame zoom, joined with the concat demuxer, match the zoom rendered whole."""
    image = tiny_task.images[0]
    whole = _encode(_motion(image, Motion.ZOOM_OUT, 41), 41, tmp_path / "whole.mp4")
    listing = ["ffconcat version 1.0"]
    for first, count in ((0, 20), (20, 21)):
        piece = _motion(image, Motion.ZOOM_OUT, 41, first=first, count=count)
        listing.append(f"file '{_encode(piece, count, tmp_path / f'piece{first}.mp4')}'")
    (tmp_path / "pieces.ffconcat").write_text("\n".join(listing) + "\n", encoding="utf-8")
    joined = tmp_path / "joined.mp4"
    run_process(
        ffmpeg_cmd(
            "-f", "concat", "-safe", "0", "-i", str(tmp_path / "pieces.ffconcat"), "-c", "copy", str(joined)
        )
    )

    assert _frame_count(joined) == 41
    assert _ssim(joined, 0, whole) >= 0.98
