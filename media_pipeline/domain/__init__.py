"""Domain models: task settings, the script document (story.json), statuses and rule-based paths."""

from media_pipeline.domain.models import (
    ImageStyle,
    Language,
    MediaMode,
    Privacy,
    ProductInfo,
    Scene,
    Script,
    TaskSettings,
    TaskSpec,
    VideoType,
)
from media_pipeline.domain.paths import TaskPaths

__all__ = [
    "ImageStyle",
    "Language",
    "MediaMode",
    "Privacy",
    "ProductInfo",
    "Scene",
    "Script",
    "TaskPaths",
    "TaskSettings",
    "TaskSpec",
    "VideoType",
]
