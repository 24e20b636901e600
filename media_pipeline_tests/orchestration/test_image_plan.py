"""One rule counts a generation's images (seed 003 §6): the estimate and the paid job (reservation, the
per-image records, the images stage and its provider prompts) make the same (style, role) list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from media_pipeline.domain import TaskPaths, TaskSettings
from media_pipeline.domain.image_plan import PlannedImage, plan_images, role_hint
from media_pipeline.media.script import TemplateScriptWriter
from media_pipeline.orchestration.paid_images import produce_paid_images
from media_pipeline.providers.ai_images import DalleImageSource
from media_pipeline.settings import Settings
from media_pipeline.store import Owner, PipelineState
from media_pipeline.store.credit_estimate import estimate
from media_pipeline.store.credits import CreditAdmin, Pricing
from media_pipeline.store.image_jobs import ImageWork
from media_pipeline.usecases import UseCases
from media_pipeline_tests.orchestration.paid_support import INSTANT, paid_settings
from media_pipeline_tests.providers.fake_images import PaidImagesFake
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.store.ledger_support import assert_balanced_ledger
from media_pipeline_tests.store.support import finish_stages

SEED = {
    "imageMode": "BATCH",
    "imageCount": 5,
    "styles": ["sunset", "ocean", "neon"],
    "roles": ["GROOM", "BRIDE"],
}
CASES: list[dict[str, Any]] = [
    SEED,
    {**SEED, "imageCount": 8},
    {"imageMode": "SINGLE", "styles": ["sunset", "ocean", "neon", "mono"], "roles": ["GROOM", "BRIDE"]},
    {"imageMode": "SINGLE", "styles": ["forest", "pastel"], "type": "product"},
    {"imageMode": "BATCH", "imageCount": 3, "styles": ["forest", "pastel"]},
]
PRODUCT = {"name": "Lamp", "features": ["warm light", "quiet"], "price": "19,000원"}


def test_the_seed_example_is_round_robin_over_styles_times_roles() -> None:
    assert plan_images("BATCH", ["A", "B", "C"], ["GROOM", "BRIDE"], 5) == [
        PlannedImage("A", "GROOM"),
        PlannedImage("A", "BRIDE"),
        PlannedImage("B", "GROOM"),
        PlannedImage("B", "BRIDE"),
        PlannedImage("C", "GROOM"),
    ]
    assert len(plan_images("SINGLE", ["A", "B", "C", "D"], ["GROOM", "BRIDE"], 5)) == 8


def test_task_options_validate_roles_and_the_single_mode_size() -> None:
    with pytest.raises(ValidationError, match="at most 30"):
        TaskSettings.model_validate(
            {"imageMode": "SINGLE", "styles": ["sunset", "ocean", "neon", "mono"], "roles": list("abcdefghi")}
        )
    with pytest.raises(ValidationError, match="roles"):
        TaskSettings.model_validate({"roles": ["<script>"]})
    assert TaskSettings.model_validate({"type": "product"}).effective_roles == ["product", "presenter"]
    assert TaskSettings().effective_roles == ["subject"]


def _queue(db_url: str, owner: Owner, settings: Settings, options: dict[str, Any]) -> str:
    usecases = UseCases(db_url, owner, settings=settings)
    version = usecases.queues.list_drafts().version
    product = {"product": PRODUCT} if options.get("type") == "product" else {}
    draft_options = {"mediaMode": "dalle3", "renderHeight": 320, **options, **product}
    (draft,) = usecases.queues.add_assets(["a"], draft_options, version).tasks
    (queued,) = usecases.run_drafts(usecases.queues.list_drafts().version, [draft.id]).queued
    return queued.id


@pytest.mark.parametrize("options", CASES, ids=["seed", "batch8", "single8", "product", "subject"])
def test_estimate_then_job_make_the_same_images(
    options: dict[str, Any], db_url: str, owner: Owner, tmp_path: Path
) -> None:
    fake = PaidImagesFake(identify=lambda prompt: prompt)
    with FakeServer(fake) as server:
        settings = paid_settings(tmp_path, server.base_url)
        task_settings = TaskSettings.model_validate({"mediaMode": "dalle3", **options})
        roles = options.get("roles") or task_settings.effective_roles
        quote = estimate(
            options["imageMode"],
            task_settings.media_mode,
            options["styles"],
            roles,
            options.get("imageCount"),
            Pricing.from_settings(settings),
        )
        CreditAdmin(db_url).grant(owner.workspace_id, quote.credits, "exactly the estimate")
        task_id = _queue(db_url, owner, settings, options)
        planned = [(image["style"], image["role"]) for image in quote.plan]
        reserved = ImageWork(db_url).status(task_id, 1)
        assert reserved.total_images == quote.images == len(planned)
        assert [(image.style, image.role) for image in reserved.tasks] == planned

        state = PipelineState(db_url)
        spec = state.task_spec(task_id)
        story = TemplateScriptWriter().write(spec)
        finish_stages(state, task_id, ["script"])
        root = settings.resolved_storage_root
        produce_paid_images(
            ImageWork(db_url),
            DalleImageSource(settings, backoff=INSTANT),
            spec,
            story,
            TaskPaths(root, task_id),
            pricing=Pricing.from_settings(settings),
            keep=lambda path: path.relative_to(root).as_posix(),
            report=lambda _percent, _message: None,
        )
        made = ImageWork(db_url).status(task_id, 1)
        assert [(image.style, image.role) for image in made.tasks] == planned
        assert made.credits_consumed == quote.credits and made.completed_images == quote.images
        for prompt, (_style, role) in zip(fake.paid, planned, strict=True):
            assert f"Shows: {role_hint(role)}." in str(prompt)
    assert_balanced_ledger(db_url, owner.workspace_id)
