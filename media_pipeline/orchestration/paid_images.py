"""The images stage with a paid source (seed 003): one persisted record per image, made one at a time.

A retry or a resumed run makes only the PENDING and FAILED images, so no image is generated (or paid)
twice; one failed image does not stop the others, the stage then fails (transient unless an image failed
permanently) and the retry makes only the failed ones. "Stop after the current image" is honoured after
each image (docs/ARCHITECTURE.md §7).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from media_pipeline.domain import ImageStyle, Scene, Script, TaskPaths, TaskSpec
from media_pipeline.domain.statuses import ImageStatus
from media_pipeline.errors import DeferredError, MediaPipelineError, PermanentError, TransientError
from media_pipeline.providers.ai_images import GeneratedImageSource, scene_prompt
from media_pipeline.store.credit_models import Charge
from media_pipeline.store.credits import Pricing
from media_pipeline.store.image_jobs import GRACEFUL_STOP_MESSAGE, ImageWork
from media_pipeline.store.views import ImageJobView

Report = Callable[[float, str], None]
Keep = Callable[[Path], str]
"""Stores a made image at once (so a killed worker's successor finds it) and returns its storage key."""


class ImagesStopped(MediaPipelineError):
    """The task was stopped while its images were being made (after the current image, or at once)."""

    code = "STOPPED"


def _summary(status: ImageJobView) -> str:
    return f"{status.completed_images}/{status.total_images} images"


def _outcome(status: ImageJobView, defer_s: float | None) -> None:
    """Raise if the job is not complete: permanent if an image failed for good, deferred by ``defer_s`` when
    the provider asked to wait (quota, Retry-After), transient otherwise."""
    failed = [image for image in status.tasks if image.status is ImageStatus.FAILED]
    if not failed and status.completed_images == status.total_images:
        return
    if not failed:
        raise ImagesStopped(f"the task was stopped with {_summary(status)} made")
    errors = "; ".join(f"image {image.index + 1}: {image.error}" for image in failed)
    message = f"{len(failed)} of {status.total_images} images failed ({errors}); the others are kept"
    if any(image.charge is Charge.REFUNDED for image in failed):
        raise PermanentError(message)
    if defer_s is not None:
        raise DeferredError(message, defer_s)
    raise TransientError(message)


def _planned(scene: Scene, spec: TaskSpec) -> Scene:
    """The scene with the style and role the image plan gives its image (seed 003 §6), whatever the script
    says, so the image record, the prompt and the estimate agree (docs/ARCHITECTURE.md §8)."""
    plan = spec.settings.image_plan
    if scene.index >= len(plan):
        return scene
    planned = plan[scene.index]
    return scene.model_copy(update={"style": ImageStyle(planned.style), "role": planned.role})


def produce_paid_images(
    work: ImageWork,
    source: GeneratedImageSource,
    spec: TaskSpec,
    story: Script,
    paths: TaskPaths,
    *,
    pricing: Pricing,
    keep: Keep,
    report: Report,
) -> list[Path]:
    """Make the generation's images that are not made yet and return every scene image, in order."""
    scenes = {scene.index: _planned(scene, spec) for scene in story.scenes}
    prompts = [(scene.style.value, scene.role, scene_prompt(scene, spec)) for scene in scenes.values()]
    status = work.prepare(spec.task_id, spec.generation, prompts, pricing)
    defer_s: float | None = None  # the longest wait a provider asked for in this attempt
    with source.open_api() as api:
        while (image := work.claim_next(spec.task_id, spec.generation)) is not None:
            path = paths.scene_image(image.index)
            try:
                source.make_image(api, spec, scenes[image.index], image.prompt or "", path)
            except Exception as exc:  # one image's failure is recorded; the others go on
                transient = isinstance(exc, TransientError)
                if isinstance(exc, DeferredError):
                    defer_s = max(defer_s or 0.0, exc.retry_after_s)
                work.fail(spec.task_id, spec.generation, image.index, str(exc), permanent=not transient)
            else:
                keys = [keep(made) for made in source.outputs(path)]  # the image first (e.g. sora2: + clip)
                work.complete(spec.task_id, spec.generation, image.index, keys[0])
            if work.stop_if_requested(spec.task_id, spec.generation):
                raise ImagesStopped(GRACEFUL_STOP_MESSAGE)
            status = work.status(spec.task_id, spec.generation)
            report(100 * status.completed_images / status.total_images, _summary(status))
    if work.stop_if_requested(spec.task_id, spec.generation):
        raise ImagesStopped(GRACEFUL_STOP_MESSAGE)
    _outcome(work.status(spec.task_id, spec.generation), defer_s)
    return [paths.scene_image(scene.index) for scene in story.scenes]
