"""Domain models: defaults, resolutions, field-level validation errors."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from media_pipeline.domain import Language, TaskPaths, TaskSettings, TaskSpec
from media_pipeline.domain.voice import VoiceRef


def test_defaults_and_resolutions() -> None:
    short = TaskSettings()
    assert (short.resolution, short.duration_s, short.image_count) == ((1080, 1920), 30.0, 5)
    long = TaskSettings.model_validate({"type": "longform"})
    assert (long.resolution, long.duration_s) == ((1920, 1080), 60.0)
    assert TaskSettings.model_validate({"renderHeight": 320}).resolution == (180, 320)
    assert TaskSettings().voice_ref() == VoiceRef("espeak")
    assert TaskSettings().voice_ref("google") == VoiceRef("google")
    assert TaskSettings(voice="ko").voice_ref("openai") == VoiceRef("espeak", "ko")
    assert TaskSettings(voice="openai:alloy").voice_ref() == VoiceRef("openai", "alloy")
    assert TaskSettings(voice="google:ko-KR-Neural2-A").voice_ref() == VoiceRef("google", "ko-KR-Neural2-A")
    assert TaskSettings(voice="espeak:en-us").voice_ref() == VoiceRef("espeak", "en-us")
    assert TaskSettings(voice="google").voice_ref() == VoiceRef("google")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"imageCount": 0}, "imageCount"),
        ({"mediaMode": "vhs"}, "mediaMode"),
        ({"privacy": "secret"}, "privacy"),
        ({"publishAt": "2026-01-01T10:00:00"}, "publishAt"),
        ({"renderHeight": 321}, "renderHeight"),
        ({"mediaMode": "crawl"}, "imageUrls"),
        ({"styles": []}, "styles"),
        ({"surprise": 1}, "surprise"),
        ({"voice": "azure:ko-KR-SunHiNeural"}, "voice"),
        ({"voice": "ko; rm -rf"}, "voice"),
    ],
)
def test_invalid_settings_name_the_field(data: dict, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        TaskSettings.model_validate(data)
    assert field in str(info.value)


def test_merged_validates_partial_updates() -> None:
    merged = TaskSettings().merged({"imageCount": 7, "language": "en"})
    assert (merged.image_count, merged.language) == (7, Language.EN)
    with pytest.raises(ValidationError):
        TaskSettings().merged({"imageCount": "many"})


def test_task_spec_rules() -> None:
    with pytest.raises(ValidationError, match="product info"):
        TaskSpec(task_id="p1", title="Gadget", settings={"type": "product"})
    with pytest.raises(ValidationError, match="task_id"):
        TaskSpec(task_id="../etc", title="x")
    with pytest.raises(ValidationError, match="blank"):
        TaskSpec(task_id="ok", title="   ")
    with pytest.raises(ValueError, match="invalid task id"):
        TaskPaths(root=Path("/tmp"), task_id="a/b")
