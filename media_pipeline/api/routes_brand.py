"""A channel's brand kit (``/api/channels/{channelSettingId}/brand-kit``, docs/ARCHITECTURE.md §9 "Brand
kits"): read and save its settings, upload its font, logo, intro and outro (checked from the bytes, stored
under keys the server derives), and render a 3-second preview MP4."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, File, Path, Response, UploadFile

from media_pipeline.api.deps import Context, ReadOwner, WriteOwner
from media_pipeline.api.errors import responses
from media_pipeline.api.routes_channels import ChannelSettingId
from media_pipeline.api.uploads import upload_errors
from media_pipeline.domain.brand import BrandFile, BrandKit

router = APIRouter(
    prefix="/api/channels/{channelSettingId}/brand-kit",
    tags=["channels"],
    responses=responses(400, 401, 403, 404, 422),
)
Kind = Annotated[BrandFile, Path(description="Which file: font (TTF/OTF), logo (PNG/JPEG), intro, outro")]


@router.get("", summary="The channel's brand kit (defaults when none was saved)")
def get_brand_kit(channel_setting_id: ChannelSettingId, context: Context, owner: ReadOwner) -> BrandKit:
    return context.brand_kits(owner).get(channel_setting_id)


@router.put("", summary="Save the brand kit's settings (its files are changed by uploads only)")
def put_brand_kit(
    channel_setting_id: ChannelSettingId, body: BrandKit, context: Context, owner: WriteOwner
) -> BrandKit:
    return context.brand_kits(owner).put(channel_setting_id, body)


@router.post(
    "/files/{kind}",
    responses=responses(413),
    form_limits={"max_files": 1, "max_fields": 0},
    summary="Upload the kit's font (TTF/OTF with every KS X 1001 Hangul syllable), logo (PNG/JPEG) or "
    "intro/outro clip (MP4/MOV/WebM, at most 15 s)",
)
def upload_brand_file(
    channel_setting_id: ChannelSettingId,
    kind: Kind,
    file: Annotated[UploadFile, File(description="The file")],
    context: Context,
    owner: WriteOwner,
) -> BrandKit:
    with upload_errors():
        return context.brand_kits(owner).upload(channel_setting_id, kind, file.file)


@router.delete("/files/{kind}", summary="Remove one of the kit's files")
def delete_brand_file(
    channel_setting_id: ChannelSettingId, kind: Kind, context: Context, owner: WriteOwner
) -> BrandKit:
    return context.brand_kits(owner).remove_file(channel_setting_id, kind)


@router.post(
    "/preview",
    response_class=Response,
    responses={200: {"content": {"video/mp4": {}}, "description": "A 3-second MP4"}},
    summary="Render a 3-second preview: a sample caption in the kit's font, colours and preset, with logo "
    "(the body's unsaved settings, else the saved kit)",
)
def preview_brand_kit(
    channel_setting_id: ChannelSettingId,
    context: Context,
    owner: ReadOwner,
    body: Annotated[BrandKit | None, Body()] = None,
) -> Response:
    video = context.brand_kits(owner).preview(channel_setting_id, body)
    return Response(content=video, media_type="video/mp4", headers={"Cache-Control": "no-store"})
