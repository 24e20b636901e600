"""HLS playback of a video (``/api/v1/videos/{videoId}/playback``): a signed master playlist URL, and the
playlists/segments it leads to (authorized by URL signature, since players cannot send bearer headers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import FileResponse

from media_pipeline.api.deps import Context, ReadOwner, VideoId
from media_pipeline.api.errors import ApiError, responses
from media_pipeline.api.playback import PLAYLIST_TYPE, SEGMENT_TYPE, PlaybackForbidden
from media_pipeline.api.schemas import PlaybackInfo
from media_pipeline.store import ContentKind, NotFoundError

router = APIRouter(prefix="/api/v1/videos", tags=["videos"], responses=responses(400, 401, 403, 404, 422))


@router.get("/{videoId}/playback", summary="Signed HLS master playlist URL of the latest rendered video")
def playback(video_id: VideoId, request: Request, context: Context, owner: ReadOwner) -> PlaybackInfo:
    videos = context.tasks(owner).contents(video_id, kind=ContentKind.VIDEO, limit=1)
    if not videos:
        raise NotFoundError("the video has not been rendered yet", {"videoId": video_id})
    link = context.playback.link(video_id, videos[0].generation, str(request.base_url))
    return PlaybackInfo(master_url=link.master_url, expires_at=link.expires_at, generation=link.generation)


@router.get(
    "/{videoId}/playback/{name:path}",
    summary="A playlist (URIs signed) or segment of the ladder; authorized by the URL's signature",
    responses={200: {"content": {PLAYLIST_TYPE: {}, SEGMENT_TYPE: {}}}},
)
def playback_file(
    video_id: VideoId,
    name: Annotated[str, Path(max_length=64)],
    request: Request,
    context: Context,
    g: Annotated[int, Query(ge=1, le=2**31 - 1)],
    exp: Annotated[int, Query(ge=0, le=2**40)],
    sig: Annotated[str, Query(min_length=20, max_length=64)],
) -> Response:
    try:
        context.playback.verify(video_id, g, name, exp, sig)
    except PlaybackForbidden as exc:
        raise ApiError(403, str(exc), {"videoId": video_id}, code="FORBIDDEN") from exc
    if name.endswith(".m3u8"):
        text = context.playback.playlist(video_id, g, name, exp, str(request.base_url))
        return Response(text, media_type=PLAYLIST_TYPE, headers={"Cache-Control": "private, no-store"})
    return FileResponse(context.playback.segment_file(video_id, g, name), media_type=SEGMENT_TYPE)
