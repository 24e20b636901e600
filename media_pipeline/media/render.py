"""Video rendering: cached per-scene segments (long scenes split in pieces) rendered in parallel, one
encoder thread each (Ken Burns motion with that segment's time window of the subtitles burned in, final
H.264 quality), then the audio is mastered (narration, ducked music,
loudness-normalised; see mastering.py) and one final pass joins the segments with the concat demuxer
(``-c:v copy``), encodes the audio to AAC once and writes a fast-start MP4.

Burning subtitles per segment instead of in the final pass means the video is encoded exactly once, in
parallel: 1080x1920, 37 s, 6 scenes took 28 s with a separate burn-in pass and ~19 s this way (2 cores).
"""

from __future__ import annotations

import contextvars
import hashlib
import itertools
import json
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import ffmpeg
from ffmpeg.nodes import OutputStream, Stream

from media_pipeline.errors import PermanentError
from media_pipeline.fsutil import atomic_path, remove_temp_files, write_bytes_atomic
from media_pipeline.media.ass_split import split_ass
from media_pipeline.media.brand import Logo, bookend, overlay_logo
from media_pipeline.media.caption_overlay import captioned
from media_pipeline.media.clip_audio import clip_sound_track
from media_pipeline.media.clips import clip_picture
from media_pipeline.media.ffgraph import run_graph
from media_pipeline.media.kenburns import FILTER_VERSION, frame_counts, kenburns, motion_for
from media_pipeline.media.libass import AssRenderer
from media_pipeline.media.loudness import Loudness
from media_pipeline.media.mastering import MIX_RATE, master_audio
from media_pipeline.media.probe import media_duration
from media_pipeline.media.progress import ProgressMeter

SEGMENT_PREFIX = "seg-"
SUBTITLES_PREFIX = "subs-"
# A segment's caption images live in a directory of their own while it renders (a killed render's is
# removed by the next).
CAPTIONS_DIR_PREFIX = ".captions-"
# Bump when the way captions are drawn changes, so cached segments are re-rendered.
CAPTIONS_VERSION = "libass states overlaid"
SEGMENT_WEIGHT = 0.9
AUDIO_RATE = MIX_RATE
# Narration and music are mono; a mono track with the fast AAC coder encodes ~3x faster than stereo twoloop.
AUDIO_CODEC: dict[str, Any] = {"c:a": "aac", "aac_coder": "fast", "b:a": "128k", "ar": AUDIO_RATE, "ac": 1}
TIMEOUT_S = 3600
# x264 options of every segment (and of anything compared with them), for synthetic smooth motion: subpel
# refinement 1 instead of veryfast's 2 costs ~20 % less encoder CPU for ~8 % more bytes at the same CRF, and
# the diamond motion search (the predicted vector of a smooth camera move is nearly exact) ~5 % less for the
# same bytes; SSIM against veryfast's defaults 0.997. Intra blocks 16x16 only (``partitions=none``:
# veryfast searches no inter sub-partitions anyway, only intra 8x8 and 4x4): 4 % fewer instructions per
# moving segment (8 % of its encoder's), 1 % per still, 2 % fewer bytes, SSIM 0.998 against the output with
# them (bench/README.md, issue 27).
X264_PARAMS = "subme=1:me=dia:partitions=none"
# One encoder thread per segment: segments already run ``parallel`` at a time, and x264's frame threads
# would add CPU (~7 %) and memory (~70 MB per ffmpeg) for identical pixels. The filter graph gets one
# thread too (``-filter_complex_threads``; a ``-vf`` graph used to take the encoder's ``-threads``): slice
# threads in scale/zoompan cost ~5 % more CPU for nothing when both cores already run a segment.
SEGMENT_THREADS = 1
# Scenes longer than the total / SEGMENTS_PER_VIDEO (and than MIN_SPLIT_S) are split into equal pieces, so
# the single-threaded segments keep every worker busy until the end; each piece costs a keyframe and
# ~0.1 CPU-s of start-up, so no piece is shorter than MIN_SPLIT_S / 2.
SEGMENTS_PER_VIDEO = 6
MIN_SPLIT_S = 4.0


@dataclass
class RenderSpec:
    """Inputs of one video render; ``scene_images`` and ``scene_durations`` pair up by index, and so do
    ``scene_clips`` when given: a scene with a clip shows the clip (looped, cropped, its audio dropped)
    instead of its image's Ken Burns move."""

    width: int
    height: int
    fps: int
    scene_images: list[Path]
    scene_durations: list[float]
    narration_wav: Path
    subtitles_ass: Path
    fonts_dir: Path | None = None
    music_wav: Path | None = None
    scene_clips: list[Path | None] = field(default_factory=list)
    clip_audio: bool = False
    """Mix the clips' own sound under the narration (ducked like music) instead of dropping it."""
    logo: Logo | None = None
    """A brand kit's watermark, drawn under the captions of every segment."""
    intro: Path | None = None
    outro: Path | None = None
    """A brand kit's clips, joined before and after the rendered video."""
    crf: int = 23
    preset: str = "veryfast"

    def validate(self) -> None:
        """Raise :class:`PermanentError` for inconsistent or missing inputs."""
        if self.width <= 0 or self.height <= 0 or self.width % 2 or self.height % 2:
            raise PermanentError(f"video size must be positive and even, got {self.width}x{self.height}")
        if self.fps <= 0:
            raise PermanentError(f"fps must be positive, got {self.fps}")
        if not self.scene_images or len(self.scene_images) != len(self.scene_durations):
            raise PermanentError(
                f"{len(self.scene_images)} scene images for {len(self.scene_durations)} scene durations"
            )
        if any(duration <= 0 for duration in self.scene_durations):
            raise PermanentError("scene durations must be positive")
        if self.scene_clips and len(self.scene_clips) != len(self.scene_images):
            raise PermanentError(f"{len(self.scene_clips)} scene clips for {len(self.scene_images)} scenes")
        clips = [clip for clip in self.scene_clips if clip is not None]
        inputs = [*self.scene_images, *clips, self.narration_wav, self.subtitles_ass]
        inputs += [path for path in (self.intro, self.outro) if path is not None]
        if self.logo is not None:
            inputs.append(self.logo.path)
        if self.music_wav is not None:
            inputs.append(self.music_wav)
        missing = [str(path) for path in inputs if not path.is_file()]
        if missing:
            raise PermanentError(f"render inputs missing: {', '.join(missing)}")


@dataclass
class RenderResult:
    """The rendered file and how many segments were rendered or reused from the cache."""

    path: Path
    segments_rendered: int
    segments_cached: int
    duration: float
    master_loudness: Loudness


@dataclass(frozen=True)
class Segment:
    """A scene's Ken Burns clip (or a piece of it), named by a hash of everything that affects its pixels;
    ``kenburns`` is the image's stream with its motion alone (or the scene's generated clip), ``picture``
    that plus the brand kit's logo, ``subtitles`` its time window's captions, ``codec`` the encoder options
    (ffmpeg-python output kwargs)."""

    spec: RenderSpec
    index: int
    scene: int
    image: Path
    start_frame: int
    frames: int
    seconds: float
    kenburns: Stream
    picture: Stream
    subtitles: Path
    codec: dict[str, Any]
    path: Path

    def video(self, captions_dir: Path, renderer: AssRenderer) -> Stream:
        """The picture with its captions (their images drawn by ``renderer``, see
        :func:`caption_renderer`, into ``captions_dir``)."""
        window = (self.start_frame, self.frames)
        return captioned(self.picture, self.subtitles, self.spec.fps, window, renderer, captions_dir)

    def graph(self, out: Path, captions_dir: Path, renderer: AssRenderer) -> OutputStream:
        """The ffmpeg graph encoding this segment (video only) to ``out``, its caption images drawn by
        ``renderer`` into ``captions_dir``."""
        return _segment_output(self.video(captions_dir, renderer), self.frames, self.codec, str(out))


@dataclass(frozen=True)
class Piece:
    """Frames ``first`` .. ``first + count - 1`` of scene ``scene`` (``scene_frames`` long)."""

    scene: int
    scene_frames: int
    first: int
    count: int


@lru_cache(maxsize=256)
def _file_sha256(path: Path, mtime_ns: int, size: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (memoised per path, mtime and size)."""
    stat = path.stat()
    return _file_sha256(path, stat.st_mtime_ns, stat.st_size)


def _scene_clip(spec: RenderSpec, scene: int) -> Path | None:
    return spec.scene_clips[scene] if spec.scene_clips else None


def _clip(spec: RenderSpec, piece: Piece, clip: str) -> Stream:
    return clip_picture(clip, spec.width, spec.height, spec.fps, first=piece.first, count=piece.count)


def _kenburns(spec: RenderSpec, piece: Piece, image: str) -> Stream:
    motion = motion_for(piece.scene)
    return kenburns(
        ffmpeg.input(image),
        motion,
        piece.scene_frames,
        spec.width,
        spec.height,
        spec.fps,
        first=piece.first,
        count=piece.count,
    )


def _branded(spec: RenderSpec, video: Stream, logo_input: str | None) -> Stream:
    """``video`` with the brand kit's logo, if the spec has one (``logo_input`` names its file)."""
    return video if spec.logo is None else overlay_logo(video, spec.logo, spec.width, logo_input)


def _segment_output(video: Stream, frames: int, codec: dict[str, Any], out: str) -> OutputStream:
    encode = {"frames:v": frames, **codec, "threads": SEGMENT_THREADS, "an": None, "f": "mp4"}
    return ffmpeg.output(video, out, **encode).global_args("-filter_complex_threads", str(SEGMENT_THREADS))


def _scene_frames(spec: RenderSpec, narration_s: float) -> list[int]:
    """Frames per scene, totalling round(narration * fps): the last scenes absorb any mismatch between the
    scene durations and the narration (each keeps at least one frame)."""
    counts = frame_counts(spec.scene_durations, spec.fps)
    surplus = sum(counts) - max(len(counts), round(narration_s * spec.fps))
    if surplus < 0:
        counts[-1] -= surplus
    for index in reversed(range(len(counts))):
        if surplus <= 0:
            break
        take = min(surplus, counts[index] - 1)
        counts[index] -= take
        surplus -= take
    return counts


def split_scenes(counts: list[int], fps: int) -> list[Piece]:
    """The scenes of ``counts`` frames each; those longer than the total / SEGMENTS_PER_VIDEO (and than
    MIN_SPLIT_S) cut into the fewest near-equal pieces not longer than that."""
    longest = max(-(-sum(counts) // SEGMENTS_PER_VIDEO), round(MIN_SPLIT_S * fps))
    pieces = []
    for scene, frames in enumerate(counts):
        parts = -(-frames // longest)
        bounds = [frames * part // parts for part in range(parts + 1)]
        pieces += [Piece(scene, frames, a, b - a) for a, b in itertools.pairwise(bounds)]
    return pieces


def plan_segments(spec: RenderSpec, work_dir: Path, narration_s: float) -> list[Segment]:
    """The scenes' segments (long scenes split, see :func:`split_scenes`), each named by a hash of its inputs
    (image and logo bytes, frames, size, fps, motion, its own subtitle cues, font files, encoder settings),
    so unchanged segments are reused."""
    codec = {"c:v": "libx264", "preset": spec.preset, "crf": spec.crf, "x264-params": X264_PARAMS}
    codec["pix_fmt"] = "yuv420p"
    pieces = split_scenes(_scene_frames(spec, narration_s), spec.fps)
    bounds = list(itertools.accumulate((piece.count for piece in pieces), initial=0))
    starts = bounds[:-1]
    windows = [(start / spec.fps, end / spec.fps) for start, end in itertools.pairwise(bounds)]
    subtitles = split_ass(spec.subtitles_ass, windows, work_dir, SUBTITLES_PREFIX)
    # A brand kit's font replaced by another of the same family changes no argv: its bytes are in the key.
    fonts = (
        [file_sha256(p) for p in sorted(spec.fonts_dir.iterdir()) if p.is_file()] if spec.fonts_dir else []
    )
    segments = []
    for index, (piece, start) in enumerate(zip(pieces, starts, strict=True)):
        clip = _scene_clip(spec, piece.scene)
        image = clip or spec.scene_images[piece.scene]
        picture = _clip if clip else _kenburns
        # The argv of the segment's picture with file names only: everything but the input files' bytes
        # (its captions are in the key by their cues' bytes, the fonts' and how they are drawn).
        named = _branded(spec, picture(spec, piece, "image"), "logo")
        key_source = {
            "version": FILTER_VERSION,
            "captions": CAPTIONS_VERSION,
            "image": file_sha256(image),
            "logo": file_sha256(spec.logo.path) if spec.logo else None,
            "fonts": fonts,
            "subtitles": file_sha256(subtitles[index]),
            "size": [spec.width, spec.height],
            "argv": _segment_output(named, piece.count, codec, "segment.mp4").get_args(),
        }
        key = hashlib.sha256(json.dumps(key_source, sort_keys=True).encode()).hexdigest()[:24]
        motion = picture(spec, piece, str(image))
        branded = _branded(spec, motion, None)
        path = work_dir / f"{SEGMENT_PREFIX}{index:02d}-{key}.mp4"
        seconds = piece.count / spec.fps
        segments.append(
            Segment(
                spec,
                index,
                piece.scene,
                image,
                start,
                piece.count,
                seconds,
                motion,
                branded,
                subtitles[index],
                codec,
                path,
            )
        )
    return segments


def caption_renderer(spec: RenderSpec) -> AssRenderer:
    """One libass renderer for the captions of all of a render's segments (its frame size and fonts
    directory; fontconfig starts once per render, not per segment). Close it when the render ends."""
    return AssRenderer((spec.width, spec.height), spec.fonts_dir)


@contextmanager
def captions_dir(work_dir: Path) -> Iterator[Path]:
    """A fresh directory in ``work_dir`` for one segment's caption images, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix=CAPTIONS_DIR_PREFIX, dir=work_dir))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _render_segment(
    segment: Segment, renderer: AssRenderer, meter: ProgressMeter, cancel: threading.Event
) -> None:
    work_dir = segment.path.parent
    with atomic_path(segment.path) as tmp, captions_dir(work_dir) as captions:
        run_graph(
            segment.graph(tmp, captions, renderer),
            on_seconds=lambda seconds: meter.update("segments", segment.index, seconds),
            timeout=TIMEOUT_S,
            cancel=cancel,
        )
    meter.complete("segments", segment.index)


def render_segments(segments: list[Segment], meter: ProgressMeter, parallel: int) -> int:
    """Render the segments whose file does not exist yet, ``parallel`` at a time, longest first; returns
    how many. Their captions are drawn by one :func:`caption_renderer`, closed when they are done.

    If anything fails or the caller is interrupted, the other workers stop their ffmpeg process groups
    before the exception propagates.
    """
    # Longest first (LPT scheduling): a long scene started last would run alone at the end on one core.
    missing = sorted(
        (segment for segment in segments if not segment.path.is_file()), key=lambda s: s.frames, reverse=True
    )
    for segment in segments:
        if segment not in missing:
            meter.complete("segments", segment.index)
    if not missing:
        return 0
    cancel = threading.Event()
    with (
        caption_renderer(missing[0].spec) as renderer,
        ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="segment") as pool,
    ):
        # Each in a copy of this context: its log lines keep the run's ids (docs/ARCHITECTURE.md §11).
        futures: list[Future[None]] = [
            pool.submit(contextvars.copy_context().run, _render_segment, s, renderer, meter, cancel)
            for s in missing
        ]
        try:
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            for future in done:
                future.result()
        except BaseException:
            cancel.set()
            for future in futures:
                future.cancel()
            wait(futures)
            raise
    return len(missing)


def _concat_list(segments: list[Segment], work_dir: Path) -> Path:
    def quote(path: Path) -> str:
        return "'" + str(path.resolve()).replace("'", "'\\''") + "'"

    body = "ffconcat version 1.0\n" + "".join(f"file {quote(s.path)}\n" for s in segments)
    return write_bytes_atomic(work_dir / "segments.ffconcat", body.encode("utf-8"))


def _final_pass(concat: Path, audio: Path, tmp: Path, meter: ProgressMeter) -> None:
    """Join the segments without re-encoding and encode the mastered audio once (it lasts as long as the
    narration; the video already has round(narration * fps) frames, so both end within half a frame)."""
    video = ffmpeg.input(str(concat), f="concat", safe=0).video
    narration = ffmpeg.input(str(audio)).audio
    graph = ffmpeg.output(
        video, narration, str(tmp), **{"c:v": "copy"}, **AUDIO_CODEC, movflags="+faststart", f="mp4"
    )
    run_graph(graph, on_seconds=lambda s: meter.update("final", 0, s), timeout=TIMEOUT_S)


def _prune(work_dir: Path, keep: list[Segment]) -> None:
    """Remove cached segments of earlier renders that this render no longer uses."""
    wanted = {segment.path.name for segment in keep}
    for path in work_dir.glob(f"{SEGMENT_PREFIX}*.mp4"):
        if path.name not in wanted:
            path.unlink(missing_ok=True)


def _remove_leftovers(work_dir: Path, out: Path) -> None:
    """Temp files of an earlier render of this task that was killed (a failed one removes its own): any
    in the render's own work dir (segments, mastered audio), and the output's."""
    remove_temp_files(work_dir, "*", "*")
    remove_temp_files(out.parent, out.stem, out.suffix)
    for leftover in work_dir.glob(f"{CAPTIONS_DIR_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)


def render_video(
    spec: RenderSpec,
    out: Path,
    work_dir: Path,
    *,
    on_progress: Callable[[float], None] | None = None,
    parallel: int = 2,
) -> RenderResult:
    """Render ``spec`` to ``out`` (atomically; an interrupted render leaves no file under ``out``).

    Reports 0..100 percent to ``on_progress`` (monotonic; segments and final pass weighted); reuses
    segments cached in ``work_dir`` whose inputs did not change. The output lasts as long as the narration.
    """
    spec.validate()
    work_dir.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(work_dir, out)
    duration = media_duration(spec.narration_wav)
    segments = plan_segments(spec, work_dir, duration)
    meter = ProgressMeter(
        on_progress,
        {
            "segments": (SEGMENT_WEIGHT, {s.index: s.seconds for s in segments}),
            "final": (1 - SEGMENT_WEIGHT, {0: duration}),
        },
    )
    rendered = render_segments(segments, meter, parallel)
    concat = _concat_list(segments, work_dir)
    clip_sound = None
    if spec.clip_audio and any(spec.scene_clips):
        frames = _scene_frames(spec, duration)
        clip_sound = clip_sound_track(spec.scene_clips, frames, spec.fps, work_dir / "clip-sound.wav")
    master, loudness = master_audio(spec.narration_wav, spec.music_wav, work_dir, clip_sound)
    if clip_sound is not None:
        clip_sound.unlink()
    bookended = spec.intro is not None or spec.outro is not None
    main = work_dir / "main.mp4" if bookended else out
    with atomic_path(main) as tmp:
        _final_pass(concat, master, tmp, meter)
    if bookended:  # the brand kit's intro and outro (docs/ARCHITECTURE.md §9, "Brand kits")
        bookend(main, spec.intro, spec.outro, out, fps=spec.fps, audio=AUDIO_CODEC)
        main.unlink()
    meter.finish()
    _prune(work_dir, segments)
    return RenderResult(
        path=out,
        segments_rendered=rendered,
        segments_cached=len(segments) - rendered,
        duration=media_duration(out),
        master_loudness=loudness,
    )
