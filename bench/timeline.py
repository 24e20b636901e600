"""The fixed inputs of a render benchmark: script, scene images, narration and subtitles, built once.

Built deterministically with the project's own media core (TemplateScriptWriter, render_scenes,
synthesize_narration, write_ass); every contender then renders exactly the same frame-aligned scenes.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from media_pipeline.domain import ImageStyle, Language, TaskPaths, TaskSettings, TaskSpec, VideoType
from media_pipeline.media.fonts import find_font, font_family
from media_pipeline.media.kenburns import frame_counts
from media_pipeline.media.render import RenderSpec
from media_pipeline.media.scenes import render_scenes
from media_pipeline.media.script import TemplateScriptWriter
from media_pipeline.media.subtitles import write_ass
from media_pipeline.media.tts import Cue, synthesize_narration
from media_pipeline.providers.narrators import build_narrator
from media_pipeline.settings import get_settings

TITLE = "서울의 가을 여행"
DESCRIPTION = (
    "가을의 서울은 걷기 좋은 도시입니다. 고궁의 단풍은 오후 햇살에 가장 아름답습니다. "
    "한강 공원에서는 자전거를 빌려 강바람을 느껴 보세요. 시장의 따뜻한 음식도 빼놓을 수 없습니다."
)


@dataclass(frozen=True)
class Case:
    """One render case: video type (orientation), target length and scene count."""

    name: str
    video_type: VideoType
    duration_s: float
    scenes: int = 6
    moviepy: bool = False

    def settings(self) -> TaskSettings:
        """Task settings of the case (Korean, all image styles in turn)."""
        return TaskSettings(
            type=self.video_type,
            language=Language.KO,
            image_count=self.scenes,
            target_duration_s=self.duration_s,
            styles=list(ImageStyle),
        )


@dataclass
class Timeline:
    """Everything a contender needs to render one case; ``scene_durations`` are whole frames."""

    case: str
    width: int
    height: int
    fps: int
    scene_images: list[str]
    scene_durations: list[float]
    narration_wav: str
    narration_s: float
    subtitles_ass: str
    font: str
    cues: list[dict]
    scene_clips: list[str | None] = field(default_factory=list)
    """Per scene: a video clip shown instead of the still's Ken Burns move (empty: stills only)."""

    @property
    def duration_s(self) -> float:
        """Video length in seconds (a whole number of frames)."""
        return sum(self.scene_durations)

    @property
    def frames(self) -> list[int]:
        """Frames per scene."""
        return [round(d * self.fps) for d in self.scene_durations]

    def cue_list(self) -> list[Cue]:
        """The subtitle cues."""
        return [Cue.from_dict(cue) for cue in self.cues]

    def render_spec(self) -> RenderSpec:
        """The media core's render spec (default encoder settings: libx264 veryfast, CRF 23)."""
        font = Path(self.font)
        return RenderSpec(
            width=self.width,
            height=self.height,
            fps=self.fps,
            scene_images=[Path(p) for p in self.scene_images],
            scene_durations=list(self.scene_durations),
            narration_wav=Path(self.narration_wav),
            subtitles_ass=Path(self.subtitles_ass),
            fonts_dir=font.parent,
            scene_clips=[Path(p) if p else None for p in self.scene_clips],
        )

    def save(self, path: Path) -> Path:
        """Write as JSON; a timeline without clips leaves ``scene_clips`` out, so checkouts from before
        clips (``bench/render_ab.py --before``) read it too."""
        data = asdict(self)
        if not any(self.scene_clips):
            del data["scene_clips"]
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: Path) -> Timeline:
        """Read a JSON written by :meth:`save`."""
        return cls(**json.loads(path.read_text(encoding="utf-8")))


CALIBRATION_ATTEMPTS = 4
CALIBRATION_TOLERANCE_S = 1.0
MIN_TARGET_S = 5.0


def _build(case: Case, target_s: float, case_dir: Path) -> Timeline:
    """Build the inputs of ``case`` with the script writer aiming at ``target_s`` of narration."""
    shutil.rmtree(case_dir, ignore_errors=True)
    settings = case.settings().merged({"targetDurationS": round(max(MIN_TARGET_S, target_s), 1)})
    spec = TaskSpec(task_id=f"bench-{case.name}", title=TITLE, description=DESCRIPTION, settings=settings)
    paths = TaskPaths(case_dir, spec.task_id)
    font = find_font()
    width, height = settings.resolution
    script = TemplateScriptWriter().write(spec)
    images = render_scenes(script, (width, height), paths, font)
    narrator = build_narrator(settings.voice_ref(), script.language, get_settings())
    narration = synthesize_narration(script, narrator, paths.narration_dir, paths.narration_wav)
    write_ass(narration.cues, paths.subtitles_ass, width=width, height=height, font_name=font_family(font))
    durations = [frames / settings.fps for frames in frame_counts(narration.scene_durations, settings.fps)]
    return Timeline(
        case=case.name,
        width=width,
        height=height,
        fps=settings.fps,
        scene_images=[str(p) for p in images],
        scene_durations=durations,
        narration_wav=str(paths.narration_wav),
        narration_s=narration.duration,
        subtitles_ass=str(paths.subtitles_ass),
        font=str(font),
        cues=[asdict(cue) for cue in narration.cues],
    )


def build_timeline(case: Case, root: Path) -> Timeline:
    """Build the inputs of ``case`` under ``root/<case.name>`` (replacing earlier ones).

    The template writer only estimates speech length, so the target handed to it is corrected (a few
    deterministic attempts) until the espeak-ng narration lasts ``case.duration_s`` within a second; the
    closest attempt is kept (a sentence is a few seconds, so some lengths cannot be hit exactly).
    """
    case_dir = root / case.name
    target = case.duration_s
    attempts: list[tuple[float, float]] = []  # (|error|, target)
    for _ in range(CALIBRATION_ATTEMPTS):
        timeline = _build(case, target, case_dir)
        error = case.duration_s - timeline.duration_s
        attempts.append((abs(error), target))
        if abs(error) <= CALIBRATION_TOLERANCE_S:
            break
        target = max(MIN_TARGET_S, target + error)
    best_target = min(attempts)[1]
    if best_target != attempts[-1][1]:
        timeline = _build(case, best_target, case_dir)
    timeline.save(case_dir / "timeline.json")
    return timeline
