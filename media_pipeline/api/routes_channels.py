"""YouTube channel settings of the caller's workspace (``/api/channels``); schedules and tasks name one in
``channelSettingId`` (tasks naming none publish to the default one). Connect a channel from the console
(routes_channel_connect.py) or authorize it with ``media-pipeline youtube-auth --channel <id>``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from media_pipeline.api.deps import Context, ReadOwner, WriteOwner
from media_pipeline.api.errors import responses
from media_pipeline.api.routes_channel_connect import connections
from media_pipeline.api.schemas import Channel, ChannelBody, ChannelDefaultsPatch, Items
from media_pipeline.domain.models import CHANNEL_ID_PATTERN
from media_pipeline.store import ChannelView

router = APIRouter(prefix="/api/channels", tags=["channels"], responses=responses(400, 401, 403, 404, 422))
ChannelSettingId = Annotated[str, Path(alias="channelSettingId", pattern=CHANNEL_ID_PATTERN, max_length=64)]


@router.get("", summary="The workspace's channel settings")
def list_channels(context: Context, owner: ReadOwner) -> Items[Channel]:
    return Items[Channel](items=context.channels(owner).list())


@router.post("", status_code=201, response_model=Channel, summary="Add a channel setting (then authorize it)")
def create_channel(body: ChannelBody, context: Context, owner: WriteOwner) -> ChannelView:
    return context.channels(owner).create(body.name, body.youtube_channel_id)


@router.get("/{channelSettingId}", response_model=Channel, summary="One channel setting")
def get_channel(channel_setting_id: ChannelSettingId, context: Context, owner: ReadOwner) -> ChannelView:
    return context.channels(owner).get(channel_setting_id)


@router.patch(
    "/{channelSettingId}",
    response_model=Channel,
    summary="Set the channel's task defaults (madeForKids, voice); tasks that set their own keep theirs",
)
def patch_channel(
    channel_setting_id: ChannelSettingId, body: ChannelDefaultsPatch, context: Context, owner: WriteOwner
) -> ChannelView:
    changes = body.model_dump(exclude_unset=True)
    return context.channels(owner).update_defaults(channel_setting_id, changes)


@router.put(
    "/{channelSettingId}/default",
    response_model=Channel,
    summary="Make the channel the workspace's default (tasks naming no channel publish to it)",
)
def set_default_channel(
    channel_setting_id: ChannelSettingId, context: Context, owner: WriteOwner
) -> ChannelView:
    return connections(context).set_default(owner, channel_setting_id)


@router.delete(
    "/{channelSettingId}",
    status_code=204,
    response_class=Response,
    summary="Disconnect a channel: its token is revoked at Google and deleted with the channel setting and "
    "its brand kit's files",
)
def delete_channel(channel_setting_id: ChannelSettingId, context: Context, owner: WriteOwner) -> Response:
    connections(context).disconnect(owner, channel_setting_id)  # NotFound for another workspace's channel
    context.brand_kits(owner).forget(channel_setting_id)
    return Response(status_code=204)
