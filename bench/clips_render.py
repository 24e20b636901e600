"""Render benchmark of issue 25: a short whose every second scene is a video clip, with ``shorts`` captions.

One timeline (the render benchmark's Korean short: script, stills, espeak-ng narration) is built once and
rendered three ways, in fresh workers, interleaved round by round (the first variant rotates per round):

- ``clips``: every second scene shows a clip made here by ffmpeg (``testsrc2``/``mandelbrot``, landscape
  and portrait, 30 and 25 fps, a second longer than the scene, so each is scaled/cropped, resampled and
  trimmed), the other scenes their stills' Ken Burns move; ``shorts`` captions with the spoken word
  highlighted (docs/ARCHITECTURE.md §8 "Clips as scene media", §9 "Captions");
- ``stills``: the same with every scene a still (same captions);
- ``static``: the lower bound of :mod:`bench.render` (the stills and the narration in one ffmpeg command,
  no motion, no captions, the same encoder settings).

Then, one segment at a time with ``ffmpeg -benchmark``, where the clip scenes' time goes: picture only
(clip decode + fps + scale/crop, or Ken Burns of the still), + captions, + libx264, and the clip's decode
alone.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import ffmpeg
from ffmpeg.nodes import OutputStream

from bench.common import BenchOptions, Section, fmt, fmt_range, median, ratio, table
from bench.profile_render import STEPS, BenchTimes, profile_segment, run_benchmarked
from bench.render import measure_render
from bench.timeline import Case, Timeline, build_timeline
from media_pipeline.domain import CaptionPreset, Language, VideoType
from media_pipeline.media.captions import write_captions
from media_pipeline.media.ffgraph import run_graph
from media_pipeline.media.probe import media_duration
from media_pipeline.media.render import Segment, caption_renderer, plan_segments

CASE = Case("clips30", VideoType.SHORTFORM, 30.0)
QUICK_CASE = Case("clips10", VideoType.SHORTFORM, 10.0, scenes=2)
# (variant, contender, timeline file stem): the static bound renders the stills timeline.
VARIANTS = (("clips", "ours", "clips"), ("stills", "ours", "stills"), ("static", "static", "stills"))


@dataclasses.dataclass(frozen=True)
class ClipSource:
    """An ffmpeg test source and the size and rate of the clip made from it."""

    source: str
    width: int
    height: int
    fps: int

    def label(self) -> str:
        """``testsrc2 1920x1080 30 fps``."""
        return f"{self.source} {self.width}x{self.height} {self.fps} fps"


# Stock footage comes landscape or portrait and at other rates than ours: one clip of each kind.
CLIP_SOURCES = (
    ClipSource("testsrc2", 1920, 1080, 30),
    ClipSource("mandelbrot", 1080, 1920, 30),
    ClipSource("testsrc2", 1080, 1920, 25),
)
CLIP_EXTRA_S = 1.0
"""Each clip lasts its scene plus this, so the render trims it (as it does a longer stock clip)."""


def make_clip(source: ClipSource, seconds: float, out: Path) -> Path:
    """Write an H.264 clip (no audio, +faststart) of ``seconds`` from the ffmpeg source ``source``."""
    picture = ffmpeg.input(
        f"{source.source}=size={source.width}x{source.height}:rate={source.fps}",
        f="lavfi",
        t=f"{seconds:.3f}",
    )
    encode = {"c:v": "libx264", "preset": "veryfast", "pix_fmt": "yuv420p", "movflags": "+faststart"}
    run_graph(picture.output(str(out), **encode), timeout=600)
    return out


def build_variants(case: Case, root: Path) -> dict[str, Timeline]:
    """The case's timeline with ``shorts`` captions, stills only and with a clip in every second scene;
    each saved as ``<variant>.json`` next to the inputs."""
    base = build_timeline(case, root)
    case_dir = root / case.name
    captions = write_captions(
        CaptionPreset.SHORTS,
        base.cue_list(),
        case_dir / "shorts.ass",
        width=base.width,
        height=base.height,
        font_path=Path(base.font),
        language=Language.KO,
    )
    stills = dataclasses.replace(base, subtitles_ass=str(captions))
    clips: list[str | None] = [None] * len(base.scene_durations)
    for number, scene in enumerate(range(1, len(clips), 2)):
        source = CLIP_SOURCES[number % len(CLIP_SOURCES)]
        seconds = base.scene_durations[scene] + CLIP_EXTRA_S
        clips[scene] = str(make_clip(source, seconds, case_dir / f"clip-{scene}.mp4"))
    variants = {"stills": stills, "clips": dataclasses.replace(stills, scene_clips=clips)}
    for name, timeline in variants.items():
        timeline.save(case_dir / f"{name}.json")
    return variants


def run_rounds(case_dir: Path, variants: dict[str, Timeline], options: BenchOptions) -> dict[str, list[dict]]:
    """Measure every variant ``options.runs`` times, interleaved; the first variant rotates per round."""
    runs: dict[str, list[dict]] = {name: [] for name, _, _ in VARIANTS}
    for round_ in range(options.runs):
        shift = round_ % len(VARIANTS)
        for name, contender, stem in VARIANTS[shift:] + VARIANTS[:shift]:
            load = os.getloadavg()[0]
            run_dir = options.work_dir / "clips_render" / name
            record = measure_render(contender, case_dir / f"{stem}.json", run_dir, variants[stem])
            record["load_1min"] = load
            runs[name].append(record)
            print(
                f"[clips_render] round {round_ + 1}/{options.runs} {name}: wall {record['wall_s']:.1f} s, "
                f"cpu {record['cpu_s']:.1f} s, load {load:.1f} {record['problems'] or 'ok'}",
                flush=True,
            )
    return runs


def _decode_only(segment: Segment, scene_start: int, fps: int) -> OutputStream:
    """What the segment decodes of its clip, brought to ``fps``, to the null muxer: the clip from its start
    to the segment's last frame (a later piece of a split scene trims off the earlier pieces' frames after
    decoding and scaling them, see ``media/clips.py``); ``scene_start`` is the scene's first frame."""
    looped = ffmpeg.input(str(segment.image), stream_loop=-1).video.filter("fps", fps=fps)
    decoded = segment.start_frame - scene_start + segment.frames
    return looped.output("-", **{"frames:v": decoded}, f="null")


def profile_scenes(variants: dict[str, Timeline], work_dir: Path) -> dict[str, dict[str, dict[str, float]]]:
    """CPU (ffmpeg ``-benchmark``) per step, summed over the clip scenes' segments of both variants and over
    the still scenes' segments (the same in both); segments one at a time, so without contention."""
    work_dir.mkdir(parents=True, exist_ok=True)
    clip_scenes = {i for i, clip in enumerate(variants["clips"].scene_clips) if clip}
    out = work_dir / "profile.mp4"
    groups = {"clip scenes as Ken Burns stills": ("stills", True), "clip scenes as clips": ("clips", True)}
    groups["still scenes (both variants)"] = ("stills", False)
    totals: dict[str, dict[str, dict[str, float]]] = {}
    for group, (variant, on_clip_scenes) in groups.items():
        timeline = variants[variant]
        spec = timeline.render_spec()
        segments = plan_segments(spec, work_dir / variant, media_duration(spec.narration_wav))
        chosen = [s for s in segments if (s.scene in clip_scenes) == on_clip_scenes]
        scene_starts = {s.scene: s.start_frame for s in reversed(segments)}
        steps = {label: BenchTimes() for label, _ in STEPS[:3]}
        decode = BenchTimes()
        with caption_renderer(spec) as renderer:
            for segment in chosen:
                for label, times in profile_segment(timeline, segment, STEPS[:3], out, renderer).items():
                    steps[label].add(times)
                if variant == "clips":
                    start = scene_starts[segment.scene]
                    decode.add(run_benchmarked(_decode_only(segment, start, timeline.fps)))
        totals[group] = {label: dataclasses.asdict(times) for label, times in steps.items()}
        if variant == "clips":
            totals[group]["decode"] = dataclasses.asdict(decode)
        totals[group]["segments"] = {"count": float(len(chosen))}
    out.unlink(missing_ok=True)
    return totals


def _cpu(times: dict[str, float]) -> float:
    return times["user_s"] + times["sys_s"]


def profile_markdown(totals: dict[str, dict[str, dict[str, float]]]) -> str:
    """The profile as a table: CPU s per step and the increments between steps."""
    rows = []
    for group, steps in totals.items():
        picture, captions, segment = (_cpu(steps[label]) for label, _ in STEPS[:3])
        decode = _cpu(steps["decode"]) if "decode" in steps else None
        rows.append(
            [
                group,
                str(int(steps["segments"]["count"])),
                fmt(decode, 1),
                fmt(picture, 1),
                fmt(captions - picture, 1),
                fmt(segment - captions, 1),
                fmt(segment, 1),
                fmt(max(steps[label]["maxrss_mb"] for label, _ in STEPS[:3]), 0),
            ]
        )
    headers = [
        "scenes", "segments", "clip decode + fps → null, CPU s", "picture → null (decode + scale/crop or "
        "Ken Burns), CPU s", "+ captions, Δ CPU s", "+ libx264, Δ CPU s", "segment total CPU s",
        "max RSS MB (one ffmpeg)",
    ]  # fmt: skip
    return table(headers, rows)


def _med(records: list[dict], key: str) -> float | None:
    return median(r[key] for r in records)


def results_markdown(runs: dict[str, list[dict]]) -> str:
    """Per variant: wall and CPU (median [min–max]), phases, peak RSS, output check and load."""
    rows = []
    for name, records in runs.items():
        phases = [r["result"].get("phases_s", {}) for r in records]
        problems = sorted({p for r in records for p in r["problems"]})
        summary = records[0]["summary"]
        output = "⚠ " + "; ".join(problems) if problems else f"ok: {summary['duration']:.2f} s"
        loads = [r["load_1min"] for r in records]
        rows.append(
            [
                name,
                fmt_range([r["wall_s"] for r in records]),
                fmt_range([r["cpu_s"] for r in records]),
                fmt(median(p.get("segments") for p in phases), 1),
                fmt(median(p.get("final_pass") for p in phases), 1),
                fmt(_med(records, "tree_peak_mb"), 0),
                output,
                f"{min(loads):.1f}–{max(loads):.1f}",
            ]
        )
    headers = [
        "variant", "wall s, median [min–max]", "CPU s, median [min–max]", "segments phase s",
        "final pass s", "peak RSS tree MB", "output (ffprobe)", "load (1 min) at starts",
    ]  # fmt: skip
    return table(headers, rows)


def ratios(runs: dict[str, list[dict]]) -> dict[str, float | None]:
    """Ratios of the medians (wall and CPU): clips / stills, clips / static, stills / static."""
    pairs = (("clips", "stills"), ("clips", "static"), ("stills", "static"))
    return {
        f"{a} / {b} {key.removesuffix('_s')}": ratio(_med(runs[a], key), _med(runs[b], key))
        for a, b in pairs
        for key in ("wall_s", "cpu_s")
    }


def inputs_markdown(variants: dict[str, Timeline]) -> str:
    """What the clips timeline holds: scenes, their lengths and media."""
    timeline = variants["clips"]
    sources = iter(CLIP_SOURCES * len(timeline.scene_clips))
    rows = [
        [str(i + 1), f"{seconds:.2f}", f"clip: {next(sources).label()}" if clip else "still (Ken Burns)"]
        for i, (seconds, clip) in enumerate(zip(timeline.scene_durations, timeline.scene_clips, strict=True))
    ]
    return table(["scene", "length s", "media in `clips`"], rows)


def main(results: dict[str, Section], options: BenchOptions) -> None:
    """Build the variants, measure them interleaved, profile the clip scenes, store ``clips_render``."""
    case = QUICK_CASE if options.quick else CASE
    root = options.work_dir / "clips_inputs"
    variants = build_variants(case, root)
    runs = run_rounds(root / case.name, variants, options)
    measured = ratios(runs)
    profile = profile_scenes(variants, options.work_dir / "clips_profile")
    timeline = variants["clips"]
    markdown = "\n\n".join(
        [
            f"Timeline `{case.name}`: {timeline.width}x{timeline.height}, {timeline.fps} fps, "
            f"{timeline.duration_s:.2f} s, Korean espeak-ng narration, `shorts` captions (word highlight, "
            f"{len(timeline.cues)} cues); clips made by ffmpeg, each {CLIP_EXTRA_S:g} s longer than its "
            f"scene; {options.runs} round(s), variants interleaved, first variant rotating:\n\n"
            + inputs_markdown(variants),
            results_markdown(runs),
            "Ratios (medians):\n\n"
            + table(list(measured), [[fmt(value, 2, "×") for value in measured.values()]]),
            "Where the clip scenes' time goes (ffmpeg `-benchmark`, segments one at a time, 1 run):\n\n"
            + profile_markdown(profile),
        ]
    )
    results["clips_render"] = Section(
        title="Render with clips and `shorts` captions: clips + stills vs stills only vs static bound",
        markdown=markdown,
        data={
            "timeline": dataclasses.asdict(timeline),
            "runs": runs,
            "ratios": measured,
            "profile": profile,
        },
    )
