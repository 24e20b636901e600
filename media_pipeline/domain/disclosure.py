"""What a task's upload declares to YouTube: made for kids, and whether it contains realistic synthetic
media (docs/ARCHITECTURE.md §9, "Upload flags")."""

from __future__ import annotations

from dataclasses import dataclass

from media_pipeline.domain.models import MediaMode, TaskSettings
from media_pipeline.domain.voice import DEFAULT_PROVIDER

AI_MODES = frozenset({MediaMode.DALLE3, MediaMode.IMAGEN3, MediaMode.SORA2})
# espeak-ng is a formant synthesizer nobody takes for a person; every other provider speaks realistically
# (neural voices, cloned voices).
ROBOTIC_VOICE_PROVIDERS = frozenset({"espeak"})


@dataclass(frozen=True)
class Disclosure:
    """The two flags every upload sends and why ``contains_synthetic_media`` has its value."""

    made_for_kids: bool
    contains_synthetic_media: bool
    reasons: tuple[str, ...]

    def status(self) -> dict[str, bool]:
        """The ``status`` fields of ``videos.insert``."""
        return {
            "selfDeclaredMadeForKids": self.made_for_kids,
            "containsSyntheticMedia": self.contains_synthetic_media,
        }


def disclosure(settings: TaskSettings, default_voice_provider: str = DEFAULT_PROVIDER) -> Disclosure:
    """The flags of a task: made for kids as its settings say (the publish stage fills an unset value from
    the channel's setting; still unset: false, never left out); synthetic when its images/clips come from
    an AI model or its voice is a realistic synthetic one, unless the creator overrode it (the override's
    reason is kept)."""
    kids = bool(settings.made_for_kids)
    if settings.synthetic_media is not None:
        override = settings.synthetic_media
        return Disclosure(kids, override.contains, (f"creator: {override.reason}",))
    reasons = []
    if settings.media_mode in AI_MODES:
        reasons.append(f"AI media ({settings.media_mode.value})")
    voice = settings.voice_ref(default_voice_provider)
    if voice.provider not in ROBOTIC_VOICE_PROVIDERS:
        reasons.append(f"synthetic voice ({voice})")
    return Disclosure(kids, bool(reasons), tuple(reasons))
