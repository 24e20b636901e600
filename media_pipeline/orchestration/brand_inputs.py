"""The brand kit of a task's channel as local render inputs (docs/ARCHITECTURE.md §9, "Brand kits"): the
kit's files fetched from the task storage into the task's render cache, its colours, preset and layout."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from media_pipeline.domain import CaptionPreset
from media_pipeline.domain.brand import BrandFile, BrandKit, ThumbnailLayout
from media_pipeline.media.brand import Logo
from media_pipeline.media.subtitles import AssColours
from media_pipeline.orchestration.stage_run import StageRun


@dataclass(frozen=True)
class BrandInputs:
    """What a stage draws with: the caption font (alone in its folder, the subtitles' ``fontsdir``),
    caption colours and preset, the logo, intro and outro, and the thumbnail layout."""

    font: Path
    colours: AssColours
    preset: CaptionPreset
    logo: Logo | None = None
    intro: Path | None = None
    outro: Path | None = None
    thumbnail_layout: ThumbnailLayout = ThumbnailLayout.BAND


def brand_inputs(run: StageRun, default_font: Path, *, clips: bool = True) -> BrandInputs:
    """The task's channel's kit (the task's own preset and ``default_font`` where the kit has none);
    the intro and outro are fetched only with ``clips``."""
    settings = run.spec.settings
    found = run.state.brand_kit(run.spec.task_id, settings.channel_setting_id) if run.state else None
    if found is None:
        return BrandInputs(font=default_font, colours=AssColours(), preset=settings.caption_preset)
    _channel, kit = found
    folder = run.paths.segments_dir / "brand"
    font = _fetch(run, kit, BrandFile.FONT, folder / "font")
    logo = _fetch(run, kit, BrandFile.LOGO, folder)
    return BrandInputs(
        font=font or default_font,
        colours=AssColours.from_rgb(kit.text_colour, kit.highlight_colour, kit.outline_colour),
        preset=kit.caption_preset or settings.caption_preset,
        logo=Logo(logo, kit.logo_placement) if logo else None,
        intro=_fetch(run, kit, BrandFile.INTRO, folder) if clips else None,
        outro=_fetch(run, kit, BrandFile.OUTRO, folder) if clips else None,
        thumbnail_layout=kit.thumbnail_layout,
    )


def _fetch(run: StageRun, kit: BrandKit, kind: BrandFile, folder: Path) -> Path | None:
    """The kit's ``kind`` file downloaded into ``folder`` (None if the kit has none)."""
    key = kit.file_key(kind)
    if key is None:
        return None
    return run.work.storage.download(key, folder / PurePosixPath(key).name)
