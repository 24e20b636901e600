"""Use cases of the storyboard and final reviews (docs/ARCHITECTURE.md §4, reviews): the storyboard as the
creator sees it (each scene's narration line next to its image), narration edits, a scene's media (still or
clip) and stock keywords, one-scene image
regeneration (one paid image) or replacement by an upload, and the approve/reject decisions.

The store (``store/reviews.py``) guards status, owner and credits; this module does the file work on the
task storage: ``story.json`` and ``scene_XX.png`` are changed in place, the replaced image is kept under
``review/<generation>/`` of the task folder, and the video stage renders whatever is there on approval.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from pydantic import BaseModel, ConfigDict, ValidationError

from media_pipeline.domain import Scene, SceneMedia, Script, TaskPaths, TaskSpec
from media_pipeline.domain.models import ProductInfo, TaskSettings
from media_pipeline.domain.statuses import EditStatus
from media_pipeline.providers.ai_images import GeneratedImageSource, scene_prompt
from media_pipeline.providers.image_sources import build_image_source
from media_pipeline.providers.imaging import write_scene_image
from media_pipeline.providers.uploads import store_upload
from media_pipeline.settings import Settings
from media_pipeline.storage import Storage, StorageKeyError
from media_pipeline.store import ConflictError, NotFoundError, TaskService, ValidationFailed
from media_pipeline.store.review_models import EditKind, ReviewKind
from media_pipeline.store.reviews import Apply, ReviewService
from media_pipeline.store.views import EditView, ReviewStateView, WaitingReviewView

MAX_NARRATION = 6000


class SceneView(BaseModel):
    """One scene of the storyboard: its narration line and the version of its image (bumped by every
    regeneration or upload, so a client can tell a new image from a cached one)."""

    model_config = ConfigDict(frozen=True)

    index: int
    narration: str
    caption: str
    image_version: int
    media: SceneMedia
    keywords: list[str]


class StoryboardView(BaseModel):
    """A task's review state with its scenes (empty before the script is written)."""

    model_config = ConfigDict(frozen=True)

    review: ReviewStateView
    scenes: list[SceneView]


class StoryboardReviews:
    """The owner's review commands over the review service, the task service and the task storage."""

    def __init__(
        self, reviews: ReviewService, tasks: TaskService, storage: Storage, settings: Settings
    ) -> None:
        self.reviews = reviews
        self.tasks = tasks
        self.storage = storage
        self.settings = settings

    # -- reads ---------------------------------------------------------------------------------------

    def storyboard(self, task_id: str) -> StoryboardView:
        """The task's review state and scenes (NotFoundError for another owner's task)."""
        return self._with_scenes(self.reviews.state(task_id))

    def waiting(self) -> list[WaitingReviewView]:
        """The owner's videos waiting for a review, longest waiting first."""
        return self.reviews.waiting()

    def scene_image(self, task_id: str, index: int) -> bytes:
        """The current image of scene ``index`` (PNG bytes)."""
        self.reviews.state(task_id)  # NotFound for another owner's task
        try:
            return self.storage.read_bytes(self._keys(task_id).scene_image(index).as_posix())
        except StorageKeyError as exc:
            raise NotFoundError(f"scene {index} has no image", {"taskId": task_id, "scene": index}) from exc

    # -- edits ---------------------------------------------------------------------------------------

    def edit_narration(self, task_id: str, index: int, text: str) -> StoryboardView:
        """Replace scene ``index``'s narration line (1-6000 characters) in ``story.json``."""
        line = text.strip()
        if not 0 < len(line) <= MAX_NARRATION:
            raise ValidationFailed(
                "the narration line must have 1-6000 characters",
                {"errors": [{"field": "text", "message": "1-6000 characters", "type": "string_length"}]},
            )

        def apply() -> tuple[str | None, str | None]:
            return self._rewrite_scene(task_id, index, {"narration": line}).narration, line

        self.reviews.edit(task_id, index, EditKind.NARRATION, apply)
        return self.storyboard(task_id)

    def edit_media(
        self, task_id: str, index: int, media: SceneMedia, keywords: Sequence[str]
    ) -> StoryboardView:
        """Set scene ``index``'s media (still or clip) and stock keywords in ``story.json``
        (docs/ARCHITECTURE.md §8, "Clips as scene media"); the edit records both as JSON."""
        words = [word.strip() for word in keywords if word.strip()]
        after = {"media": media.value, "keywords": words}
        try:
            Scene.model_validate({"index": index, "narration": "-", **after})
        except ValidationError as exc:
            raise ValidationFailed(
                "the keywords are invalid", {"errors": exc.errors(include_url=False)}
            ) from exc

        def apply() -> tuple[str | None, str | None]:
            scene = self._rewrite_scene(task_id, index, {"media": media, "keywords": words})
            before = {"media": scene.media.value, "keywords": scene.keywords}
            return json.dumps(before, ensure_ascii=False), json.dumps(after, ensure_ascii=False)

        self.reviews.edit(task_id, index, EditKind.MEDIA, apply)
        return self.storyboard(task_id)

    def _rewrite_scene(self, task_id: str, index: int, update: dict[str, object]) -> Scene:
        """Write ``story.json`` with ``update`` applied to scene ``index``; returns the scene as it was."""
        story = self._story(task_id)
        scene = self._scene(story, task_id, index)
        scenes = [item.model_copy(update=update) if item.index == index else item for item in story.scenes]
        updated = story.model_copy(update={"scenes": scenes})
        self.storage.write_bytes(
            self._keys(task_id).story_json.as_posix(), updated.model_dump_json(indent=2).encode()
        )
        return scene

    def regenerate(self, task_id: str, index: int) -> EditView:
        """Make a new image for scene ``index`` with the task's AI source: one paid image, reserved first
        (402 if the credits do not cover it), consumed when the image is in place or refunded if the
        provider failed (the edit then says why). The replaced image is kept in the review history."""
        spec = self._spec(task_id)
        story = self._story(task_id)
        scene = self._scene(story, task_id, index)
        source = build_image_source(spec.settings.media_mode, self.settings)
        if not isinstance(source, GeneratedImageSource):
            raise ConflictError(
                "only AI-generated images can be regenerated; replace the image with an upload",
                {"taskId": task_id, "mediaMode": spec.settings.media_mode.value},
            )
        prompt = scene_prompt(scene, spec)
        ticket = self.reviews.begin_regeneration(task_id, index, scene.style.value, prompt)
        with tempfile.TemporaryDirectory(prefix="media-pipeline-review-") as folder:
            made = Path(folder) / "scene.png"
            try:
                with source.open_api() as api:
                    source.make_image(api, spec, scene, prompt, made)
            except Exception as exc:  # the provider's failure is the edit's outcome; the credit is refunded
                return self.reviews.finish_regeneration(task_id, ticket, None, str(exc))
            apply = self._swap(task_id, ticket.generation, index, made, "regenerated")
            return self.reviews.finish_regeneration(task_id, ticket, apply)

    def replace_image(self, task_id: str, index: int, filename: str, stream: BinaryIO) -> StoryboardView:
        """Replace scene ``index``'s image with an uploaded one (checked like every upload: type sniffed
        from the bytes, size limited; UploadRejectedError otherwise), cover-fitted to the video frame."""
        spec = self._spec(task_id)
        self._scene(self._story(task_id), task_id, index)
        with tempfile.TemporaryDirectory(prefix="media-pipeline-review-") as folder:
            upload = store_upload(
                TaskPaths(Path(folder), task_id), filename, stream, max_bytes=self.settings.upload_max_bytes
            )
            fitted = write_scene_image(upload.path, spec.settings.resolution, Path(folder) / "scene.png")
            apply = self._swap(task_id, spec.generation, index, fitted, "upload")
            self.reviews.edit(task_id, index, EditKind.UPLOAD, apply)
        return self.storyboard(task_id)

    # -- decisions -----------------------------------------------------------------------------------

    def approve(self, task_id: str, kind: ReviewKind) -> StoryboardView:
        """Approve the open review (idempotent): the next stage (video or publishing) launches."""
        return self._with_scenes(self.reviews.approve(task_id, kind))

    def reject(self, task_id: str, kind: ReviewKind) -> StoryboardView:
        """Reject the open review: the task is canceled and nothing is published."""
        return self._with_scenes(self.reviews.reject(task_id, kind))

    # -- helpers -------------------------------------------------------------------------------------

    @staticmethod
    def _keys(task_id: str) -> TaskPaths:
        return TaskPaths.keys(task_id)

    def _swap(self, task_id: str, generation: int, index: int, made: Path, tag: str) -> Apply:
        """An ``apply`` that keeps the current image of scene ``index`` under ``review/<generation>/`` and
        puts ``made`` in its place; returns the two history keys ``(replaced, new)``."""
        keys = self._keys(task_id)
        history = keys.dir / "review" / str(generation)
        stem = f"scene_{index:02d}-{secrets.token_hex(4)}"
        replaced = (history / f"{stem}-replaced.png").as_posix()
        new = (history / f"{stem}-{tag}.png").as_posix()
        current = keys.scene_image(index).as_posix()

        def apply() -> tuple[str | None, str | None]:
            self.storage.upload(made, new)
            if self.storage.exists(current):
                self.storage.move(current, replaced)
            self.storage.upload(made, current)
            return replaced, new

        return apply

    def _spec(self, task_id: str) -> TaskSpec:
        task = self.tasks.get(task_id)
        return TaskSpec(
            task_id=task.id,
            title=task.title,
            generation=max(task.generation, 1),
            settings=TaskSettings.model_validate(task.settings),
            product=None if task.product is None else ProductInfo.model_validate(task.product),
            description=task.description,
        )

    def _story(self, task_id: str) -> Script:
        try:
            data = self.storage.read_bytes(self._keys(task_id).story_json.as_posix())
        except StorageKeyError as exc:
            raise ConflictError("the script is not written yet", {"taskId": task_id}) from exc
        return Script.model_validate_json(data)

    @staticmethod
    def _scene(story: Script, task_id: str, index: int) -> Scene:
        if not 0 <= index < len(story.scenes):
            raise NotFoundError(f"scene {index} not found", {"taskId": task_id, "scene": index})
        return story.scenes[index]

    def _with_scenes(self, state: ReviewStateView) -> StoryboardView:
        try:
            story = self._story(state.task_id)
        except ConflictError:
            return StoryboardView(review=state, scenes=[])
        versions: dict[int, int] = {}
        for edit in state.edits:
            if edit.kind in (EditKind.REGENERATE, EditKind.UPLOAD) and edit.status is EditStatus.DONE:
                versions[edit.scene_index] = versions.get(edit.scene_index, 0) + 1
        return StoryboardView(
            review=state,
            scenes=[
                SceneView(
                    index=scene.index,
                    narration=scene.narration,
                    caption=scene.caption,
                    image_version=versions.get(scene.index, 0),
                    media=scene.media,
                    keywords=scene.keywords,
                )
                for scene in story.scenes
            ],
        )
