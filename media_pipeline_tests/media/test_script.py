"""TemplateScriptWriter: exact scene counts, round-robin styles, languages, product info, length."""

from __future__ import annotations

from pathlib import Path

import pytest

from media_pipeline.domain import ImageStyle, Language, ProductInfo, TaskSettings, TaskSpec, VideoType
from media_pipeline.media.script import TemplateScriptWriter, estimate_speech_s
from media_pipeline.media.tts import synthesize_narration
from media_pipeline.providers.narrators.espeak import EspeakNarrator

STYLES = [ImageStyle.SUNSET, ImageStyle.OCEAN, ImageStyle.NEON]


def _task(**settings: object) -> TaskSpec:
    product = settings.pop("product", None)
    return TaskSpec(
        task_id="t1",
        title=str(settings.pop("title", "건강한 아침 습관")),
        settings=TaskSettings.model_validate(settings),
        product=product,
    )


@pytest.mark.parametrize("count", [1, 2, 3, 5, 7, 30])
def test_exactly_image_count_scenes_with_round_robin_styles(count: int) -> None:
    script = TemplateScriptWriter().write(_task(imageCount=count, styles=STYLES))
    assert len(script.scenes) == count
    assert [scene.index for scene in script.scenes] == list(range(count))
    assert [scene.style for scene in script.scenes] == [STYLES[i % 3] for i in range(count)]
    assert all(scene.narration and scene.caption for scene in script.scenes)


def test_korean_script() -> None:
    script = TemplateScriptWriter().write(_task(imageCount=4, language="ko"))
    assert script.language is Language.KO
    assert script.scenes[0].caption == "건강한 아침 습관"
    assert "건강한 아침 습관" in script.scenes[0].narration
    assert all(any("\uac00" <= ch <= "\ud7a3" for ch in scene.narration) for scene in script.scenes)
    assert script.tags and script.description.startswith("건강한 아침 습관")


def test_english_and_fallback_languages() -> None:
    english = TemplateScriptWriter().write(_task(title="Morning habits", imageCount=3, language="en"))
    japanese = TemplateScriptWriter().write(_task(title="Morning habits", imageCount=3, language="ja"))
    assert "Morning habits" in english.scenes[0].narration
    assert japanese.language is Language.EN, "fallback text is English and must say so (voice follows it)"
    assert [s.narration for s in japanese.scenes] == [s.narration for s in english.scenes]


def test_product_info_is_used() -> None:
    product = ProductInfo(name="Blendy", price="$49", features=["six steel blades", "a quiet motor"])
    script = TemplateScriptWriter().write(
        _task(title="Blendy review", type="product", language="en", imageCount=5, product=product)
    )
    narration = " ".join(scene.narration for scene in script.scenes)
    for expected in ("Blendy", "$49", "six steel blades", "a quiet motor"):
        assert expected in narration
    assert script.scenes[1].caption == "six steel blades"
    assert "Blendy" in script.tags


def test_deterministic() -> None:
    task = _task(imageCount=5, styles=STYLES, type=VideoType.LONGFORM)
    assert TemplateScriptWriter().write(task) == TemplateScriptWriter().write(task)


@pytest.mark.parametrize(("language", "voice"), [("ko", "ko"), ("en", "en-us")])
def test_narration_roughly_fills_the_target_duration(language: str, voice: str, tmp_path: Path) -> None:
    task = _task(title="Healthy mornings", imageCount=4, language=language, targetDurationS=24)
    script = TemplateScriptWriter().write(task)
    estimate = sum(estimate_speech_s(scene.narration, script.language) for scene in script.scenes)
    spoken = synthesize_narration(
        script, EspeakNarrator(voice), tmp_path / "work", tmp_path / "n.wav", min_scene_s=0
    ).duration
    assert 0.85 * 24 <= spoken <= 1.45 * 24, spoken  # written long on purpose (SCRIPT_OVERSHOOT)
    assert abs(estimate - spoken) / spoken < 0.15
