"""Domain models: task settings, the script document (story.json), the stages and rule-based paths."""

from media_pipeline.domain.models import (
    CaptionPreset,
    ImageStyle,
    Language,
    MediaMode,
    Privacy,
    ProductInfo,
    Scene,
    SceneMedia,
    Script,
    TaskSettings,
    TaskSpec,
    VideoType,
)
from media_pipeline.domain.paths import TaskPaths
from media_pipeline.domain.stages import STAGES, Stage

__all__ = [
    "STAGES",
    "CaptionPreset",
    "ImageStyle",
    "Language",
    "MediaMode",
    "Privacy",
    "ProductInfo",
    "Scene",
    "SceneMedia",
    "Script",
    "Stage",
    "TaskPaths",
    "TaskSettings",
    "TaskSpec",
    "VideoType",
]
