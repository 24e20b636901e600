"""Storyboard and final reviews (docs/ARCHITECTURE.md §4, reviews): the storyboard of a video waiting for
review, narration edits, one-scene image regeneration (one paid image) or replacement by an upload, and the
approve/reject decisions; plus the owner's videos waiting for a review (automation tabs)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Path, UploadFile
from fastapi.responses import Response
from pydantic import Field

from media_pipeline.api.deps import Context, DownloadOwner, ReadOwner, VideoId, WriteOwner
from media_pipeline.api.errors import ApiError, responses
from media_pipeline.api.schemas import ApiModel, Items
from media_pipeline.api.uploads import upload_errors
from media_pipeline.domain import SceneMedia
from media_pipeline.review_flow import StoryboardView
from media_pipeline.store import (
    EditView,
    ReviewKind,
    ReviewRecordView,
    TaskActions,
    TaskStatus,
    WaitingReviewView,
)

router = APIRouter(prefix="/api/v1", tags=["reviews"], responses=responses(400, 401, 403, 404, 422))
SceneIndex = Annotated[int, Path(ge=0, le=29, description="Scene index (0-based)")]
Kind = Annotated[ReviewKind, Path(description="storyboard or final")]


class ReviewRecord(ApiModel, ReviewRecordView):
    """One review of the current generation: its decision, who made it and when."""

    decided_by_name: str | None = Field(description="The deciding user's username.")


class StoryboardEdit(ApiModel, EditView):
    """One storyboard edit (narration texts, the storage keys of the replaced and the new image, or a scene's
    media and keywords as JSON)."""

    image_index: int | None = Field(description="The paid image of a regeneration (its image job record).")

    @classmethod
    def of(cls, edit: EditView) -> StoryboardEdit:
        """The wire form of a stored edit."""
        return cls.model_validate(edit.model_dump())


class StoryboardScene(ApiModel):
    """A scene: its narration line next to its current image, and what it shows (``still`` or ``clip``,
    when the mediaMode gives one) with its stock search ``keywords``."""

    index: int
    narration: str
    caption: str
    image_url: str
    media: SceneMedia
    keywords: list[str]


class Storyboard(ApiModel):
    """A video's review state: the review it waits for (null if none), the current generation's reviews
    and edits, and its scenes."""

    video_id: str
    title: str
    status: TaskStatus
    generation: int
    waiting: ReviewKind | None
    reviews: list[ReviewRecord]
    edits: list[StoryboardEdit]
    scenes: list[StoryboardScene]

    @classmethod
    def of(cls, board: StoryboardView) -> Storyboard:
        """The wire form, with each scene's image URL (versioned, so an edit shows a new image)."""
        state = board.review
        return cls(
            video_id=state.task_id,
            title=state.title,
            status=state.status,
            generation=state.generation,
            waiting=state.waiting,
            reviews=[ReviewRecord.model_validate(review.model_dump()) for review in state.reviews],
            edits=[StoryboardEdit.of(edit) for edit in state.edits],
            scenes=[
                StoryboardScene(
                    index=scene.index,
                    narration=scene.narration,
                    caption=scene.caption,
                    image_url=f"/api/v1/videos/{state.task_id}/review/scenes/{scene.index}/image"
                    f"?v={state.generation}.{scene.image_version}",
                    media=scene.media,
                    keywords=scene.keywords,
                )
                for scene in board.scenes
            ],
        )


class NarrationBody(ApiModel):
    """A scene's new narration line."""

    text: Annotated[str, Field(min_length=1, max_length=6000)]


class SceneMediaBody(ApiModel):
    """A scene's media: ``still`` keeps its image, ``clip`` shows its clip; ``keywords`` for stock search."""

    media: SceneMedia
    keywords: Annotated[list[Annotated[str, Field(min_length=1, max_length=40)]], Field(max_length=8)] = (
        Field(default_factory=list)
    )


class Regenerated(ApiModel):
    """The regeneration's edit (``failed`` with the provider's error, and refunded, if no image came) and
    the storyboard after it."""

    edit: StoryboardEdit
    storyboard: Storyboard


class WaitingReview(ApiModel):
    """A video waiting for a review."""

    video_id: str
    title: str
    kind: ReviewKind
    requested_at: datetime
    actions: TaskActions

    @classmethod
    def of(cls, item: WaitingReviewView) -> WaitingReview:
        """The wire form."""
        fields = item.model_dump(include={"title", "kind", "requested_at", "actions"})
        return cls(video_id=item.task_id, **fields)


@router.get("/reviews", summary="The videos waiting for a storyboard or final review, longest waiting first")
def list_waiting_reviews(context: Context, owner: ReadOwner) -> Items[WaitingReview]:
    waiting = context.usecases(owner).reviews.waiting()
    return Items[WaitingReview](items=[WaitingReview.of(item) for item in waiting])


@router.get("/videos/{videoId}/review", summary="The video's storyboard and reviews")
def get_storyboard(video_id: VideoId, context: Context, owner: ReadOwner) -> Storyboard:
    return Storyboard.of(context.usecases(owner).reviews.storyboard(video_id))


@router.get(
    "/videos/{videoId}/review/scenes/{index}/image",
    response_class=Response,
    responses={200: {"description": "The scene's current image", "content": {"image/png": {}}}},
    summary="A scene's current image",
)
def scene_image(video_id: VideoId, index: SceneIndex, context: Context, owner: DownloadOwner) -> Response:
    data = context.usecases(owner).reviews.scene_image(video_id, index)
    return Response(data, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


@router.put(
    "/videos/{videoId}/review/scenes/{index}/narration",
    responses=responses(409),
    summary="Edit a scene's narration line (storyboard review only)",
)
def edit_narration(
    video_id: VideoId, index: SceneIndex, body: NarrationBody, context: Context, owner: WriteOwner
) -> Storyboard:
    return Storyboard.of(context.usecases(owner).reviews.edit_narration(video_id, index, body.text))


@router.put(
    "/videos/{videoId}/review/scenes/{index}/media",
    responses=responses(409),
    summary="Choose a scene's media (still or clip) and its stock keywords (storyboard review only)",
)
def edit_media(
    video_id: VideoId, index: SceneIndex, body: SceneMediaBody, context: Context, owner: WriteOwner
) -> Storyboard:
    reviews = context.usecases(owner).reviews
    return Storyboard.of(reviews.edit_media(video_id, index, body.media, body.keywords))


@router.post(
    "/videos/{videoId}/review/scenes/{index}/regenerate",
    responses=responses(402, 409),
    summary="Regenerate a scene's image: one paid image (storyboard review only)",
)
def regenerate(video_id: VideoId, index: SceneIndex, context: Context, owner: WriteOwner) -> Regenerated:
    reviews = context.usecases(owner).reviews
    edit = reviews.regenerate(video_id, index)
    return Regenerated(edit=StoryboardEdit.of(edit), storyboard=Storyboard.of(reviews.storyboard(video_id)))


@router.post(
    "/videos/{videoId}/review/scenes/{index}/image",
    responses=responses(409, 413, 415),
    form_limits={"max_files": 1, "max_fields": 0},
    summary="Replace a scene's image with an upload (JPEG, PNG, GIF or WebP; storyboard review only)",
)
def replace_image(
    video_id: VideoId,
    index: SceneIndex,
    file: Annotated[UploadFile, File(description="One image file")],
    context: Context,
    owner: WriteOwner,
) -> Storyboard:
    limit = context.settings.upload_max_bytes
    name = file.filename or "image"
    if file.size is not None and file.size > limit:
        raise ApiError(413, f"{name!r} is larger than {limit} bytes", {"limit": limit})
    with upload_errors():
        board = context.usecases(owner).reviews.replace_image(video_id, index, name, file.file)
    return Storyboard.of(board)


@router.post(
    "/videos/{videoId}/review/{kind}/approve",
    responses=responses(409),
    summary="Approve the storyboard or final review (idempotent): the video renders or publishes",
)
def approve(video_id: VideoId, kind: Kind, context: Context, owner: WriteOwner) -> Storyboard:
    return Storyboard.of(context.usecases(owner).reviews.approve(video_id, kind))


@router.post(
    "/videos/{videoId}/review/{kind}/reject",
    responses=responses(409),
    summary="Reject the review (idempotent): the video is canceled and nothing is published",
)
def reject(video_id: VideoId, kind: Kind, context: Context, owner: WriteOwner) -> Storyboard:
    return Storyboard.of(context.usecases(owner).reviews.reject(video_id, kind))
