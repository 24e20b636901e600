"""Shared setup of the paid-image tests: a workspace with credits, a queued dalle3 task, its script, and
the paid images loop as the images stage runs it (also run in a child process by paid_images_child)."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from media_pipeline.domain import Language, Scene, Script, TaskPaths, TaskSpec
from media_pipeline.orchestration.paid_images import produce_paid_images
from media_pipeline.providers.ai_images import DalleImageSource
from media_pipeline.providers.retry import Backoff
from media_pipeline.settings import Settings
from media_pipeline.store import Owner, PipelineState
from media_pipeline.store.credits import CreditAdmin, Pricing
from media_pipeline.store.image_jobs import ImageWork
from media_pipeline.usecases import UseCases

INSTANT = Backoff(sleep=lambda _s: None, rand=lambda: 0.0)
PAID_OPTIONS = {"mediaMode": "dalle3", "imageCount": 5, "renderHeight": 320, "language": "en"}


def paid_settings(data_dir: Path, images_url: str) -> Settings:
    """Settings with the DALL·E source pointed at a loopback fake (1 credit per image)."""
    return Settings(
        data_dir=data_dir,
        images_base_url=f"{images_url}/v1",
        images_api_key=SecretStr("sk-test"),
        credit_prices={"dalle3": 1},
    )


def queue_paid_task(db_url: str, owner: Owner, settings: Settings, *, credits: int, asset: str = "a") -> str:
    """Grant ``credits`` to the owner's workspace, add a 5-image dalle3 draft and Run it (reserves 5)."""
    CreditAdmin(db_url).grant(owner.workspace_id, credits, "test grant")
    usecases = UseCases(db_url, owner, settings=settings)
    version = usecases.queues.list_drafts().version
    (draft,) = usecases.queues.add_assets([asset], PAID_OPTIONS, version).tasks
    queued = usecases.run_drafts(usecases.queues.list_drafts().version, [draft.id]).queued
    assert [task.id for task in queued] == [draft.id]
    return draft.id


def story_of(spec: TaskSpec) -> Script:
    """A script whose prompts name their scene (``scene N ...``) so the fake knows what it is paid for."""
    scenes = [
        Scene(index=i, narration=f"Narration {i}.", image_prompt=f"scene {i} of a calm lake")
        for i in range(spec.settings.image_count)
    ]
    return Script(title=spec.title, language=Language.EN, scenes=scenes)


def make_images(db_url: str, settings: Settings, task_id: str) -> list[Path]:
    """The images stage's paid loop for the task's current generation."""
    spec = PipelineState(db_url).task_spec(task_id)
    root = settings.resolved_storage_root
    return produce_paid_images(
        ImageWork(db_url),
        DalleImageSource(settings, backoff=INSTANT),
        spec,
        story_of(spec),
        TaskPaths(root, task_id),
        pricing=Pricing.from_settings(settings),
        keep=lambda path: path.relative_to(root).as_posix(),
        report=lambda _percent, _message: None,
    )
